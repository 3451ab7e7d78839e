package io.uringactor.bench;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingActor;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingSettings;
import io.uringactor.actor.RingStats;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.util.ByteString;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * 4 KiB random reads through the ring actor ({@link RingActor} on its own ring event loop) and the
 * {@link RingClient} facade: what the actor, the asks and the thread hand-offs add to the raw ring of
 * {@link RawRingBenchmark}.
 *
 * <ul>
 *   <li>{@code askQd1}: one thread, one read at a time, {@code read(...).toCompletableFuture().join()}:
 *       the round-trip latency (sample mode: p50, p99 ...).</li>
 *   <li>{@code askQd32}: 4 client threads, each keeping 8 reads outstanding (a semaphore of 8 permits,
 *       released by the completion callback): 32 in flight, throughput in reads per second.</li>
 * </ul>
 * The actor's {@link RingStats} (SQEs per {@code io_uring_enter}, most in flight, ...) are printed at the
 * end of each trial, for the measurement iterations and for the whole trial.
 */
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ActorBenchmark {
    static final int CLIENTS = 4;
    static final int OUTSTANDING_PER_CLIENT = 8;

    /** One actor system, one ring actor and the open data file, shared by every client thread. */
    @State(Scope.Benchmark)
    public static class Ring {
        /** {@code cached}: page-cache reads of a warmed file; {@code direct}: the file opened O_DIRECT. */
        @Param({"cached", "direct"})
        public String mode;

        /** Size of the data file in MiB (created once, see {@link BenchFiles}). */
        @Param({"256"})
        public int fileSizeMiB;

        ActorSystem<Void> system;
        ActorRef<RingCommand> ring;
        RingClient client;
        FileHandle file;
        long blocks;
        /** Reads issued and not yet answered, over all client threads. */
        final AtomicInteger outstanding = new AtomicInteger();
        final AtomicLong failures = new AtomicLong();
        final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        private RingStats atMeasurementStart;

        @Setup(Level.Trial)
        public void setup() {
            final boolean direct = BenchFiles.isDirect(mode);
            final Path path = BenchFiles.prepared(fileSizeMiB, direct);
            blocks = ((long) fileSizeMiB << 20) / BenchFiles.BLOCK;
            // Initialise SLF4J/Logback before Pekko's threads log concurrently (else SLF4J replays and warns).
            LoggerFactory.getLogger(ActorBenchmark.class);
            final Config config = ConfigFactory.parseString("pekko.loglevel = WARNING\n"
                    + "pekko.log-dead-letters = off\n").withFallback(ConfigFactory.load());
            system = ActorSystem.create(Behaviors.empty(), "bench", config);
            final RingSettings settings = RingSettings.create(system);
            ring = system.systemActorOf(RingActor.create(settings), "bench-ring", RingActor.props(settings));
            client = RingClient.create(ring, system, settings.askTimeout());
            final OpenOptions options = direct ? OpenOptions.readOnly().withDirect() : OpenOptions.readOnly();
            file = client.open(path, options).toCompletableFuture().join();
        }

        @Setup(Level.Iteration)
        public void startIteration(IterationParams iteration) {
            if (iteration.getType() == IterationType.MEASUREMENT && atMeasurementStart == null) {
                atMeasurementStart = stats();
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (outstanding.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            final RingStats end = stats();
            System.out.printf("%n# %s, measurement: %s%n", mode, delta(atMeasurementStart, end));
            System.out.printf("# %s, whole trial: %s%n", mode, end);
            if (failures.get() > 0) {
                System.out.printf("# %s: %d reads FAILED, first: %s%n", mode, failures.get(), firstFailure.get());
            }
            client.close(file).toCompletableFuture().get(10, TimeUnit.SECONDS);
            AskPattern.ask(ring, RingCommand.Shutdown::new, Duration.ofSeconds(15), system.scheduler())
                    .toCompletableFuture().get(20, TimeUnit.SECONDS);
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }

        RingStats stats() {
            return client.stats().toCompletableFuture().join();
        }

        long randomOffset() {
            return ThreadLocalRandom.current().nextLong(blocks) * BenchFiles.BLOCK;
        }

        void failed(Throwable error) {
            failures.incrementAndGet();
            firstFailure.compareAndSet(null, error);
        }

        private static String delta(RingStats from, RingStats to) {
            if (from == null) {
                return "n/a";
            }
            final long submitted = to.submitted() - from.submitted();
            final long batches = to.batches() - from.batches();
            return String.format("submitted=%d, completed=%d, enterCalls=%d, sqesPerEnter=%.2f, inFlightMax=%d"
                            + " (trial), refused: overloaded=%d, invalid=%d, stopped=%d", submitted,
                    to.completed() - from.completed(), to.enterCalls() - from.enterCalls(),
                    batches == 0 ? 0.0 : (double) submitted / batches, to.inFlightMax(),
                    to.refusedOverloaded() - from.refusedOverloaded(), to.refusedInvalid() - from.refusedInvalid(),
                    to.refusedStopped() - from.refusedStopped());
        }
    }

    /** One client thread's window of outstanding reads. */
    @State(Scope.Thread)
    public static class Window {
        final Semaphore permits = new Semaphore(OUTSTANDING_PER_CLIENT);

        @TearDown(Level.Trial)
        public void drain() throws InterruptedException {
            // Wait until this thread's reads are all answered, so that the ring is idle at its teardown.
            if (permits.tryAcquire(OUTSTANDING_PER_CLIENT, 30, TimeUnit.SECONDS)) {
                permits.release(OUTSTANDING_PER_CLIENT);
            }
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Threads(1)
    public ByteString askQd1(Ring s) {
        return s.client.read(s.file, s.randomOffset(), BenchFiles.BLOCK).toCompletableFuture().join();
    }

    /** One op: wait for a free slot of this thread's window of 8, then issue a read into it. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(CLIENTS)
    public void askQd32(Ring s, Window w) throws InterruptedException {
        w.permits.acquire();
        s.outstanding.incrementAndGet();
        final CompletableFuture<ByteString> read = s.client.read(s.file, s.randomOffset(), BenchFiles.BLOCK)
                .toCompletableFuture();
        // RingClient completes its stages on the ring actor's thread: this callback runs there, no pool hop.
        read.whenComplete((bytes, error) -> {
            if (error != null || bytes.size() != BenchFiles.BLOCK) {
                s.failed(error != null ? error : new IllegalStateException("short read: " + bytes.size()));
            }
            s.outstanding.decrementAndGet();
            w.permits.release();
        });
    }
}
