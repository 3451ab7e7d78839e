package io.uringactor.bench.remote;

import io.uringactor.actor.RingClient;
import io.uringactor.stream.javadsl.RingAttribute;
import io.uringactor.stream.javadsl.UringFileIO;


import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.IOResult;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * {@code remote [--size MiB] [--runs N] [--dir D]}: a file streamed between two nodes' disks (two ActorSystems in
 * this JVM over Artery on loopback, node A's ring confined to the data directory) beside the local ways to copy
 * it and a plain TCP copy over loopback (the transport's limit: FileChannel to a socket to a FileChannel, no
 * actor), each run in turn, median MB/s of the runs.
 */
public final class RemoteStreams {
    private RemoteStreams() {
    }

    public static int run(String[] args, PrintStream out) throws Exception {
        final Map<String, String> options = TwoNodes.options(args, Set.of("--size", "--runs", "--dir"));
        if (options == null) {
            out.println("usage: remote [--size MiB] [--runs N] [--dir D]");
            return 2;
        }
        final long sizeMiB = Long.parseLong(options.getOrDefault("--size", "256"));
        final int runs = Integer.parseInt(options.getOrDefault("--runs", "3"));
        final Path dir = Path.of(options.getOrDefault("--dir", "target/io-uring-remote"));
        final Path root = Files.createDirectories(dir.resolve("node-a"));
        final Path diskB = Files.createDirectories(dir.resolve("node-b"));
        final Path data = root.resolve("data.bin");
        writeRandom(data, sizeMiB << 20);
        final long size = Files.size(data);
        try (TwoNodes nodes = TwoNodes.start(root, Duration.ofSeconds(60))) {
            final ActorSystem<Void> nodeA = nodes.nodeA;
            final ActorSystem<Void> nodeB = nodes.nodeB;
            final RingClient remote = nodes.remote;
            remote.stats().toCompletableFuture().join();

            final Map<String, Supplier<CompletableFuture<IOResult>>> ways = new LinkedHashMap<>();
            ways.put("A's disk -> B's disk (stream on B)", () -> UringFileIO.fromPath(Path.of("data.bin"))
                    .withAttributes(RingAttribute.of(remote))
                    .runWith(UringFileIO.toPath(diskB.resolve("from-a.bin")), nodeB).toCompletableFuture());
            ways.put("B's disk -> A's disk (stream on B)", () -> UringFileIO.fromPath(diskB.resolve("from-a.bin"))
                    .runWith(UringFileIO.toPath(Path.of("from-b.bin")).withAttributes(RingAttribute.of(remote)), nodeB)
                    .toCompletableFuture());
            ways.put("local fromPath -> toPath (A)", () -> UringFileIO.fromPath(data)
                    .runWith(UringFileIO.toPath(root.resolve("local-stream.bin")), nodeA).toCompletableFuture());
            ways.put("local copy, in the kernel (A)", () -> UringFileIO.copy(nodeA, data, root.resolve("local-copy.bin"))
                    .toCompletableFuture());
            ways.put("plain TCP over loopback, file to file", () -> tcpCopy(data, diskB.resolve("tcp.bin")));

            final Map<String, List<Double>> mbps = new LinkedHashMap<>();
            ways.put("warm-up", ways.get("A's disk -> B's disk (stream on B)"));
            ways.get("warm-up").get().join();
            ways.remove("warm-up");
            for (int run = 0; run < runs; run++) {
                for (Map.Entry<String, Supplier<CompletableFuture<IOResult>>> way : ways.entrySet()) {
                    final long start = System.nanoTime();
                    final IOResult result = way.getValue().get().join();
                    final double seconds = (System.nanoTime() - start) / 1e9;
                    if (result.count() != size) {
                        throw new IllegalStateException(way.getKey() + " copied " + result.count() + " of " + size);
                    }
                    mbps.computeIfAbsent(way.getKey(), k -> new ArrayList<>()).add(size / 1e6 / seconds);
                }
            }
            final double tcp = median(mbps.get("plain TCP over loopback, file to file"));
            out.printf("%n%d MiB file, median of %d runs each, in turn; two ActorSystems in one JVM, Artery TCP on"
                    + " loopback, default maximum-frame-size%n%n", size >> 20, runs);
            out.println("| copy | MB/s (median) | runs | vs plain TCP |");
            out.println("|---|--:|---|--:|");
            for (Map.Entry<String, List<Double>> e : mbps.entrySet()) {
                out.printf(Locale.ROOT, "| %s | %.0f | %s | %.2fx |%n", e.getKey(), median(e.getValue()),
                        e.getValue().stream().map(v -> String.format(Locale.ROOT, "%.0f", v)).toList(),
                        median(e.getValue()) / tcp);
            }
            slowReader(remote, nodeB, out);
            return 0;
        }
    }

    /**
     * A slow consumer on node B (64 chunks a second) reading node A's file for {@link #SLOW_READ_SECONDS}: the
     * JVM's heap and direct memory, sampled every 20 ms, must stay near where they started, as the stream asks
     * for no more than its read-ahead.
     */
    private static void slowReader(RingClient remote, ActorSystem<Void> nodeB, PrintStream out) throws Exception {
        final java.lang.management.MemoryMXBean heap = java.lang.management.ManagementFactory.getMemoryMXBean();
        final java.lang.management.BufferPoolMXBean direct = java.lang.management.ManagementFactory
                .getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).findFirst().orElseThrow();
        System.gc();
        final long heapBefore = heap.getHeapMemoryUsage().getUsed();
        final long directBefore = direct.getMemoryUsed();
        final long[] max = {heapBefore, directBefore};
        final java.util.concurrent.ScheduledExecutorService sampler =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        // Live heap: used right after a collection, once a second; direct memory every 20 ms.
        sampler.scheduleAtFixedRate(() -> {
            System.gc();
            max[0] = Math.max(max[0], heap.getHeapMemoryUsage().getUsed());
        }, 1000, 1000, java.util.concurrent.TimeUnit.MILLISECONDS);
        sampler.scheduleAtFixedRate(() -> max[1] = Math.max(max[1], direct.getMemoryUsed()),
                0, 20, java.util.concurrent.TimeUnit.MILLISECONDS);
        final long start = System.nanoTime();
        final long read;
        try {
            read = UringFileIO.fromPath(Path.of("data.bin")).withAttributes(RingAttribute.of(remote))
                    .throttle(64, Duration.ofSeconds(1))
                    .takeWithin(Duration.ofSeconds(SLOW_READ_SECONDS))
                    .runFold(0L, (sum, chunk) -> sum + chunk.size(), nodeB).toCompletableFuture().join();
        } finally {
            sampler.shutdownNow();
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        out.printf(Locale.ROOT, "%nA slow reader on B (64 chunks/s): %.0f MiB in %.1f s (%.1f MB/s); this JVM's live"
                        + " heap (after a GC) %.0f MiB at the start, at most %.0f MiB meanwhile; direct memory %.1f"
                        + " MiB, at most %.1f MiB%n", read / 1048576.0, seconds, read / 1e6 / seconds,
                heapBefore / 1048576.0, max[0] / 1048576.0, directBefore / 1048576.0, max[1] / 1048576.0);
    }

    /** How long the slow reader reads. */
    private static final int SLOW_READ_SECONDS = 10;

    /** The transport's limit: the file sent through a loopback socket into another file, by two plain threads. */
    private static CompletableFuture<IOResult> tcpCopy(Path source, Path target) {
        return CompletableFuture.supplyAsync(() -> {
            try (ServerSocketChannel server = ServerSocketChannel.open()
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                final CompletableFuture<Long> sent = CompletableFuture.supplyAsync(() -> {
                    try (SocketChannel socket = SocketChannel.open(server.getLocalAddress());
                         FileChannel in = FileChannel.open(source)) {
                        long at = 0;
                        final long size = in.size();
                        while (at < size) {
                            at += in.transferTo(at, size - at, socket);
                        }
                        return at;
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }, r -> new Thread(r, "tcp-sender").start());
                long received = 0;
                try (SocketChannel socket = server.accept();
                     FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                             StandardOpenOption.TRUNCATE_EXISTING)) {
                    for (long n; (n = out.transferFrom(socket, received, 1 << 20)) > 0; ) {
                        received += n;
                    }
                }
                sent.join();
                return IOResult.createSuccessful(received);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, r -> new Thread(r, "tcp-receiver").start());
    }

    static void writeRandom(Path file, long size) throws IOException {
        if (Files.exists(file) && Files.size(file) == size) {
            return;
        }
        final byte[] block = new byte[1 << 20];
        new Random(1).nextBytes(block);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long at = 0; at < size; at += block.length) {
                out.write(java.nio.ByteBuffer.wrap(block, 0, (int) Math.min(block.length, size - at)));
            }
        }
    }

    static double median(List<Double> values) {
        final double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }
}
