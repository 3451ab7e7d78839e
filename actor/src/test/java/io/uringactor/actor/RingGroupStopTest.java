package io.uringactor.actor;

import static org.junit.jupiter.api.Assertions.*;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stopping a ring group keeps the single ring's promise whichever ring a request went to and whichever ring
 * opened its file: every request sent before the stop gets its result or {@link RingStoppedException}, and
 * exactly one reply; never an {@link InvalidRequestException}, which would blame the caller (issue #24).
 * The rings of a group stop one by one, so an idle ring that opened a file is gone while another ring still
 * works through a backlog of requests on that file.
 */
class RingGroupStopTest {
    private static final ActorTestKit testKit = ActorTestKit.create("RingGroupStopTest");
    private static final ActorSystem<?> system = testKit.system();
    /** Time for every reply to come; a lost reply fails the test at this deadline rather than hanging it. */
    private static final Duration ALL_ANSWERED = Duration.ofSeconds(60);
    private static final int BLOCK = 4096;
    private static final int BLOCKS = 256;
    private static final int REQUESTS = 20_000;

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static RingGroup group(String name) {
        // A queue deep enough for the whole backlog: an overload refusal is not what this test looks at.
        return RingGroup.spawn(system, name, RingSettings.create(system).withRegisterWithReceptionist(false)
                .withMaxQueued(4 * REQUESTS), 2);
    }

    /** A file of {@link #BLOCKS} blocks, each starting with its block number, random after it. */
    private Path blockFile(String name, long seed) throws IOException {
        final byte[] bytes = new byte[BLOCKS * BLOCK];
        new Random(seed).nextBytes(bytes);
        for (int b = 0; b < BLOCKS; b++) {
            ByteBuffer.wrap(bytes, b * BLOCK, Long.BYTES).putLong(b);
        }
        return Files.write(dir.resolve(name), bytes);
    }

    /** The file's bytes as a {@link FileChannel} reads them: what every successful read must return. */
    private static byte[] oracle(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path)) {
            final ByteBuffer b = ByteBuffer.allocate((int) ch.size());
            while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                // until full
            }
            return b.array();
        }
    }

    /**
     * The replies to raw {@link RingCommand.Read}s of whole blocks, all sent to one actor and counted there,
     * so a duplicate reply shows as well as a lost one. A success is checked against the oracle's block
     * that its first 8 bytes name.
     */
    private static final class Replies {
        final Map<String, Integer> counts = new ConcurrentHashMap<>();
        final Map<String, String> samples = new ConcurrentHashMap<>();
        final AtomicInteger total = new AtomicInteger();
        final ActorRef<StatusReply<ByteString>> ref;

        Replies(String name, List<byte[]> oracles) {
            ref = testKit.spawn(Behaviors.receiveMessage(reply -> {
                final String kind;
                if (reply.isSuccess()) {
                    kind = matchesSomeFile(reply.getValue().toArray(), oracles) ? "ok" : "wrong-bytes";
                } else {
                    kind = reply.getError().getClass().getSimpleName();
                    samples.putIfAbsent(kind, String.valueOf(reply.getError().getMessage()));
                }
                counts.merge(kind, 1, Integer::sum);
                total.incrementAndGet();
                return Behaviors.same();
            }), name);
        }

        private static boolean matchesSomeFile(byte[] got, List<byte[]> oracles) {
            if (got.length != BLOCK) {
                return false;
            }
            final long block = ByteBuffer.wrap(got).getLong();
            for (byte[] file : oracles) {
                if (block >= 0 && block < BLOCKS && Arrays.equals(got, 0, BLOCK, file, (int) block * BLOCK,
                        (int) (block + 1) * BLOCK)) {
                    return true;
                }
            }
            return false;
        }

        /** Waits until {@code expected} replies came (failing at the deadline), then a little for extra ones. */
        void awaitExactly(int expected) throws InterruptedException {
            final long deadline = System.nanoTime() + ALL_ANSWERED.toNanos();
            while (total.get() < expected && System.nanoTime() < deadline) {
                Thread.sleep(10); // poll interval only
            }
            assertEquals(expected, total.get(), "replies by the deadline: " + this);
            Thread.sleep(300); // a duplicate reply would come right behind the others
            assertEquals(expected, total.get(), "exactly one reply per request: " + this);
        }

        @Override
        public String toString() {
            return counts + ", samples=" + samples;
        }
    }

    /** Every reply a success or a RingStoppedException; nothing else. */
    private static void assertOnlyResultsOrStopped(Map<String, Integer> counts, Object detail) {
        for (String kind : counts.keySet()) {
            assertTrue(kind.equals("ok") || kind.equals("RingStoppedException"),
                    "only results or RingStoppedException, got " + detail);
        }
    }

    /**
     * Two files opened through ring 0, one already served once by ring 1 (ring 1 holds a descriptor of it),
     * one never (ring 1 would import it at its first request); {@link #REQUESTS} reads of them sent to ring 1
     * without waiting, then the stop.
     */
    private void backlogOnRingOneThenStop(String name, boolean now) throws Exception {
        final RingGroup group = group(name);
        final Path imported = blockFile(name + "-imported.bin", 1);
        final Path notImported = blockFile(name + "-not-imported.bin", 2);
        final RingClient ring0 = RingClient.create(group.ring(0), system);
        final FileHandle a = ring0.open(imported, OpenOptions.readOnly()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        final FileHandle b = ring0.open(notImported, OpenOptions.readOnly()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(BLOCK, RingClient.create(group.ring(1), system).read(a, 0, BLOCK).toCompletableFuture()
                .get(10, TimeUnit.SECONDS).size());
        final Replies replies = new Replies(name + "-replies", List.of(oracle(imported), oracle(notImported)));
        final Random random = new Random(3);
        for (int i = 0; i < REQUESTS; i++) {
            group.ring(1).tell(new RingCommand.Read((i & 1) == 0 ? a : b, (long) random.nextInt(BLOCKS) * BLOCK, BLOCK,
                    replies.ref));
        }
        final CompletableFuture<?> stopped = (now ? group.stopNow() : group.stop()).toCompletableFuture();
        replies.awaitExactly(REQUESTS);
        assertOnlyResultsOrStopped(replies.counts, replies);
        stopped.get(ALL_ANSWERED.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void aGracefulStopAnswersABacklogOnAnotherRingsFilesWithResultsOrRingStopped() throws Exception {
        backlogOnRingOneThenStop("graceful", false);
    }

    @Test
    void anImmediateStopAnswersABacklogOnAnotherRingsFilesWithResultsOrRingStopped() throws Exception {
        backlogOnRingOneThenStop("immediate", true);
    }

    /**
     * The same backlog on ring 1, through ring 1's client, when the actor system terminates: CoordinatedShutdown
     * stops the group, and the futures are answered even though the system is gone.
     */
    @Test
    void aTerminatingSystemAnswersABacklogOnAnotherRingsFilesWithResultsOrRingStopped() throws Exception {
        final ActorTestKit own = ActorTestKit.create("RingGroupStopTestTerminating");
        try {
            final RingGroup group = RingGroup.spawn(own.system(), "terminating", RingSettings.create(own.system())
                    .withRegisterWithReceptionist(false).withMaxQueued(4 * REQUESTS), 2);
            final Path path = blockFile("terminating.bin", 6);
            final byte[] expected = oracle(path);
            final FileHandle file = RingClient.create(group.ring(0), own.system()).open(path, OpenOptions.readOnly())
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            final RingClient ring1 = RingClient.create(group.ring(1), own.system());
            final Random random = new Random(7);
            final List<CompletableFuture<Boolean>> all = new ArrayList<>(REQUESTS);
            for (int i = 0; i < REQUESTS; i++) {
                final int block = random.nextInt(BLOCKS);
                all.add(ring1.read(file, (long) block * BLOCK, BLOCK).toCompletableFuture().thenApply(bytes ->
                        Arrays.equals(bytes.toArray(), 0, BLOCK, expected, block * BLOCK, (block + 1) * BLOCK)));
            }
            own.system().terminate();
            final SafetyTestSupport.Outcomes outcomes = SafetyTestSupport.classify(all, ALL_ANSWERED,
                    Boolean::booleanValue);
            assertEquals(0, outcomes.unanswered, "every request answered: " + outcomes);
            assertOnlyResultsOrStopped(outcomes.counts, outcomes);
        } finally {
            own.shutdownTestKit();
        }
    }

    /**
     * Four threads flood the group's client with reads of two files, one opened through each ring, never
     * closed; the group stops gracefully in the middle of the flood.
     */
    @Test
    void aGracefulStopInAFloodFromSeveralThreadsAnswersResultsOrRingStopped() throws Exception {
        final RingGroup group = group("flood");
        final Path first = blockFile("flood-0.bin", 4);
        final Path second = blockFile("flood-1.bin", 5);
        final FileHandle[] files = {
            RingClient.create(group.ring(0), system).open(first, OpenOptions.readOnly()).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS),
            RingClient.create(group.ring(1), system).open(second, OpenOptions.readOnly()).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS)};
        final byte[][] oracles = {oracle(first), oracle(second)};
        final int threads = 4;
        final int perThread = REQUESTS / threads;
        final List<List<CompletableFuture<Boolean>>> results = new ArrayList<>();
        final CountDownLatch mostSent = new CountDownLatch(threads);
        final List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final List<CompletableFuture<Boolean>> mine = new ArrayList<>(perThread);
            results.add(mine);
            final Random random = new Random(10 + t);
            senders.add(new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    final int f = random.nextInt(2);
                    final int block = random.nextInt(BLOCKS);
                    mine.add(group.client().read(files[f], (long) block * BLOCK, BLOCK).toCompletableFuture()
                            .thenApply(bytes -> Arrays.equals(bytes.toArray(), 0, BLOCK, oracles[f], block * BLOCK,
                                    (block + 1) * BLOCK)));
                    if (i == perThread * 3 / 4) {
                        mostSent.countDown();
                    }
                }
            }, "flood-" + t));
        }
        senders.forEach(Thread::start);
        assertTrue(mostSent.await(ALL_ANSWERED.toSeconds(), TimeUnit.SECONDS));
        final CompletableFuture<?> stopped = group.stop().toCompletableFuture();
        for (Thread sender : senders) {
            sender.join(ALL_ANSWERED.toMillis());
        }
        final List<CompletableFuture<Boolean>> all = new ArrayList<>();
        results.forEach(all::addAll);
        assertEquals(REQUESTS, all.size(), "every sender sent all its requests");
        final SafetyTestSupport.Outcomes outcomes = SafetyTestSupport.classify(all, ALL_ANSWERED, Boolean::booleanValue);
        assertEquals(0, outcomes.unanswered, "every request answered: " + outcomes);
        assertOnlyResultsOrStopped(outcomes.counts, outcomes);
        stopped.get(ALL_ANSWERED.toSeconds(), TimeUnit.SECONDS);
    }
}
