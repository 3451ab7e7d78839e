package io.uringactor.stream;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/** Helpers of the stream tests: random files, SHA-256, awaiting stages, counting open fds. */
public final class StreamTestSupport {
    private StreamTestSupport() {
    }

    /** A file of {@code size} pseudo-random bytes from {@code seed}. */
    public static Path randomFile(Path path, long size, long seed) throws IOException {
        final SplittableRandom random = new SplittableRandom(seed);
        final ByteBuffer block = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long left = size;
            while (left > 0) {
                block.clear();
                while (block.remaining() >= Long.BYTES) {
                    block.putLong(random.nextLong());
                }
                block.flip();
                block.limit((int) Math.min(block.limit(), left));
                left -= block.remaining();
                while (block.hasRemaining()) {
                    ch.write(block);
                }
            }
        }
        return path;
    }

    public static String sha256(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            final MessageDigest digest = MessageDigest.getInstance("SHA-256");
            final byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    public static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("not completed within 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new CompletionException(e.getCause());
        }
    }

    /** The exception {@code stage} failed with. */
    public static Throwable failure(CompletionStage<?> stage) {
        final CompletionException e = assertThrows(CompletionException.class, () -> await(stage));
        return e.getCause();
    }

    /**
     * The descriptors this process has open on files under JUnit's temporary directories: the files the
     * stages open, which must be closed when a stream ends. Not every descriptor: the JVM and the test
     * runner open and close others at any moment, and a ring keeps its free pipes until it has been idle a
     * few seconds (tested in the actor module), so a plain count drifts.
     */
    public static long openFds() {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().contains("/junit");
                } catch (IOException e) {
                    return false; // closed while listing
                }
            }).count();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The temporary files an atomic replace leaves in {@code dir} ({@code .<name>.<random>.tmp}). */
    public static java.util.List<Path> tempFiles(Path dir) {
        try (var files = Files.list(dir)) {
            return files.filter(f -> {
                final String name = f.getFileName().toString();
                return name.startsWith(".") && name.endsWith(".tmp");
            }).toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Waits until {@code condition} holds, polling every 10 ms for at most 10 s; fails the test if it does
     * not. Not a timing assumption: the wait ends as soon as the condition holds, and only a condition
     * that never holds fails.
     */
    public static void awaitCondition(String what, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within 10 s: " + what);
            }
            Thread.sleep(10);
        }
    }

    /** Waits up to 2 s for {@code value} to drop to {@code atMost}; returns its last value. */
    public static long awaitAtMost(LongSupplier value, long atMost) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        long v = value.getAsLong();
        while (v > atMost && System.nanoTime() < deadline) {
            Thread.sleep(20);
            v = value.getAsLong();
        }
        return v;
    }
}
