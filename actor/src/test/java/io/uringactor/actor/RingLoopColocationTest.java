package io.uringactor.actor;

import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.ConfigFactory;

import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Actors co-located with a ring on its event loop: requests and replies stay on the loop's thread, every
 * request is answered on every path, and a flood of co-located work cannot keep completions waiting.
 */
class RingLoopColocationTest {
    private static final ActorTestKit testKit = ActorTestKit.create("RingLoopColocationTest", ConfigFactory.parseString(
            "test-loop = ${io-uring-actor.loop-dispatcher} { loops = 1 }\nburst-loop = ${io-uring-actor.loop-dispatcher} { loops = 1 }").withFallback(ConfigFactory.load()).resolve());
    private static final int BLOCK = 4096;
    private static final int BLOCKS = 64;

    @TempDir
    static Path dir;
    private static Path data;
    private static RingClient ring;
    private static FileHandle file;

    @BeforeAll
    static void writeData() throws Exception {
        final byte[] bytes = new byte[BLOCK * BLOCKS];
        new Random(7).nextBytes(bytes);
        data = Files.write(dir.resolve("data.bin"), bytes);
        ring = RingExtension.get(testKit.system()).client();
        file = ring.open(data, OpenOptions.readOnly()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    /** The oracle: the same block read with a FileChannel. */
    private static ByteString expected(int block) throws Exception {
        try (FileChannel channel = FileChannel.open(data)) {
            final ByteBuffer buffer = ByteBuffer.allocate(BLOCK);
            channel.read(buffer, (long) block * BLOCK);
            return ByteString.fromArray(buffer.array());
        }
    }

    /** How a co-located actor asks the ring. */
    enum Route { TELL_WITH_ADAPTER, PIPE_TO_SELF, CLIENT_ASK, ASK }

    /** What a reader saw: the block's bytes (or the failure), and the threads that sent and received. */
    record Seen(int block, ByteString bytes, Throwable failure, String sentOn, String repliedOn) {
    }

    /** Reads {@code blocks} one after another through {@code route}, each reply handled before the next read. */
    static final class Reader {
        sealed interface Msg {
        }

        record Next() implements Msg {
        }

        record Got(ByteString bytes, Throwable failure) implements Msg {
        }

        static Behavior<Msg> create(Route route, RingClient client, FileHandle file, int[] blocks,
                                    ActorRef<Seen> report) {
            return Behaviors.setup(ctx -> {
                @SuppressWarnings({"unchecked", "rawtypes"})
                final ActorRef<StatusReply<ByteString>> adapter = (ActorRef) ctx.messageAdapter(StatusReply.class,
                        reply -> reply.isSuccess() ? new Got((ByteString) reply.getValue(), null)
                                : new Got(null, reply.getError()));
                final int[] at = {0};
                final String[] sentOn = {null};
                ctx.getSelf().tell(new Next());
                return Behaviors.receive(Msg.class)
                        .onMessage(Next.class, next -> {
                            final long offset = (long) blocks[at[0]] * BLOCK;
                            sentOn[0] = Thread.currentThread().getName();
                            switch (route) {
                                case TELL_WITH_ADAPTER -> client.ring().tell(new RingCommand.Read(file, offset, BLOCK, adapter));
                                case PIPE_TO_SELF -> ctx.pipeToSelf(client.read(file, offset, BLOCK), Got::new);
                                case CLIENT_ASK -> ctx.pipeToSelf(client.<ByteString>ask(
                                        replyTo -> new RingCommand.Read(file, offset, BLOCK, replyTo)), Got::new);
                                case ASK -> ctx.askWithStatus(ByteString.class, client.ring(), Duration.ofSeconds(10),
                                        replyTo -> new RingCommand.Read(file, offset, BLOCK, replyTo), Got::new);
                            }
                            return Behaviors.same();
                        })
                        .onMessage(Got.class, got -> {
                            report.tell(new Seen(blocks[at[0]], got.bytes(), got.failure(), sentOn[0],
                                    Thread.currentThread().getName()));
                            if (++at[0] < blocks.length) {
                                ctx.getSelf().tell(new Next());
                            }
                            return Behaviors.same();
                        })
                        .build();
            });
        }
    }

    private static final DispatcherSelector ON_THE_LOOP = DispatcherSelector.fromConfig(RingActor.LOOP_DISPATCHER);

    @ParameterizedTest
    @EnumSource(Route.class)
    void aCoLocatedActorGetsItsRepliesOnTheRingsOwnThread(Route route) throws Exception {
        final TestProbe<Seen> probe = testKit.createTestProbe();
        final int[] blocks = {0, 5, 63, 17, 5};
        testKit.spawn(Reader.create(route, ring, file, blocks, probe.getRef()), "reader-" + route, ON_THE_LOOP);
        for (int block : blocks) {
            final Seen seen = probe.receiveMessage(Duration.ofSeconds(10));
            assertNull(seen.failure());
            assertEquals(block, seen.block());
            assertEquals(expected(block), seen.bytes(), "block " + block + " as a FileChannel reads it");
            assertTrue(seen.sentOn().contains("io-uring-actor.loop-dispatcher"), seen.sentOn());
            assertFalse(RingActor.onRingLoopThread(), "the test's own thread is no loop");
            if (route != Route.ASK) {
                // The ask pattern's reply goes through a temporary actor and a Future callback: Pekko decides
                // where that runs. The two direct routes never leave the loop.
                assertEquals(seen.sentOn(), seen.repliedOn(), "the reply is handled on the loop's thread");
            }
        }
    }

    /** An actor that keeps the loop busy for good: every message it handles sends it the next one. */
    private static Behavior<String> spinning() {
        return Behaviors.setup(ctx -> {
            ctx.getSelf().tell("spin");
            return Behaviors.receiveMessage(msg -> {
                if ("stop".equals(msg)) {
                    return Behaviors.stopped();
                }
                ctx.getSelf().tell("spin");
                return Behaviors.same();
            });
        });
    }

    @Test
    void aFloodOfCoLocatedWorkCannotKeepCompletionsWaiting() throws Exception {
        // The loop never runs out of tasks while these run: it must poll the ring between them anyway.
        final List<ActorRef<String>> flood = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            flood.add(testKit.spawn(spinning(), "spinning-" + i, ON_THE_LOOP));
        }
        try {
            final TestProbe<Seen> probe = testKit.createTestProbe();
            final int[] blocks = new int[200];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = (i * 7) % BLOCKS;
            }
            testKit.spawn(Reader.create(Route.TELL_WITH_ADAPTER, ring, file, blocks, probe.getRef()), "flooded-reader",
                    ON_THE_LOOP);
            for (int block : blocks) {
                final Seen seen = probe.receiveMessage(Duration.ofSeconds(10));
                assertEquals(block, seen.block());
                assertEquals(expected(block), seen.bytes());
            }
        } finally {
            flood.forEach(busy -> busy.tell("stop"));
        }
    }

    /** A loop hosts one ring: a second one spawned there does not start, says why, and the first serves on. */
    @Test
    void aSecondRingOnATakenLoopDoesNotStartAndTheLoopsOwnRingServesOn() throws Exception {
        final RingSettings settings = RingSettings.create(testKit.system()).withDispatcher(RingActor.LOOP_DISPATCHER);
        final TestRings.Spawned spawned = TestRings.spawnOne(testKit, "second-ring", settings, Duration.ofSeconds(10));
        final ActorRef<RingCommand> second = spawned.ref();
        final RingClient client = spawned.client();
        final Throwable failure = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> client.open(data, OpenOptions.readOnly()).toCompletableFuture().get(10, TimeUnit.SECONDS)).getCause();
        assertInstanceOf(RingStoppedException.class, failure);
        // One loop: it drives the system's ring already. Several (the suite's ring-group run): the dispatcher's
        // actors move between them, which a ring cannot.
        assertTrue(failure.getMessage().contains("drives another already")
                || failure.getMessage().contains("move between its"), failure.getMessage());
        assertEquals(expected(3), ring.read(file, 3L * BLOCK, BLOCK).toCompletableFuture().get(10, TimeUnit.SECONDS),
                "the loop's own ring still serves");
        testKit.stop(second, Duration.ofSeconds(10));
    }

    @Test
    void aRingStoppedOnASharedLoopAnswersItsCoLocatedCallersAndTheLoopRunsOn() throws Exception {
        final RingSettings settings = RingSettings.create(testKit.system()).withDispatcher("test-loop");
        final TestRings.Spawned spawned = TestRings.spawnOne(testKit, "stopped-ring", settings, Duration.ofSeconds(10));
        final ActorRef<RingCommand> own = spawned.ref();
        final RingClient client = spawned.client();
        final Path fifo = TestRings.fifo(dir, "never-written");
        final FileHandle pipe = client.open(fifo, OpenOptions.readWrite()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        // Reads of a FIFO nobody writes stay in the kernel until the stop cancels them.
        final TestProbe<Seen> probe = testKit.createTestProbe();
        for (int i = 0; i < 5; i++) {
            testKit.spawn(Reader.create(Route.TELL_WITH_ADAPTER, client, pipe, new int[] {0}, probe.getRef()),
                    "stuck-reader-" + i, DispatcherSelector.fromConfig("test-loop"));
        }
        awaitInFlight(client, 5);
        final TestProbe<StatusReply<Done>> stopped = testKit.createTestProbe();
        own.tell(new RingCommand.Shutdown(stopped.getRef()));
        for (int i = 0; i < 5; i++) {
            final Seen seen = probe.receiveMessage(Duration.ofSeconds(30));
            assertInstanceOf(io.uringactor.ring.IoUringException.class, seen.failure(), String.valueOf(seen));
            assertTrue(seen.repliedOn().contains("test-loop"), seen.repliedOn());
        }
        assertTrue(stopped.receiveMessage(Duration.ofSeconds(30)).isSuccess());
        stopped.expectTerminated(own, Duration.ofSeconds(10));
        // The loop outlives its ring: actors on it still run (it parks instead of sleeping in the ring).
        final TestProbe<String> echo = testKit.createTestProbe();
        final ActorRef<String> after = testKit.spawn(Behaviors.receiveMessage(msg -> {
            echo.getRef().tell(msg + " on " + Thread.currentThread().getName());
            return Behaviors.same();
        }), "after-the-ring", DispatcherSelector.fromConfig("test-loop"));
        Thread.sleep(50); // let the loop fall asleep without a ring
        after.tell("still here");
        assertTrue(echo.receiveMessage(Duration.ofSeconds(10)).startsWith("still here on"));
    }

    @Test
    void theClientsAskStopsARingWithAShutdownAndAnswersIt() throws Exception {
        final RingSettings settings = RingSettings.create(testKit.system());
        final TestRings.Spawned spawned = TestRings.spawnOne(testKit, "asked-to-stop", settings, Duration.ofSeconds(10));
        final ActorRef<RingCommand> own = spawned.ref();
        final RingClient client = spawned.client();
        assertEquals(Done.getInstance(), client.<Done>ask(RingCommand.Shutdown::new).toCompletableFuture()
                .get(10, TimeUnit.SECONDS));
        testKit.createTestProbe().expectTerminated(own, Duration.ofSeconds(10));
    }

    /**
     * A burst of requests made in one loop turn: page-cache reads go in as one batch with the loop's one
     * io_uring_enter; O_DIRECT ones go in at once, one per enter, which keeps the device busy (batches of more
     * than two are plugged in the kernel).
     */
    @Test
    void aBurstOfCachedReadsIsOneBatchAndDirectOnesGoInOneByOne() throws Exception {
        final RingSettings settings = RingSettings.create(testKit.system()).withDispatcher("burst-loop");
        final TestRings.Spawned spawned = TestRings.spawnOne(testKit, "burst-ring", settings, Duration.ofSeconds(10));
        final ActorRef<RingCommand> own = spawned.ref();
        final RingClient client = spawned.client();
        final FileHandle cached = client.open(data, OpenOptions.readOnly()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        final FileHandle direct = client.open(data, OpenOptions.readOnly().withDirect()).toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        final io.uringactor.ring.AlignedBuffer[] buffers = new io.uringactor.ring.AlignedBuffer[8];
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = io.uringactor.ring.AlignedBuffer.forDirectIo(data, BLOCK);
        }
        final TestProbe<List<Long>> probe = testKit.createTestProbe();
        // One message, eight requests sent in its one turn; the reply counts the bytes each request moved.
        final ActorRef<Object> burster = testKit.spawn(Behaviors.<Object>setup(ctx -> {
            final List<Long> moved = new ArrayList<>();
            return Behaviors.receiveMessage(msg -> {
                if (msg instanceof Boolean directRun) {
                    for (int i = 0; i < 8; i++) {
                        if (directRun) {
                            ctx.pipeToSelf(client.readBlock(direct, (long) i * BLOCK, buffers[i]),
                                    (io, failure) -> (Object) (failure == null ? (long) io.bytes() : -1L));
                        } else {
                            ctx.pipeToSelf(client.read(cached, (long) i * BLOCK, BLOCK),
                                    (bytes, failure) -> (Object) (failure == null ? (long) bytes.size() : -1L));
                        }
                    }
                } else {
                    moved.add((Long) msg);
                    if (moved.size() == 8) {
                        probe.getRef().tell(List.copyOf(moved));
                        moved.clear();
                    }
                }
                return Behaviors.same();
            });
        }), "burster", DispatcherSelector.fromConfig("burst-loop"));
        for (boolean directRun : new boolean[] {false, true}) {
            final RingStats before = client.stats().toCompletableFuture().get(10, TimeUnit.SECONDS);
            burster.tell(directRun);
            assertEquals(java.util.Collections.nCopies(8, (long) BLOCK), probe.receiveMessage(Duration.ofSeconds(10)));
            final RingStats after = client.stats().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(8, after.submitted() - before.submitted(), after.toString());
            assertEquals(directRun ? 8 : 1, after.batches() - before.batches(),
                    (directRun ? "O_DIRECT: one per enter " : "cached: one batch ") + before + " -> " + after);
        }
        testKit.stop(own, Duration.ofSeconds(10));
    }

    private static void awaitInFlight(RingClient client, int n) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (client.stats().toCompletableFuture().get(10, TimeUnit.SECONDS).inFlight() < n) {
            assertTrue(System.nanoTime() < deadline, "the reads reached the kernel");
            Thread.sleep(5);
        }
    }
}
