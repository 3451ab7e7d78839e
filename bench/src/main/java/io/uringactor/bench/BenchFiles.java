package io.uringactor.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;

/**
 * The data file the read benchmarks use: {@code SIZE} MiB of random bytes, created once and then reused
 * by every fork and every later run (so a run does not pay 256 MiB of writes per trial).
 *
 * <p>It lives in {@code -Dbench.dir=DIR}, by default {@code target/io-uring-bench} under the working
 * directory: on the same filesystem as the checkout, never {@code /tmp} (often a tmpfs, where O_DIRECT
 * is refused). Delete the directory to reclaim the space.
 */
final class BenchFiles {
    static final int BLOCK = 4096;
    private static final int CHUNK = 1 << 20;

    private BenchFiles() {
    }

    /** The directory holding the data files. */
    static Path directory() {
        final String configured = System.getProperty("bench.dir");
        final Path dir = configured != null && !configured.isEmpty()
                ? Path.of(configured)
                : Path.of(System.getProperty("user.dir"), "target", "io-uring-bench");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the benchmark directory " + dir, e);
        }
        return dir.toAbsolutePath();
    }

    /**
     * The data file of {@code sizeMiB} MiB, created (and fsynced) if it is missing or has another size.
     *
     * @param direct whether it will be opened with O_DIRECT: then a tmpfs directory is refused up front
     */
    static Path dataFile(int sizeMiB, boolean direct) {
        if (sizeMiB <= 0) {
            throw new IllegalArgumentException("fileSizeMiB=" + sizeMiB + " must be positive");
        }
        final Path dir = directory();
        try {
            final String fsType = Files.getFileStore(dir).type();
            if (direct && "tmpfs".equals(fsType)) {
                throw new IllegalStateException(dir + " is on tmpfs, which refuses O_DIRECT: run from a directory on a"
                        + " disk filesystem or pass -Dbench.dir=DIR");
            }
            final Path file = dir.resolve("data-" + sizeMiB + "m.bin");
            final long size = (long) sizeMiB << 20;
            if (Files.isRegularFile(file) && Files.size(file) == size) {
                return file;
            }
            final long started = System.nanoTime();
            final Path partial = Files.createTempFile(dir, "data-", ".partial");
            try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                final byte[] random = new byte[CHUNK];
                new Random(42).nextBytes(random);
                final ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
                for (long at = 0; at < size; at += CHUNK) {
                    chunk.clear();
                    chunk.put(random);
                    // Stamp every block so that no two blocks of the file are equal (no dedup below us).
                    for (int b = 0; b < CHUNK; b += BLOCK) {
                        chunk.putLong(b, at + b);
                    }
                    chunk.flip();
                    while (chunk.hasRemaining()) {
                        ch.write(chunk, at + chunk.position());
                    }
                }
                ch.force(true);
            }
            Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            System.out.printf("# created %s (%d MiB, %s) in %.1f s%n", file, sizeMiB, fsType,
                    (System.nanoTime() - started) / 1e9);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the benchmark data file in " + dir, e);
        }
    }

    /** Reads the whole file sequentially so that the cached-mode reads hit the page cache. */
    static void warm(Path file) {
        final long started = System.nanoTime();
        long total = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            final ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK);
            int n;
            while ((n = ch.read(buffer.clear(), total)) > 0) {
                total += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        System.out.printf("# warmed the page cache with %s: %d MiB in %.2f s%n", file.getFileName(), total >> 20,
                (System.nanoTime() - started) / 1e9);
    }

    /** A block-aligned random offset in a file of {@code blocks} blocks (xorshift64*; state must be non-zero). */
    static long nextOffset(long[] state, long blocks) {
        long x = state[0];
        x ^= x >>> 12;
        x ^= x << 25;
        x ^= x >>> 27;
        state[0] = x;
        return Long.remainderUnsigned(x * 0x2545F4914F6CDD1DL, blocks) * BLOCK;
    }

    /** Whether the {@code mode} parameter ("cached" or "direct") asks for O_DIRECT. */
    static boolean isDirect(String mode) {
        return switch (mode) {
            case "cached" -> false;
            case "direct" -> true;
            default -> throw new IllegalArgumentException("mode must be cached or direct, got " + mode);
        };
    }

    /** The data file of {@code sizeMiB}, warmed into the page cache unless it is read with O_DIRECT. */
    static Path prepared(int sizeMiB, boolean direct) {
        final Path file = dataFile(sizeMiB, direct);
        if (!direct) {
            warm(file);
        }
        return file;
    }
}
