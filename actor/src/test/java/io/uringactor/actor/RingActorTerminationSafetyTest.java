package io.uringactor.actor;

import static io.uringactor.actor.SafetyTestSupport.*;
import static io.uringactor.actor.TestRings.fifo;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.ring.Errno;
import io.uringactor.ring.ErrnoException;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Rings whose ActorSystem terminates: each test has an ActorSystem of its own (no shared testkit, since
 * it is terminated). Requests queued or sent while the system terminates are each answered; requests
 * after termination fail at once with RingStoppedException. Also the default ring of a system whose
 * root-directory is missing answers with the start failure as cause.
 */
class RingActorTerminationSafetyTest {
    private static final Duration REPLY = Duration.ofSeconds(10);
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration AFTER_TERMINATION = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private static Config config() {
        return ConfigFactory.parseString(String.join("\n",
                "pekko.loglevel = WARNING",
                "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off"));
    }

    /**
     * A ring spawned in the testkit's system (the testKit.spawn way), its 4 slots held by FIFO reads that
     * never complete, 3,000 reads queued behind them; then the system terminates while 3,000 more reads
     * are sent. Every future completes within 20 s of whenTerminated, with data or RingStoppedException;
     * after termination a request fails at once.
     */
    @Test
    void requestsQueuedInASpawnedRingWhenItsSystemTerminatesAreAllAnswered() throws Exception {
        final ActorTestKit kit = ActorTestKit.create("terminate-spawned", config());
        try {
            final RingSettings settings = RingSettings.create(kit.system()).withRegisterWithReceptionist(false)
                    .withMaxInFlight(4).withMaxQueued(100_000).withStopTimeout(Duration.ofSeconds(2));
            final ActorRef<RingCommand> ref = kit.spawn(RingActor.create(settings), "doomed-ring", RingActor.props(settings));
            final RingClient ring = RingClient.create(ref, kit.system(), ASK_TIMEOUT);
            exerciseTermination(kit.system(), ring, 3_000);
        } finally {
            kit.shutdownTestKit();
        }
    }

    /** The same with a ring a user actor spawned with {@link RingActor#spawn}. */
    @Test
    void requestsToARingSpawnedByAnActorAreAnsweredAcrossTermination() throws Exception {
        final CompletableFuture<ActorRef<RingCommand>> spawned = new CompletableFuture<>();
        final Behavior<Void> guardian = Behaviors.setup(ctx -> {
            final RingSettings settings = RingSettings.create(ctx.getSystem()).withRegisterWithReceptionist(false)
                    .withMaxInFlight(4).withMaxQueued(100_000).withStopTimeout(Duration.ofSeconds(2));
            spawned.complete(RingActor.spawn(ctx, "child-ring", settings));
            return Behaviors.empty();
        });
        final ActorSystem<Void> system = ActorSystem.create(guardian, "terminate-child", config());
        try {
            final RingClient ring = RingClient.create(await(spawned, REPLY, "the guardian's ring"), system, ASK_TIMEOUT);
            exerciseTermination(system, ring, 1_500);
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /**
     * The same with the system's default ring (RingExtension), which CoordinatedShutdown stops: its FIFO
     * reads hold it in its stop until stop-timeout (1 s here).
     */
    @Test
    void requestsToTheDefaultRingAreAnsweredAcrossTermination() throws Exception {
        final ActorTestKit kit = ActorTestKit.create("terminate-default", config()
                .withValue("io-uring-actor.ring.max-in-flight", ConfigValueFactory.fromAnyRef(4))
                .withValue("io-uring-actor.ring.max-queued", ConfigValueFactory.fromAnyRef(100_000))
                .withValue("io-uring-actor.ring.stop-timeout", ConfigValueFactory.fromAnyRef("1 s")));
        try {
            exerciseTermination(kit.system(), RingExtension.get(kit.system()).client(), 2_000);
        } finally {
            kit.shutdownTestKit();
        }
    }

    /** A RingClient made after its system terminated fails its requests at once too. */
    @Test
    void aClientMadeAfterTerminationFailsAtOnce() throws Exception {
        final ActorTestKit kit = ActorTestKit.create("terminate-late-client", config());
        final RingSettings settings = RingSettings.create(kit.system());
        final ActorRef<RingCommand> ref = kit.spawn(RingActor.create(settings), "late-client-ring", RingActor.props(settings));
        kit.system().terminate();
        await(kit.system().getWhenTerminated(), AFTER_TERMINATION, "termination");
        try {
            final RingClient ring = RingClient.create(ref, kit.system(), ASK_TIMEOUT);
            final Throwable e = failureOf(ring.read(new FileHandle(1), 0, 10), Duration.ofSeconds(2),
                    "a request through a client made after termination");
            assertInstanceOf(RingStoppedException.class, e, e.toString());
        } finally {
            kit.shutdownTestKit();
        }
    }

    /**
     * A RingClient on node B of a ring on node A: B's system terminates with reads in flight on A (FIFO
     * reads that never complete) and more sent meanwhile. Every future on B completes within 10 s of B's
     * whenTerminated, with RingStoppedException (or, since B's asks cannot outlive B's scheduler, a Pekko
     * ask timeout fired at termination, counted apart); requests after termination fail at once.
     */
    @Test
    void remoteRequestsAreAnsweredWhenTheClientsSystemTerminates() throws Exception {
        final ActorTestKit nodeA = ActorTestKit.create("terminate-remote", LoopbackCluster.nodeConfig());
        final ActorTestKit nodeB = ActorTestKit.create("terminate-remote", LoopbackCluster.nodeConfig());
        try {
            LoopbackCluster.form(List.of(nodeA, nodeB), AFTER_TERMINATION);
            final RingSettings settings = RingSettings.create(nodeA.system()).withRegisterWithReceptionist(false);
            final ActorRef<RingCommand> local = nodeA.spawn(RingActor.create(settings), "remote-terminate-ring",
                    RingActor.props(settings));
            final ActorRef<RingCommand> remote = org.apache.pekko.actor.typed.ActorRefResolver.get(nodeB.system())
                    .resolveActorRef(org.apache.pekko.actor.typed.ActorRefResolver.get(nodeA.system()).toSerializationFormat(local));
            final RingClient ring = RingClient.create(remote, nodeB.system(), ASK_TIMEOUT);
            final Path fifo = fifo(dir, "remote-terminate-fifo");
            final FileHandle pipe = await(ring.open(fifo, OpenOptions.readWrite()), REPLY, "open fifo from B");
            final List<CompletableFuture<ByteString>> reads = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                reads.add(ring.read(pipe, 0, 10).toCompletableFuture());
            }
            awaitCondition(REPLY, () -> "200 reads in flight on A", () ->
                    await(RingClient.create(local, nodeA.system()).stats(), REPLY, "stats").inFlight() == 200);
            nodeB.system().terminate();
            for (int i = 0; i < 200; i++) {
                reads.add(ring.read(pipe, 0, 10).toCompletableFuture());
            }
            await(nodeB.system().getWhenTerminated(), AFTER_TERMINATION, "B's termination");
            final Duration within = Duration.ofSeconds(10); // (not 20 s: keeps the class short when this fails)
            final Outcomes outcomes = classify(reads, within, bytes -> false);
            assertEquals(0, outcomes.unanswered, "every remote request completes within " + within
                    + " of B's whenTerminated: " + outcomes);
            assertEquals(reads.size(), outcomes.count("RingStoppedException") + outcomes.count("ask-timeout"),
                    "RingStoppedException (or the ask's own timeout fired at termination) only: " + outcomes);
            final Throwable after = failureOf(ring.read(pipe, 0, 10), Duration.ofSeconds(2), "a remote read after B terminated");
            assertInstanceOf(RingStoppedException.class, after, after.toString());
        } finally {
            nodeB.shutdownTestKit();
            nodeA.shutdownTestKit();
        }
    }

    private void exerciseTermination(ActorSystem<?> system, RingClient ring, int half) throws Exception {
        final Path fifo = fifo(dir, "terminate-fifo");
        final Path path = Files.write(dir.resolve("terminate.bin"), new byte[64 * 1024]);
        final FileHandle pipe = await(ring.open(fifo, OpenOptions.readWrite()), REPLY, "open fifo");
        final FileHandle file = await(ring.open(path, OpenOptions.readOnly()), REPLY, "open file");
        final List<CompletableFuture<ByteString>> stuck = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            stuck.add(ring.read(pipe, 0, 10).toCompletableFuture());
        }
        awaitCondition(REPLY, () -> "4 FIFO reads in flight: " + ring.stats(), () ->
                await(ring.stats(), REPLY, "stats").inFlight() == 4);
        final List<CompletableFuture<ByteString>> reads = new ArrayList<>();
        for (int i = 0; i < half; i++) {
            reads.add(ring.read(file, (i % 16) * 4096L, 4096).toCompletableFuture());
        }
        final RingStats queued = await(ring.stats(), REPLY, "stats");
        assertEquals(half, queued.queued(), "the reads wait behind the stuck ones: " + queued);

        system.terminate();
        for (int i = 0; i < half; i++) {
            reads.add(ring.read(file, (i % 16) * 4096L, 4096).toCompletableFuture());
        }
        await(system.getWhenTerminated(), AFTER_TERMINATION, "termination");

        reads.addAll(stuck);
        final Outcomes outcomes = classify(reads, AFTER_TERMINATION, bytes -> bytes.size() == 4096);
        assertEquals(0, outcomes.unanswered, "every request queued or sent while the system terminated completes"
                + " within " + AFTER_TERMINATION + " of whenTerminated: " + outcomes);
        assertEquals(reads.size(), outcomes.count("ok") + outcomes.count("RingStoppedException"),
                "data or RingStoppedException only: " + outcomes);

        // After termination: failed at once, not left pending.
        final List<CompletionStage<?>> late = List.of(ring.read(file, 0, 10), ring.open(path, OpenOptions.readOnly()),
                ring.close(file), ring.stat(file), ring.stats());
        for (CompletionStage<?> request : late) {
            final Throwable e = failureOf(request, Duration.ofSeconds(2), "a request after termination");
            assertInstanceOf(RingStoppedException.class, e, "after termination: " + e);
        }
    }

    /**
     * The system's default ring (RingExtension) with a root-directory that does not exist: its requests
     * fail with RingStoppedException caused by the ErrnoException ENOENT naming the directory.
     */
    @Test
    void theDefaultRingThatFailsToStartAnswersWithItsCause() {
        final Path missing = dir.resolve("missing-root");
        final ActorTestKit kit = ActorTestKit.create("root-missing", config()
                .withValue("io-uring-actor.ring.root-directory", ConfigValueFactory.fromAnyRef(missing.toString())));
        try {
            final RingClient ring = RingExtension.get(kit.system()).client();
            for (CompletionStage<?> request : List.of(ring.open(Path.of("x"), OpenOptions.readOnly()),
                    ring.read(new FileHandle(1), 0, 1))) {
                final Throwable e = failureOf(request, REPLY, "a request to a default ring that failed to start");
                final RingStoppedException stopped = assertInstanceOf(RingStoppedException.class, e, e.toString());
                final ErrnoException cause = assertInstanceOf(ErrnoException.class, stopped.getCause(),
                        "the start failure is the cause of " + stopped);
                assertEquals(Errno.ENOENT, cause.errno(), cause.toString());
                assertTrue(cause.getMessage().contains(missing.toString()), cause.getMessage());
            }
        } finally {
            kit.shutdownTestKit();
        }
    }
}
