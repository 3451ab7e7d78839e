package io.uringactor.actor;

import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.ConfigFactory;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
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
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A ring group of two rings on real files: every ring serves every file of the group, an actor on a loop
 * talks to its own ring on its own thread, a close anywhere closes the file everywhere (no descriptor left
 * behind), other groups' handles are refused, a stopped ring leaves the others serving, and stop answers all.
 */
class RingGroupTest {
    private static final Duration REPLY = Duration.ofSeconds(10);
    private static final ActorTestKit testKit = ActorTestKit.create("RingGroupTest");
    private static final ActorSystem<?> system = testKit.system();

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(REPLY.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Throwable failure(CompletionStage<?> stage) {
        final CompletionException e = assertThrows(CompletionException.class,
                () -> stage.toCompletableFuture().orTimeout(REPLY.toSeconds(), TimeUnit.SECONDS).join());
        return e.getCause();
    }

    private static RingGroup group(String name) {
        return RingGroup.spawn(system, name, RingSettings.create(system).withRegisterWithReceptionist(false), 2);
    }

    private Path randomFile(String name, int size, long seed) throws IOException {
        final byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return Files.write(dir.resolve(name), bytes);
    }

    private static byte[] oracle(Path path, long offset, int length) throws IOException {
        try (FileChannel ch = FileChannel.open(path)) {
            final ByteBuffer b = ByteBuffer.allocate(length);
            while (b.hasRemaining() && ch.read(b, offset + b.position()) > 0) {
                // until full or at the end
            }
            return java.util.Arrays.copyOf(b.array(), b.position());
        }
    }

    /** The open descriptors of this process that name {@code path}. */
    private static long descriptorsOf(Path path) throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(path);
                } catch (IOException e) {
                    return false; // closed while listing
                }
            }).count();
        }
    }

    private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + REPLY.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail(what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void everyRingServesAFileAnyRingOpened() throws Exception {
        final RingGroup group = group("share");
        final RingClient first = RingClient.create(group.ring(0), system);
        final RingClient second = RingClient.create(group.ring(1), system);
        final Path path = randomFile("shared.bin", 200_000, 1);
        final FileHandle file = await(first.open(path, OpenOptions.readWrite()));
        final long readsBefore = await(second.stats()).submitted();
        assertArrayEquals(oracle(path, 12_345, 70_000), await(second.read(file, 12_345, 70_000)).toArray());
        assertTrue(await(second.stats()).submitted() > readsBefore, "the second ring did the read itself");
        // A write through the second ring, read back through the first and by the oracle.
        final ByteString data = ByteString.fromString("written through ring 1");
        assertEquals(data.size(), await(second.write(file, 100, data)));
        assertEquals(data, await(first.read(file, 100, data.size())));
        assertArrayEquals(data.toArray(), oracle(path, 100, data.size()));
        // A copy between a file of each ring, through either ring.
        final FileHandle target = await(second.open(dir.resolve("copy.bin"), OpenOptions.writeOnly().withCreate()));
        assertEquals(200_000, await(first.copyRange(file, 0, target, 0, 200_000)));
        assertArrayEquals(Files.readAllBytes(path), Files.readAllBytes(dir.resolve("copy.bin")));
        await(group.stop());
    }

    @Test
    void anActorOnALoopTalksToItsLoopsRingOnItsOwnThread() throws Exception {
        final RingGroup group = group("colocated");
        final Path path = randomFile("colocated.bin", 64 * 1024, 2);
        // Opened through ring 0, from this thread.
        final FileHandle file = await(RingClient.create(group.ring(0), system).open(path, OpenOptions.readOnly()));
        final long ring1Before = await(RingClient.create(group.ring(1), system).stats()).submitted();
        final TestProbe<List<String>> probe = testKit.createTestProbe();
        final RingClient client = group.client();
        final ActorRef<String> reader = testKit.spawn(Behaviors.receiveMessage(msg -> {
            final String sentOn = Thread.currentThread().getName();
            client.read(file, 4096, 4096).whenComplete((bytes, e) -> probe.getRef().tell(List.of(sentOn,
                    Thread.currentThread().getName(), e == null ? String.valueOf(bytes.size()) : e.toString())));
            return Behaviors.same();
        }), "loop-1-reader", group.loopDispatcher(1));
        reader.tell("go");
        final List<String> seen = probe.receiveMessage(REPLY);
        assertEquals("4096", seen.get(2));
        assertEquals(seen.get(0), seen.get(1), "asked and answered on the same thread: " + seen);
        assertTrue(seen.get(0).contains("colocated-loop-1"), seen.toString());
        assertTrue(await(RingClient.create(group.ring(1), system).stats()).submitted() > ring1Before,
                "loop 1's ring served the file ring 0 opened");
        await(group.stop());
    }

    @Test
    void aCloseThroughAnyRingClosesTheFileOnEveryRingAndLeavesNoDescriptor() throws Exception {
        final RingGroup group = group("close");
        final RingClient first = RingClient.create(group.ring(0), system);
        final RingClient second = RingClient.create(group.ring(1), system);
        final Path path = randomFile("closed.bin", 8192, 3).toRealPath();
        final FileHandle file = await(first.open(path, OpenOptions.readOnly()));
        assertEquals(4096, await(second.read(file, 0, 4096)).size());
        assertEquals(2, descriptorsOf(path), "the owner's descriptor and the second ring's own");
        await(second.close(file));
        assertInstanceOf(InvalidRequestException.class, failure(first.read(file, 0, 10)));
        assertInstanceOf(InvalidRequestException.class, failure(second.read(file, 0, 10)));
        assertInstanceOf(InvalidRequestException.class, failure(first.close(file)));
        eventually("every ring closed its descriptor of " + path, () -> {
            try {
                return descriptorsOf(path) == 0;
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        // And the other way round, with a read on the importing ring in flight behind the close.
        final FileHandle again = await(second.open(path, OpenOptions.readOnly()));
        assertEquals(10, await(first.read(again, 0, 10)).size());
        await(second.close(again));
        eventually("closed again", () -> {
            try {
                return descriptorsOf(path) == 0;
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        await(group.stop());
    }

    @Test
    void aHandleOfAnotherGroupOrAForgedOneIsRefused() throws Exception {
        final RingGroup mine = group("mine");
        final RingGroup other = group("other");
        final Path path = randomFile("theirs.bin", 4096, 4);
        final FileHandle theirs = await(RingClient.create(other.ring(0), system).open(path, OpenOptions.readOnly()));
        for (int ring = 0; ring < 2; ring++) {
            final Throwable e = failure(RingClient.create(mine.ring(ring), system).read(theirs, 0, 10));
            assertInstanceOf(InvalidRequestException.class, e);
            assertTrue(e.getMessage().contains("unknown or closed file handle"), e.getMessage());
        }
        final FileHandle forged = new FileHandle(theirs.id() ^ (1L << 40));
        assertInstanceOf(InvalidRequestException.class, failure(RingClient.create(other.ring(1), system).read(forged, 0, 10)));
        await(mine.stop());
        await(other.stop());
    }

    @Test
    void aStoppedRingLeavesTheOthersServingAndStopAnswersEverything() throws Exception {
        final RingGroup group = group("survivor");
        final Path path = randomFile("survivor.bin", 8192, 5);
        final FileHandle onDoomed = await(RingClient.create(group.ring(1), system).open(path, OpenOptions.readOnly()));
        final TestProbe<Object> watcher = testKit.createTestProbe();
        Adapter.toClassic(system).stop(Adapter.toClassic(group.ring(1)));
        watcher.expectTerminated(group.ring(1), REPLY);
        eventually("the group sees ring 1 stopped", () -> group.running() == 1);
        // From any thread, requests go to the running ring; the stopped ring's files were closed with it.
        for (int i = 0; i < 8; i++) {
            final int n = i;
            final FileHandle file = await(java.util.concurrent.CompletableFuture.supplyAsync(() -> group.client().open(path,
                    OpenOptions.readOnly()), java.util.concurrent.Executors.newSingleThreadExecutor()).join());
            assertEquals(4096, await(group.client().read(file, 4096, 4096)).size(), "open " + n);
        }
        // Its files are closed for the group, as a stop, not a Close: the caller did nothing wrong (#24).
        assertInstanceOf(RingStoppedException.class, failure(RingClient.create(group.ring(0), system).read(onDoomed, 0, 10)));
        assertInstanceOf(RingStoppedException.class, failure(RingClient.create(group.ring(1), system).read(onDoomed, 0, 10)));
        assertEquals(1, await(group.statsPerRing()).size(), "the running ring's counters");
        await(group.stop());
        assertEquals(0, group.running());
        assertInstanceOf(RingStoppedException.class, failure(group.client().open(path, OpenOptions.readOnly())));
    }

    @Test
    void statsAreThoseOfEveryRingAddedUpAndAShutdownStopsThemAll() throws Exception {
        final RingGroup group = group("stats");
        final Path path = randomFile("stats.bin", 8192, 6);
        for (int ring = 0; ring < 2; ring++) {
            final RingClient one = RingClient.create(group.ring(ring), system);
            final FileHandle file = await(one.open(path, OpenOptions.readOnly()));
            for (int i = 0; i <= ring; i++) {
                await(one.read(file, 0, 100));
                assertInstanceOf(InvalidRequestException.class, failure(one.read(new FileHandle(0x1234_5678L), 0, 100)));
            }
        }
        final List<RingStats> each = await(group.statsPerRing());
        assertEquals(2, each.size());
        final RingStats sum = await(group.stats());
        assertEquals(each.get(0).submitted() + each.get(1).submitted(), sum.submitted());
        assertEquals(each.get(0).completed() + each.get(1).completed(), sum.completed());
        assertEquals(Math.max(each.get(0).maxBatch(), each.get(1).maxBatch()), sum.maxBatch());
        assertEquals(1, each.get(0).refusedInvalid(), "ring 0 refused one forged handle: " + each);
        assertEquals(2, each.get(1).refusedInvalid(), "ring 1 refused two: " + each);
        assertEquals(3, sum.refusedInvalid(), "the group's refusals are its rings' added up: " + sum);
        assertTrue(each.get(1).completed() > each.get(0).completed(), "ring 1 did one read more: " + each);
        // A Shutdown through the group's client stops the whole group, and is answered once it has.
        assertEquals(org.apache.pekko.Done.getInstance(), await(group.client().<org.apache.pekko.Done>ask(
                RingCommand.Shutdown::new)));
        eventually("every ring stopped", () -> group.running() == 0);
    }

    @Test
    void theSystemsRingsAreAGroupOfTheConfiguredSize() {
        final ActorTestKit kit = ActorTestKit.create("configured-group", ConfigFactory.parseString(
                "io-uring-actor.loop-dispatcher.loops = 3").withFallback(ConfigFactory.load()));
        try {
            final RingGroup group = RingExtension.get(kit.system()).group();
            assertEquals(3, group.size());
            assertEquals(group.ring(0), RingExtension.get(kit.system()).ring());
            assertEquals(3, await(group.statsPerRing()).size());
        } finally {
            kit.shutdownTestKit();
        }
    }

    @Test
    void theLoopCountIsANumberPerProcessorOrAuto() {
        final int processors = Runtime.getRuntime().availableProcessors();
        assertEquals(4, RingGroupDispatcherConfigurator.loopsOf(ConfigFactory.parseString("loops = 4")));
        assertEquals(Math.min(128, processors), RingGroupDispatcherConfigurator.loopsOf(
                ConfigFactory.parseString("loops = per-processor")));
        assertEquals(Math.max(1, Math.min(8, processors / 2)), RingGroupDispatcherConfigurator.loopsOf(
                ConfigFactory.parseString("loops = auto")));
        for (String bad : List.of("0", "129", "many")) {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RingGroupDispatcherConfigurator.loopsOf(ConfigFactory.parseString("loops = " + bad)));
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> RingGroup.spawn(system, "none", RingSettings.create(system), 0));
        group("twice").stop();
        assertThrows(IllegalArgumentException.class, () -> group("twice"));
    }
}
