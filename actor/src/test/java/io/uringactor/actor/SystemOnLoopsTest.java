package io.uringactor.actor;

import static io.uringactor.actor.TestRings.oracleRead;
import static io.uringactor.actor.TestRings.randomFile;
import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * A whole ActorSystem on the ring event loops ({@link RingExtension#SYSTEM_ON_LOOPS}, one include line):
 * actors spawned the plain way, their children, timers, system actors and Pekko's own (the receptionist)
 * run and talk; plain actors read through the default rings; termination with reads in flight answers
 * every read; and three cluster nodes on the loops form a cluster over Artery and message each other.
 */
class SystemOnLoopsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    /** The include as a user writes it in application.conf, over {@code config}. */
    private static Config onLoops(Config config) {
        return ConfigFactory.parseString("include classpath(\"" + RingExtension.SYSTEM_ON_LOOPS + "\")")
                .withFallback(config).withFallback(ConfigFactory.load()).resolve();
    }

    /** Whether a message was handled on a ring event loop. */
    private record Seen(boolean onLoop) {
        static Seen here() {
            return new Seen(RingActor.onRingLoopThread());
        }
    }

    private static Behavior<ActorRef<Seen>> reportsWhereItRuns() {
        return Behaviors.receiveMessage(replyTo -> {
            replyTo.tell(Seen.here());
            return Behaviors.same();
        });
    }

    @SuppressWarnings("unchecked")
    private static final ServiceKey<ActorRef<Seen>> REPORTER = ServiceKey.create(
            (Class<ActorRef<Seen>>) (Class<?>) ActorRef.class, "reporter");

    @Test
    void plainActorsTheirChildrenTimersSystemActorsAndPekkosOwnRunOnTheLoops() {
        final ActorTestKit kit = ActorTestKit.create("on-loops", onLoops(ConfigFactory.empty()));
        try {
            assertEquals(Runtime.getRuntime().availableProcessors(), RingExtension.get(kit.system()).group().rings().size(),
                    "one ring per loop, a loop per processor");
            final TestProbe<Seen> probe = kit.createTestProbe();
            kit.spawn(reportsWhereItRuns()).tell(probe.ref());
            assertTrue(probe.receiveMessage(TIMEOUT).onLoop(), "a plainly spawned actor");
            kit.system().systemActorOf(reportsWhereItRuns(), "system-actor", Props.empty()).tell(probe.ref());
            assertTrue(probe.receiveMessage(TIMEOUT).onLoop(), "a system actor");
            kit.spawn(Behaviors.<ActorRef<Seen>>setup(context -> {
                final ActorRef<ActorRef<Seen>> child = context.spawn(reportsWhereItRuns(), "child");
                return Behaviors.receiveMessage(replyTo -> {
                    child.tell(replyTo);
                    return Behaviors.same();
                });
            })).tell(probe.ref());
            assertTrue(probe.receiveMessage(TIMEOUT).onLoop(), "a child");
            kit.spawn(Behaviors.<ActorRef<Seen>>withTimers(timers -> Behaviors.receiveMessage(replyTo -> {
                timers.startSingleTimer("once", replyTo, Duration.ofMillis(50));
                return reportsWhereItRuns();
            }))).tell(probe.ref());
            assertTrue(probe.receiveMessage(TIMEOUT).onLoop(), "a timer's message");
            // Pekko's own actors (the receptionist runs on Pekko's internal dispatcher) serve actors on the loops.
            final ActorRef<ActorRef<Seen>> reporter = kit.spawn(reportsWhereItRuns(), "reporter");
            final TestProbe<Receptionist.Registered> registered = kit.createTestProbe();
            kit.system().receptionist().tell(Receptionist.register(REPORTER, reporter, registered.ref()));
            registered.receiveMessage(TIMEOUT);
            final TestProbe<Receptionist.Listing> listing = kit.createTestProbe();
            kit.system().receptionist().tell(Receptionist.find(REPORTER, listing.ref()));
            assertEquals(Set.of(reporter), listing.receiveMessage(TIMEOUT).getServiceInstances(REPORTER));
        } finally {
            kit.shutdownTestKit();
        }
    }

    /** The pong of a ping-pong pair: sends each number back. */
    private static Behavior<Integer> pong(ActorRef<Integer> ping) {
        return Behaviors.receiveMessage(n -> {
            ping.tell(n);
            return Behaviors.same();
        });
    }

    @Test
    void plainActorsPingPongAndReadThroughTheDefaultRings() throws Exception {
        final ActorTestKit kit = ActorTestKit.create("on-loops-io", onLoops(ConfigFactory.empty()));
        try {
            final TestProbe<Integer> done = kit.createTestProbe();
            final ActorRef<Integer> ping = kit.spawn(Behaviors.<Integer>setup(context -> {
                final ActorRef<Integer> pong = context.spawn(pong(context.getSelf()), "pong");
                return Behaviors.receiveMessage(n -> {
                    if (n == 10_000) {
                        done.ref().tell(n);
                    } else {
                        pong.tell(n + 1);
                    }
                    return Behaviors.same();
                });
            }));
            ping.tell(0);
            assertEquals(10_000, done.receiveMessage(TIMEOUT));

            final Path file = randomFile(dir, "data.bin", 1 << 20, 7);
            final RingClient ring = RingExtension.get(kit.system()).client();
            final FileHandle handle = TestRings.await(ring.open(file, OpenOptions.readOnly()));
            final TestProbe<Object> replies = kit.createTestProbe();
            // Four plainly spawned readers, each 64 reads of 4 KiB through pipeToSelf, on whichever loop they got.
            for (int reader = 0; reader < 4; reader++) {
                final long base = reader * 262_144L;
                kit.spawn(Behaviors.<Object>setup(context -> {
                    for (int i = 0; i < 64; i++) {
                        final long offset = base + i * 4096L;
                        context.pipeToSelf(ring.read(handle, offset, 4096), (bytes, error) ->
                                error != null ? error : new Object[] {offset, bytes, RingActor.onRingLoopThread()});
                    }
                    return Behaviors.receiveMessage(reply -> {
                        replies.ref().tell(reply);
                        return Behaviors.same();
                    });
                }));
            }
            for (int i = 0; i < 4 * 64; i++) {
                final Object reply = replies.receiveMessage(TIMEOUT);
                assertInstanceOf(Object[].class, reply, String.valueOf(reply));
                final Object[] read = (Object[]) reply;
                assertArrayEquals(oracleRead(file, (long) read[0], 4096), ((ByteString) read[1]).toArray());
                assertEquals(Boolean.TRUE, read[2], "the reply was handled on the reader's loop");
            }
            TestRings.await(ring.close(handle));
        } finally {
            kit.shutdownTestKit();
        }
    }

    /**
     * The system terminates while plain actors keep 32 reads each in flight (each answer issues the next
     * read): every read issued is answered, with its bytes or {@link RingStoppedException}, and the system ends.
     */
    @Test
    void terminationWithReadsInFlightAnswersEveryRead() throws Exception {
        final ActorTestKit kit = ActorTestKit.create("on-loops-end", onLoops(ConfigFactory.empty()));
        final Path file = randomFile(dir, "end.bin", 1 << 20, 8);
        final RingClient ring = RingExtension.get(kit.system()).client();
        final FileHandle handle = TestRings.await(ring.open(file, OpenOptions.readOnly()));
        final ConcurrentLinkedQueue<CompletableFuture<ByteString>> reads = new ConcurrentLinkedQueue<>();
        for (int reader = 0; reader < 4; reader++) {
            kit.spawn(Behaviors.<Integer>setup(context -> {
                for (int i = 0; i < 32; i++) {
                    context.getSelf().tell(i);
                }
                return Behaviors.receiveMessage(i -> {
                    final CompletableFuture<ByteString> read = ring.read(handle, (i % 256) * 4096L, 4096)
                            .toCompletableFuture();
                    reads.add(read);
                    context.pipeToSelf(read, (bytes, error) -> i + 1); // answered either way: read on
                    return Behaviors.same();
                });
            }));
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (reads.size() < 2_000 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(reads.size() >= 2_000, "the readers issued " + reads.size() + " reads in 30 s");
        kit.system().terminate();
        kit.system().getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        int answered = 0;
        int stopped = 0;
        for (CompletableFuture<ByteString> read : new ArrayList<>(reads)) {
            try {
                assertEquals(4096, read.get(10, TimeUnit.SECONDS).size());
                answered++;
            } catch (java.util.concurrent.ExecutionException e) {
                assertInstanceOf(RingStoppedException.class, e.getCause());
                stopped++;
            }
        }
        // Every read was answered (each get above would time out otherwise); most before the stop.
        assertTrue(answered >= 1_000, "reads were served before termination: " + answered + " / " + stopped);
    }

    /** Answers where it handled the message, as a String: the one message type here that crosses the wire. */
    private static Behavior<ActorRef<String>> answersWhereItRuns() {
        return Behaviors.receiveMessage(replyTo -> {
            replyTo.tell(RingActor.onRingLoopThread() ? "on a loop" : "elsewhere");
            return Behaviors.same();
        });
    }

    @SuppressWarnings("unchecked")
    private static final ServiceKey<ActorRef<String>> ANSWERER = ServiceKey.create(
            (Class<ActorRef<String>>) (Class<?>) ActorRef.class, "answerer");

    /** Three cluster nodes on the loops: membership over Artery, and actors on different nodes message each other. */
    @Test
    void threeClusterNodesOnTheLoopsFormAClusterAndTalk() {
        final List<ActorTestKit> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                nodes.add(ActorTestKit.create("loops-cluster", onLoops(LoopbackCluster.nodeConfig())));
            }
            LoopbackCluster.form(nodes, TIMEOUT);
            final ActorRef<ActorRef<String>> answerer = nodes.get(0).spawn(answersWhereItRuns(), "answerer");
            final TestProbe<Receptionist.Registered> registered = nodes.get(0).createTestProbe();
            nodes.get(0).system().receptionist().tell(Receptionist.register(ANSWERER, answerer, registered.ref()));
            registered.receiveMessage(TIMEOUT);
            final ActorTestKit far = nodes.get(2);
            final TestProbe<Receptionist.Listing> listing = far.createTestProbe();
            far.system().receptionist().tell(Receptionist.subscribe(ANSWERER, listing.ref()));
            Set<ActorRef<ActorRef<String>>> found = Set.of();
            final long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (found.isEmpty() && System.nanoTime() < deadline) {
                found = listing.receiveMessage(TIMEOUT).getServiceInstances(ANSWERER);
            }
            assertEquals(1, found.size(), "node 3 finds node 1's actor");
            final TestProbe<String> answer = far.createTestProbe();
            found.iterator().next().tell(answer.ref());
            assertEquals("on a loop", answer.receiveMessage(TIMEOUT), "node 1 handled node 3's message");
        } finally {
            nodes.forEach(ActorTestKit::shutdownTestKit);
        }
    }
}
