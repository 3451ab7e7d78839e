package io.uringactor.actor;

import static org.junit.jupiter.api.Assertions.*;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How a ring group's dispatcher schedules actors on its loops: an actor runs on the loop that woke it (so a
 * ping and its pong gather on one thread, and an actor's file IO goes to the ring of the loop it runs on), a
 * loop held by one long task has its waiting actors taken by another loop, and however actors move, each
 * handles its messages one at a time, in the order each sender sent them.
 */
class LoopSchedulingTest {
    private static final Duration REPLY = Duration.ofSeconds(10);
    private static final ActorTestKit testKit = ActorTestKit.create("LoopSchedulingTest");
    private static final ActorSystem<?> system = testKit.system();

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static RingGroup group(String name, int loops) {
        return RingGroup.spawn(system, name, RingSettings.create(system).withRegisterWithReceptionist(false), loops);
    }

    private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(REPLY.toSeconds(), TimeUnit.SECONDS);
    }

    record Ball(int round, String pingThread, ActorRef<Ball> replyTo) {
    }

    @Test
    void aPingAndItsPongGatherOnTheLoopThatWakesThem() throws Exception {
        final RingGroup group = group("pingpong", 2);
        final int warmUp = 200;
        final int rounds = 2000;
        final TestProbe<int[]> result = testKit.createTestProbe();
        final ActorRef<Ball> pong = system.systemActorOf(Behaviors.receiveMessage(ball -> {
            ball.replyTo().tell(new Ball(ball.round(), ball.pingThread() + "|" + Thread.currentThread().getName(),
                    null));
            return Behaviors.same();
        }), "pong", group.dispatcher());
        final int[] crossed = new int[1];
        final ActorRef<Ball> ping = system.systemActorOf(Behaviors.<Ball>setup(context -> {
            final ActorRef<Ball> self = context.getSelf();
            return Behaviors.receiveMessage(ball -> {
                if (ball.pingThread() != null) { // a pong's answer: "ping's thread|pong's thread"
                    final String[] threads = ball.pingThread().split("\\|");
                    if (ball.round() > warmUp && !threads[0].equals(threads[1])) {
                        crossed[0]++;
                    }
                }
                if (ball.round() == warmUp + rounds) {
                    result.getRef().tell(crossed);
                    return Behaviors.same();
                }
                pong.tell(new Ball(ball.round() + 1, Thread.currentThread().getName(), self));
                return Behaviors.same();
            });
        }), "ping", group.dispatcher());
        ping.tell(new Ball(0, null, null));
        // Started from this thread, they may begin on two loops; from the first reply on, each wakes the other
        // from its own loop, so they run on one. A loop the OS holds off its CPU for longer than STUCK_NANOS may
        // rightly have the waiting one taken by the other loop, for a round or two on a busy machine; without
        // affinity, about every other round trip would cross.
        final int apart = result.receiveMessage(REPLY)[0];
        assertTrue(apart <= rounds / 50, apart + " of " + rounds + " round trips had ping and pong on different loops");
        await(group.stop());
    }

    @Test
    void actorsWaitingBehindALongTaskAreTakenByAnotherLoop() throws Exception {
        // On the user-space fallback engine the lone last worker was once (in one CI run of many, on an idle
        // machine) not taken within 5 s: the idle loop's bounded sleep seems not always to end there. Not
        // understood yet; until it is, this runs on io_uring only (the default, features-absent and group runs).
        org.junit.jupiter.api.Assumptions.assumeFalse("fallback".equals(System.getProperty("io-uring-actor.engine")),
                "the fallback engine's bounded sleep is under investigation");
        final RingGroup group = group("held", 2);
        final int workers = 6;
        final CountDownLatch allRan = new CountDownLatch(workers);
        final TestProbe<String> probe = testKit.createTestProbe();
        final List<ActorRef<String>> ws = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            ws.add(system.systemActorOf(Behaviors.receiveMessage(msg -> {
                allRan.countDown();
                probe.getRef().tell(Thread.currentThread().getName());
                return Behaviors.same();
            }), "worker-" + i, group.dispatcher()));
        }
        // The holder wakes every worker from its loop, where they would wait for it, then holds that loop until all
        // have run (at most 5 s): they can only run meanwhile if the other loop takes them. The last one waits
        // alone behind the holder, with no backlog: it is taken because the holder's loop runs nothing meanwhile.
        final ActorRef<String> holder = system.systemActorOf(Behaviors.receiveMessage(msg -> {
            ws.forEach(w -> w.tell("work"));
            final boolean all = allRan.await(5, TimeUnit.SECONDS);
            probe.getRef().tell("holder on " + Thread.currentThread().getName() + ", all ran meanwhile: " + all);
            return Behaviors.same();
        }), "holder", group.dispatcher());
        holder.tell("hold");
        final List<String> seen = probe.receiveSeveralMessages(workers + 1, REPLY);
        final String holderReport = seen.stream().filter(s -> s.startsWith("holder")).findFirst().orElseThrow();
        assertTrue(holderReport.endsWith("all ran meanwhile: true"), seen.toString());
        final String holderThread = holderReport.substring("holder on ".length(), holderReport.indexOf(','));
        for (String s : seen) {
            if (!s.startsWith("holder")) {
                assertNotEquals(holderThread, s, "a worker ran on the held loop: " + seen);
            }
        }
        await(group.stop());
    }

    @Test
    void anActorsReadGoesToTheRingOfTheLoopItRunsOn() throws Exception {
        final RingGroup group = group("colocated", 2);
        final byte[] bytes = new byte[8192];
        new Random(4).nextBytes(bytes);
        final Path path = Files.write(dir.resolve("colocated.bin"), bytes);
        final RingClient client = group.client();
        final FileHandle file = await(client.open(path, OpenOptions.readOnly()));
        final TestProbe<List<String>> probe = testKit.createTestProbe();
        final ActorRef<Integer> reader = system.systemActorOf(Behaviors.receiveMessage(offset -> {
            final String askedOn = Thread.currentThread().getName();
            final String ringHere = client.ring().path().name(); // the ring a command told directly goes to
            client.read(file, offset, 4096).whenComplete((data, e) -> probe.getRef().tell(List.of(askedOn,
                    Thread.currentThread().getName(), e == null
                            ? String.valueOf(data.equals(ByteString.fromArray(bytes, offset, 4096))) : e.toString(),
                    ringHere)));
            return Behaviors.same();
        }), "reader", group.dispatcher());
        for (int i = 0; i < 20; i++) {
            reader.tell(i % 2 * 4096);
            final List<String> seen = probe.receiveMessage(REPLY);
            assertEquals("true", seen.get(2), "read " + i + " against the file: " + seen);
            assertEquals(seen.get(0), seen.get(1), "asked and answered on the same loop: " + seen);
            // ring "colocated-N" runs on the thread of loop N ("...colocated-loop-N-...")
            final String loop = seen.get(3).substring("colocated-".length());
            assertTrue(seen.get(0).contains("colocated-loop-" + loop + "-"), "client.ring() on a loop is its ring: " + seen);
        }
        assertEquals(group.ring(0), client.ring(), "off the loops, client.ring() is the group's first ring");
        await(group.stop());
    }

    /** A numbered message from one of several senders. */
    record Numbered(int sender, int n) {
    }

    @Test
    void actorsThatMoveBetweenLoopsHandleOneMessageAtATimeInOrder() throws Exception {
        final RingGroup group = group("order", 2);
        final int senders = 4;
        final int receivers = 8;
        final int perPair = 3000;
        final AtomicInteger violations = new AtomicInteger();
        final CountDownLatch received = new CountDownLatch(receivers);
        final Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final List<ActorRef<Numbered>> rs = new ArrayList<>();
        for (int r = 0; r < receivers; r++) {
            rs.add(system.systemActorOf(receiver(senders, perPair, violations, received, threads), "receiver-" + r,
                    group.dispatcher()));
        }
        for (int s = 0; s < senders; s++) {
            final int sender = s;
            system.systemActorOf(Behaviors.<String>setup(ctx -> Behaviors.receiveMessage(m -> {
                // Sends in slices, each slice a new turn, so that the senders move between loops too. The waiting
                // receivers make a backlog on the loop that wakes them, which the other loop takes from.
                final int from = Integer.parseInt(m);
                for (int n = from; n < Math.min(perPair, from + 100); n++) {
                    for (ActorRef<Numbered> r : rs) {
                        r.tell(new Numbered(sender, n));
                    }
                }
                if (from + 100 < perPair) {
                    ctx.getSelf().tell(String.valueOf(from + 100));
                }
                return Behaviors.same();
            })), "sender-" + s, group.dispatcher()).tell("0");
        }
        final boolean all = received.await(60, TimeUnit.SECONDS);
        assertTrue(all, "every receiver got every message");
        assertEquals(0, violations.get(), "messages out of order, or an actor running on two threads at once");
        assertEquals(2, threads.size(), "receivers ran on both loops (so some moved): " + threads);
        await(group.stop());
    }

    private static Behavior<Numbered> receiver(int senders, int perPair, AtomicInteger violations,
                                               CountDownLatch received, Set<String> threads) {
        return Behaviors.setup(ctx -> {
            final int[] next = new int[senders];
            final AtomicBoolean inside = new AtomicBoolean();
            final int[] total = new int[1];
            final Set<String> mine = new HashSet<>();
            return Behaviors.receiveMessage(m -> {
                if (!inside.compareAndSet(false, true)) {
                    violations.incrementAndGet();
                }
                if (m.n() != next[m.sender()]) {
                    violations.incrementAndGet();
                }
                next[m.sender()] = m.n() + 1;
                if (mine.add(Thread.currentThread().getName())) {
                    threads.add(Thread.currentThread().getName());
                }
                if (++total[0] == senders * perPair) {
                    received.countDown();
                }
                inside.set(false);
                return Behaviors.same();
            });
        });
    }
}
