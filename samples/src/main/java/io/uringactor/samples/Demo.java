package io.uringactor.samples;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingExtension;
import io.uringactor.actor.RingStats;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.IOResult;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The demo the README starts with: copies a temp file with Pekko's {@code FileIO} and with this library
 * (a pipelined Source→Sink through the ring actor, and an in-kernel splice copy), verifies each copy byte
 * for byte, shows the speed-up, runs a burst of concurrent asks and prints the ring's batching stats, and
 * cleans up. {@code demo [--size BYTES]}; default 256 MiB.
 */
public final class Demo {
    private Demo() {
    }

    public static int run(String[] args, PrintStream out) throws Exception {
        long size = 256L << 20;
        for (int i = 0; i < args.length; i++) {
            if ("--size".equals(args[i]) && i + 1 < args.length) {
                size = Samples.parseSize(args[++i]);
            }
        }
        final boolean terminal = Progress.isTerminal();
        final Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "io-uring-demo");
        final ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "demo");
        try {
            // Fail in a second, not after writing the file, where io_uring cannot be used: the failure's
            // cause says why (a sysctl, a seccomp filter) and Main prints it as one line.
            final RingClient ring = RingExtension.get(system).client();
            ring.close(ring.open(dir, OpenOptions.readOnly()).toCompletableFuture().join()).toCompletableFuture().join();
            final Path source = dir.resolve("source.bin");
            out.printf("io-uring-actor demo: a %s file in %s, engine %s%n", Samples.bytes(size), dir,
                    ring.stats().toCompletableFuture().join().engine());
            writeRandomFile(source, size);
            warm(source);
            warmUp(system, dir);

            final Verified verified = new Verified();
            final double fileIo = timedCopy(out, terminal, "Pekko FileIO", size, source, verified,
                    StreamCopy.startFileIO(system, source, dir.resolve("copy-fileio.bin")));
            final double stream = timedCopy(out, terminal, "uring stream", size, source, verified,
                    // In place, as FileIO writes: an atomic replace would add an fsync to the timing.
                    StreamCopy.start(system, CopyCli.Options.streaming(source, dir.resolve("copy-stream.bin"), 1 << 20, 8,
                            true)));
            final double splice = timedCopy(out, terminal, "uring copy", size, source, verified,
                    StreamCopy.startSplice(system, source, dir.resolve("copy-splice.bin")));
            out.printf("speed-up over FileIO: stream %.1fx, in-kernel copy %.1fx%n", fileIo / stream, fileIo / splice);

            asks(out, RingExtension.get(system).client(), source, size);
            return verified.identical == 3 ? 0 : 1;
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().join();
            Samples.deleteRecursively(dir);
        }
    }

    /** How many copies were verified identical. */
    private static final class Verified {
        int identical;
    }

    /** Runs one copy with a progress bar, then flushes, verifies and deletes its target. */
    private static double timedCopy(PrintStream out, boolean terminal, String label, long size, Path source,
                                    Verified verified, StreamCopy copy) throws Exception {
        final Progress progress = new Progress(label, size, copy::bytesCopied, out, terminal,
                terminal ? Progress.terminalWidth() : Progress.DEFAULT_WIDTH);
        IOResult result = null;
        try {
            result = copy.result().toCompletableFuture().get();
        } finally {
            progress.finish(result != null);
        }
        final double seconds = copy.seconds();
        out.printf("%-12s %s in %.2f s = %.0f MB/s%n", label, Samples.bytes(result.count()), seconds,
                result.count() / 1e6 / seconds);
        // Write the copy back to disk before the next one starts, so no copy pays for another's writeback.
        try (FileChannel ch = FileChannel.open(copy.target(), StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        final long at = Files.mismatch(source, copy.target());
        out.printf("verify %-16s %s%n", copy.target().getFileName(), at == -1 ? "identical" : "DIFFERS at byte " + at);
        verified.identical += at == -1 ? 1 : 0;
        Files.delete(copy.target());
        return seconds;
    }

    /** One small untimed copy each way, so that the timed ones do not measure the JIT and the first opens. */
    private static void warmUp(ActorSystem<?> system, Path dir) throws Exception {
        final Path small = dir.resolve("warm-up.bin");
        writeRandomFile(small, 32L << 20);
        final Path copy = dir.resolve("warm-up-copy.bin");
        for (int round = 0; round < 5; round++) {
            StreamCopy.startFileIO(system, small, copy).result().toCompletableFuture().get();
            StreamCopy.start(system, CopyCli.Options.streaming(small, copy, 1 << 20, 8, true)).result().toCompletableFuture().get();
            StreamCopy.startSplice(system, small, copy).result().toCompletableFuture().get();
        }
        Files.delete(copy);
        Files.delete(small);
    }

    /** 10,000 random 4 KiB reads from 4 threads, 16 outstanding each, through one ring actor. */
    private static void asks(PrintStream out, RingClient ring, Path source, long size) throws Exception {
        final FileHandle file = ring.open(source, OpenOptions.readOnly()).toCompletableFuture().get();
        final RingStats before = ring.stats().toCompletableFuture().get();
        final int threads = 4;
        final int perThread = 2_500;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final long start = System.nanoTime();
        final Thread[] clients = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            clients[t] = new Thread(() -> {
                final Semaphore window = new Semaphore(16);
                for (int i = 0; i < perThread; i++) {
                    window.acquireUninterruptibly();
                    final long offset = ThreadLocalRandom.current().nextLong(size / 4096) * 4096;
                    ring.read(file, offset, 4096).whenComplete((bytes, error) -> {
                        if (error != null) {
                            failure.set(error);
                        }
                        window.release();
                    });
                }
                window.acquireUninterruptibly(16);
            }, "ask-client-" + t);
            clients[t].start();
        }
        for (Thread client : clients) {
            client.join();
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        final RingStats after = ring.stats().toCompletableFuture().get();
        ring.close(file).toCompletableFuture().get();
        if (failure.get() != null) {
            throw new IOException("a concurrent read failed", failure.get());
        }
        final long submitted = after.submitted() - before.submitted();
        final long batches = after.batches() - before.batches();
        out.printf("%d concurrent 4 KiB reads from %d threads: %.0f reads/s; %.1f SQEs per io_uring_enter"
                        + " (max %d), in flight max %d%n", threads * perThread, threads, threads * perThread / seconds,
                batches == 0 ? 0.0 : (double) submitted / batches, after.maxBatch(), after.inFlightMax());
        out.println(after);
    }

    private static void writeRandomFile(Path path, long size) throws IOException {
        final ByteBuffer block = ByteBuffer.allocateDirect(1 << 20);
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long written = 0;
            while (written < size) {
                block.clear();
                while (block.remaining() >= Long.BYTES) {
                    block.putLong(random.nextLong());
                }
                block.flip();
                block.limit((int) Math.min(block.limit(), size - written));
                while (block.hasRemaining()) {
                    written += ch.write(block);
                }
            }
            ch.force(true); // on disk before the copies start, so none of them pays for its writeback
        }
    }

    /** Reads the file once so that every copy starts from a warm page cache. */
    private static void warm(Path path) throws IOException {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(path)) {
            while (ch.read(buffer) > 0) {
                buffer.clear();
            }
        }
    }

}
