package io.uringactor.actor;

import static org.junit.jupiter.api.Assertions.*;

import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Eight clients (four threads through {@link RingClient}, four actors asking with
 * {@code ActorContext.askWithStatus}) share one ring actor for 100,000 random reads, writes, trims and
 * fsyncs on three files; the files must end byte-identical to the model.
 */
class RingActorConcurrencyTest {
    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final int CLIENTS = 8;
    private static final int OPS = 100_000;
    private static final int WINDOW = 8;
    private static final int FILE_SIZE = 1 << 20;

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    @Test
    void randomOpsFromThreadsAndActorsMatchTheModel() throws Exception {
        final long seed = Long.getLong("seed", System.nanoTime());
        final String context = "seed=" + seed + " (rerun with -Dseed=" + seed + ")";
        final RingSettings settings = RingSettings.create(testKit.system()).withMaxInFlight(64);
        final TestRings.Spawned spawned = TestRings.spawn(testKit, "concurrency-ring", settings, Duration.ofSeconds(30));
        final ActorRef<RingCommand> ringActor = spawned.ref();
        final RingClient ring = spawned.client();

        final Random random = new Random(seed);
        final FileHandle[] files = new FileHandle[3];
        final byte[][] models = new byte[files.length][FILE_SIZE];
        for (int f = 0; f < files.length; f++) {
            random.nextBytes(models[f]);
            final Path path = Files.write(dir.resolve("file-" + f), models[f]);
            files[f] = ring.open(path, OpenOptions.readWrite()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }

        final Queue<String> errors = new ConcurrentLinkedQueue<>();
        final List<ClientWorkload> workloads = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            workloads.add(new ClientWorkload(c, CLIENTS, seed, files, models, OPS / CLIENTS, errors));
        }
        final TestProbe<Done> actorsDone = testKit.createTestProbe();
        final List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            final ClientWorkload workload = workloads.get(c);
            if (c % 2 == 0) {
                threads.add(new Thread(() -> runThreadClient(ring, workload, errors), "client-" + c));
            } else {
                testKit.spawn(actorClient(ringActor, workload, actorsDone.getRef()), "client-" + c);
            }
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(120));
            assertFalse(t.isAlive(), "thread client hangs; " + context);
        }
        for (int i = 0; i < CLIENTS / 2; i++) {
            actorsDone.expectMessage(Duration.ofSeconds(120), Done.getInstance());
        }
        assertTrue(errors.isEmpty(), errors.size() + " errors, first: " + errors.peek() + "; " + context);

        final RingStats stats = ring.stats().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertTrue(stats.completed() >= OPS, stats + "; " + context);
        assertEquals(0, stats.inFlight());
        assertTrue(stats.sqesPerEnter() > 1.0, "concurrent clients must share io_uring_enter calls: " + stats);
        for (int f = 0; f < files.length; f++) {
            ring.close(files[f]).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertArrayEquals(models[f], Files.readAllBytes(dir.resolve("file-" + f)), "file-" + f + "; " + context);
        }
        System.out.println("concurrency test " + context + ": " + stats);
    }

    private static void runThreadClient(RingClient ring, ClientWorkload workload, Queue<String> errors) {
        final Semaphore window = new Semaphore(WINDOW);
        try {
            ClientWorkload.PlannedOp op;
            while (true) {
                window.acquire();
                op = workload.next();
                if (op == null) {
                    break;
                }
                final ClientWorkload.PlannedOp planned = op;
                issue(ring, workload, planned).whenComplete((result, error) -> {
                    workload.completed(planned, result, error);
                    window.release();
                });
            }
            window.acquire(WINDOW - 1); // every outstanding op has completed
        } catch (InterruptedException e) {
            errors.add("interrupted");
        }
    }

    private static CompletionStage<?> issue(RingClient ring, ClientWorkload workload, ClientWorkload.PlannedOp op) {
        final FileHandle file = workload.file(op);
        switch (op.kind()) {
            case READ:
                return ring.read(file, op.offset(), op.length());
            case WRITE:
                return ring.write(file, op.offset(), ByteString.fromArray(op.data()));
            case TRIM:
                return ring.trim(file, op.offset(), op.length());
            default:
                return ring.fsync(file);
        }
    }

    private record Completed(ClientWorkload.PlannedOp op, Object result, Throwable error) {
    }

    private static Behavior<Object> actorClient(ActorRef<RingCommand> ring, ClientWorkload workload, ActorRef<Done> done) {
        return Behaviors.setup(context -> {
            final Duration timeout = Duration.ofSeconds(30);
            final Runnable issueNext = () -> {
                final ClientWorkload.PlannedOp op = workload.next();
                if (op == null) {
                    return;
                }
                final FileHandle file = workload.file(op);
                switch (op.kind()) {
                    case READ:
                        context.askWithStatus(ByteString.class, ring, timeout,
                                (ActorRef<StatusReply<ByteString>> r) -> new RingCommand.Read(file, op.offset(), op.length(), r),
                                (res, err) -> new Completed(op, res, err));
                        break;
                    case WRITE:
                        context.askWithStatus(Integer.class, ring, timeout,
                                (ActorRef<StatusReply<Integer>> r) -> new RingCommand.Write(file, op.offset(),
                                        ByteString.fromArray(op.data()), r),
                                (res, err) -> new Completed(op, res, err));
                        break;
                    case TRIM:
                        context.askWithStatus(Done.class, ring, timeout,
                                (ActorRef<StatusReply<Done>> r) -> new RingCommand.Trim(file, op.offset(), op.length(), r),
                                (res, err) -> new Completed(op, res, err));
                        break;
                    default:
                        context.askWithStatus(Done.class, ring, timeout,
                                (ActorRef<StatusReply<Done>> r) -> new RingCommand.Fsync(file, false, r),
                                (res, err) -> new Completed(op, res, err));
                }
            };
            for (int i = 0; i < WINDOW; i++) {
                issueNext.run();
            }
            return Behaviors.receive(Object.class)
                    .onMessage(Completed.class, c -> {
                        workload.completed(c.op(), c.result(), c.error());
                        issueNext.run();
                        if (workload.finished()) {
                            done.tell(Done.getInstance());
                            return Behaviors.stopped();
                        }
                        return Behaviors.same();
                    })
                    .build();
        });
    }
}
