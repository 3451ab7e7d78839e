package io.uringactor.bench.remote;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.internal.RemoteCalls;

import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.util.ByteString;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * {@code remote-io [--runs N] [--window-ms W] [--dir D]}: 4 KiB reads of another node's disk through a remote
 * {@link RingClient}, at queue depth 1 (one thread) and 32 (4 threads with 8 each), beside the transport's floor
 * for one message per request (a classic echo actor on the disk's node answering a 16-byte {@link ByteString}
 * with a 4 KiB one, asked the same way) and local reads on the disk's node. Two ActorSystems in this JVM over
 * Artery on loopback; every way in turn per run, median ops/s of the runs.
 */
public final class RemoteSmallIo {
    private static final int BLOCK = 4096;
    private static final long FILE_SIZE = 64L << 20;
    private static final java.time.Duration TIMEOUT = java.time.Duration.ofSeconds(30);

    private RemoteSmallIo() {
    }

    /** The echo floor's actor: a 4 KiB reply to anything, to the sender in the envelope. */
    static final class Echo extends AbstractActor {
        private static final ByteString PAGE = ByteString.fromArray(new byte[BLOCK]);

        @Override
        public Receive createReceive() {
            return receiveBuilder().matchAny(m -> getSender().tell(PAGE, getSelf())).build();
        }
    }

    public static int run(String[] args, PrintStream out) throws Exception {
        final Map<String, String> options = TwoNodes.options(args, Set.of("--runs", "--window-ms", "--dir"));
        if (options == null) {
            out.println("usage: remote-io [--runs N] [--window-ms W] [--dir D]");
            return 2;
        }
        final int runs = Integer.parseInt(options.getOrDefault("--runs", "3"));
        final long windowMs = Long.parseLong(options.getOrDefault("--window-ms", "2000"));
        final Path root = Files.createDirectories(Path.of(options.getOrDefault("--dir", "target/io-uring-remote"))
                .resolve("node-a"));
        final Path data = root.resolve("small-io.bin");
        if (!Files.exists(data) || Files.size(data) != FILE_SIZE) {
            RemoteStreams.writeRandom(data, FILE_SIZE);
        }
        try (TwoNodes nodes = TwoNodes.start(root, TIMEOUT)) {
            final ActorSystem<Void> nodeA = nodes.nodeA;
            final ActorSystem<Void> nodeB = nodes.nodeB;
            final RingClient local = RingClient.create(nodes.ring, nodeA);
            final RingClient remote = nodes.remote;
            // The ring is confined to node A's directory: both open the file by its path there.
            final Path inRoot = Path.of(data.getFileName().toString());
            final FileHandle localFile = local.open(inRoot, OpenOptions.readOnly()).toCompletableFuture().join();
            final FileHandle remoteFile = remote.open(inRoot, OpenOptions.readOnly()).toCompletableFuture().join();
            ((org.apache.pekko.actor.ExtendedActorSystem) Adapter.toClassic(nodeA)).systemActorOf(Props.create(Echo.class), "echo");
            // Resolved once, as the ring's ref is: a selection per message would cost the floor a lookup each.
            final org.apache.pekko.actor.ActorRef echo = Adapter.toClassic(nodeB).actorSelection(
                    Adapter.toClassic(nodeA).provider().getDefaultAddress() + "/system/echo")
                    .resolveOne(TIMEOUT).toCompletableFuture().join();
            final ByteString request = ByteString.fromArray(new byte[16]);
            final long blocks = FILE_SIZE / BLOCK;

            final Map<String, LongFunction<CompletionStage<?>>> ways = new LinkedHashMap<>();
            ways.put("echo floor (Artery, one message each way)", n -> askDirect(echo, request));
            ways.put("remote RingClient read", n -> remote.read(remoteFile, (n % blocks) * BLOCK, BLOCK));
            ways.put("local RingClient read (disk's node)", n -> local.read(localFile, (n % blocks) * BLOCK, BLOCK));

            final Map<String, List<Double>> qd1 = new LinkedHashMap<>();
            final Map<String, List<Double>> qd32 = new LinkedHashMap<>();
            for (Map.Entry<String, LongFunction<CompletionStage<?>>> way : ways.entrySet()) {
                measure(way.getValue(), 1, 1, 300); // warm-up
                measure(way.getValue(), 4, 8, 300);
            }
            for (int run = 0; run < runs; run++) {
                for (Map.Entry<String, LongFunction<CompletionStage<?>>> way : ways.entrySet()) {
                    qd1.computeIfAbsent(way.getKey(), k -> new ArrayList<>()).add(measure(way.getValue(), 1, 1, windowMs));
                    qd32.computeIfAbsent(way.getKey(), k -> new ArrayList<>()).add(measure(way.getValue(), 4, 8, windowMs));
                }
            }
            out.printf("%n4 KiB, median of %d runs of %d ms each, in turn; two ActorSystems in one JVM, Artery TCP on"
                    + " loopback; QD32 = 4 threads x 8 in flight%n%n", runs, windowMs);
            out.println("| way | QD1 ops/s | QD32 ops/s | QD1 runs | QD32 runs |");
            out.println("|---|--:|--:|---|---|");
            for (String way : ways.keySet()) {
                out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %s | %s |%n", way, RemoteStreams.median(qd1.get(way)),
                        RemoteStreams.median(qd32.get(way)), rounded(qd1.get(way)), rounded(qd32.get(way)));
            }
            final String floor = "echo floor (Artery, one message each way)";
            final String remoteWay = "remote RingClient read";
            final String localWay = "local RingClient read (disk's node)";
            out.printf(Locale.ROOT, "%nremote ÷ echo floor: QD1 %.2fx, QD32 %.2fx; remote ÷ local: QD1 %.2fx, QD32 %.2fx%n",
                    ratio(qd1, remoteWay, floor), ratio(qd32, remoteWay, floor), ratio(qd1, remoteWay, localWay),
                    ratio(qd32, remoteWay, localWay));
            final RemoteCalls calls = RemoteCalls.get(nodeB);
            out.printf(Locale.ROOT, "node B sent %d of its remote requests in %d batches (%.1f a batch), the rest alone%n",
                    calls.batchedRequests(), calls.batchesSent(),
                    calls.batchedRequests() / (double) Math.max(1, calls.batchesSent()));
            return 0;
        }
    }

    /**
     * Ops per second of {@code op} from {@code threads} threads, each keeping {@code depth} in flight for
     * {@code windowMs}; a failed op fails the run.
     */
    private static double measure(LongFunction<CompletionStage<?>> op, int threads, int depth, long windowMs)
            throws InterruptedException {
        final AtomicLong done = new AtomicLong();
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(windowMs);
        final List<Thread> workers = new ArrayList<>();
        final List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        final long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            final Thread worker = new Thread(() -> {
                final java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(depth);
                try {
                    while (System.nanoTime() < deadline && failures.isEmpty()) {
                        slots.acquire();
                        op.apply(ThreadLocalRandom.current().nextLong(1L << 40)).whenComplete((v, e) -> {
                            if (e != null) {
                                failures.add(e);
                            } else {
                                done.incrementAndGet();
                            }
                            slots.release();
                        });
                    }
                    slots.acquire(depth); // the last ones in flight
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("an op failed", failures.get(0));
        }
        return done.get() / ((System.nanoTime() - start) / 1e9);
    }

    /** Runs the ask's callbacks on the thread that completes it, as RingClient does (no common-pool thread). */
    private static final scala.concurrent.ExecutionContext CALLING_THREAD =
            scala.concurrent.ExecutionContext$.MODULE$.fromExecutor(Runnable::run);

    /** A classic ask, its reply completed where it arrives (on 2 CPUs the common pool starts a thread per callback). */
    private static CompletionStage<Object> askDirect(org.apache.pekko.actor.ActorRef to, Object message) {
        final java.util.concurrent.CompletableFuture<Object> reply = new java.util.concurrent.CompletableFuture<>();
        Patterns.ask(to, message, TIMEOUT.toMillis()).onComplete(outcome -> {
            if (outcome.isSuccess()) {
                reply.complete(outcome.get());
            } else {
                reply.completeExceptionally(outcome.failed().get());
            }
            return null;
        }, CALLING_THREAD);
        return reply;
    }

    private static double ratio(Map<String, List<Double>> m, String a, String b) {
        return RemoteStreams.median(m.get(a)) / RemoteStreams.median(m.get(b));
    }

    private static List<String> rounded(List<Double> values) {
        return values.stream().map(v -> String.format(Locale.ROOT, "%.0f", v)).toList();
    }
}
