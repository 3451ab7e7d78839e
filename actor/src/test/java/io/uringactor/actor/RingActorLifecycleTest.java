package io.uringactor.actor;

import io.uringactor.ring.Errno;

import io.uringactor.ring.ErrnoException;

import static io.uringactor.actor.TestRings.describeFds;
import static io.uringactor.actor.TestRings.fifo;
import static io.uringactor.actor.TestRings.spawnOne;
import static org.junit.jupiter.api.Assertions.*;

import org.apache.pekko.Done;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ExecutionException;

/** Overload, stop with ops in flight, idle CPU: every request answered, nothing leaked. */
class RingActorLifecycleTest {
    private static final ActorTestKit testKit = ActorTestKit.create();

    @TempDir
    Path dir;

    /** Opens the JVM's lazily opened fds (JNA's native library, the process launcher) before any fd count. */
    @org.junit.jupiter.api.BeforeAll
    static void warmUp(@TempDir Path scratch) throws Exception {
        io.uringactor.ring.IoUring.open(2).close();
        fifo(scratch, "warm-up");
        final RingClient ring = spawnRing("warm-up-ring", RingSettings.create(testKit.system()));
        ring.stats().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static RingClient spawnRing(String name, RingSettings settings) {
        return spawnOne(testKit, name, settings, Duration.ofSeconds(30)).client();
    }

    @Test
    void aFloodBeyondTheBoundIsAnsweredInFullNothingLost() throws Exception {
        final RingSettings settings = RingSettings.create(testKit.system()).withMaxInFlight(4).withMaxQueued(16);
        final RingClient ring = spawnRing("overload-ring", settings);
        final Path path = Files.write(dir.resolve("flood.bin"), new byte[64 * 1024]);
        final FileHandle file = ring.open(path, OpenOptions.readOnly()).toCompletableFuture().get(10, TimeUnit.SECONDS);

        final int requests = 5_000;
        final List<CompletableFuture<ByteString>> replies = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            replies.add(ring.read(file, (i % 16) * 4096L, 4096).toCompletableFuture());
        }
        int ok = 0;
        int overloaded = 0;
        for (CompletableFuture<ByteString> reply : replies) {
            try {
                assertEquals(4096, reply.get(30, TimeUnit.SECONDS).size());
                ok++;
            } catch (java.util.concurrent.ExecutionException e) {
                assertInstanceOf(RingOverloadedException.class, e.getCause());
                overloaded++;
            }
        }
        assertEquals(requests, ok + overloaded, "every request gets exactly one reply");
        assertTrue(overloaded > 0, "5000 requests against 4 slots and 16 queue places must overload");
        assertTrue(ok >= 20, "at least the slots and the queue are served: ok=" + ok);
        final RingStats stats = ring.stats().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(overloaded, stats.rejected());
        assertTrue(stats.inFlightMax() <= 4, stats.toString());
        assertEquals(0, stats.inFlight());
    }

    @Test
    void gracefulStopAnswersEveryRequestAndClosesEveryFd() throws Exception {
        final int fdsBefore = TestRings.openFds(false);
        final RingSettings settings = RingSettings.create(testKit.system()).withMaxInFlight(8).withMaxQueued(1000)
                .withStopTimeout(Duration.ofMillis(300));
        final TestRings.Spawned spawned = spawnOne(testKit, "stop-ring", settings, Duration.ofSeconds(30));
        final ActorRef<RingCommand> ref = spawned.ref();
        final RingClient ring = spawned.client();
        final Path path = Files.write(dir.resolve("stop.bin"), new byte[1 << 20]);
        final FileHandle file = ring.open(path, OpenOptions.readWrite()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        // A read of an empty FIFO never completes by itself: stop must cancel it.
        final FileHandle pipe = ring.open(fifo(dir, "stop-fifo"), OpenOptions.readWrite()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        final CompletableFuture<ByteString> stuck = ring.read(pipe, 0, 10).toCompletableFuture();
        final List<CompletableFuture<?>> replies = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            replies.add(ring.write(file, i * 1024L, ByteString.fromString("x".repeat(1024))).toCompletableFuture());
        }
        final TestProbe<StatusReply<Done>> stopped = testKit.createTestProbe();
        ref.tell(new RingCommand.Shutdown(stopped.getRef()));
        final CompletableFuture<ByteString> late = ring.read(file, 0, 10).toCompletableFuture();
        assertEquals(Done.getInstance(), stopped.receiveMessage(Duration.ofSeconds(10)).getValue());
        stopped.expectTerminated(ref, Duration.ofSeconds(5));

        int ok = 0;
        for (CompletableFuture<?> reply : replies) {
            try {
                reply.get(10, TimeUnit.SECONDS);
                ok++;
            } catch (java.util.concurrent.ExecutionException e) {
                assertInstanceOf(RingStoppedException.class, e.getCause());
            }
        }
        assertTrue(ok > 0, "writes already in flight complete normally");
        final Throwable stuckFailure = assertThrows(CompletionException.class, stuck::join).getCause();
        assertInstanceOf(RingStoppedException.class, stuckFailure);
        final Throwable lateFailure = assertThrows(CompletionException.class, late::join).getCause();
        assertInstanceOf(RingStoppedException.class, lateFailure);
        // Sent after the actor terminated: it becomes a dead letter, which is answered too.
        final Throwable afterStop = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> ring.read(file, 0, 10).toCompletableFuture().get(10, TimeUnit.SECONDS)).getCause();
        assertInstanceOf(RingStoppedException.class, afterStop);
        assertTrue(afterStop.getMessage().contains("not running"), afterStop.getMessage());
        assertEquals(fdsBefore, TestRings.openFds(false), "files and the ring fd are closed: " + describeFds());
    }

    @Test
    void abruptStopWithOpsInFlightAnswersThemAll() throws Exception {
        final int fdsBefore = TestRings.openFds(false);
        final RingSettings settings = RingSettings.create(testKit.system()).withStopTimeout(Duration.ofSeconds(2));
        final TestRings.Spawned spawned = spawnOne(testKit, "abrupt-ring", settings, Duration.ofSeconds(30));
        final ActorRef<RingCommand> ref = spawned.ref();
        final RingClient ring = spawned.client();
        final FileHandle pipe = ring.open(fifo(dir, "abrupt-fifo"), OpenOptions.readWrite()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        final List<CompletableFuture<ByteString>> stuck = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            stuck.add(ring.read(pipe, 0, 10).toCompletableFuture());
        }
        // Make sure they reached the kernel before stopping.
        final RingStats stats = ring.stats().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(20, stats.inFlight(), stats.toString());
        testKit.stop(ref, Duration.ofSeconds(10));
        for (CompletableFuture<ByteString> reply : stuck) {
            final Throwable failure = assertThrows(CompletionException.class, reply::join).getCause();
            assertInstanceOf(io.uringactor.ring.IoUringException.class, failure);
        }
        // The ring is released once the kernel gave the cancelled reads back: from the loop, after the actor.
        SafetyTestSupport.awaitCondition(Duration.ofSeconds(10), () -> "files and the ring fd are closed: " + describeFds(),
                () -> TestRings.openFds(false) == fdsBefore);
    }

    /** On its own ring event loop (the default) and on the pinned dispatcher (a name for it): no CPU while idle. */
    @ParameterizedTest
    @ValueSource(strings = {RingActor.RING_LOOP_DISPATCHER, RingActor.PINNED_DISPATCHER})
    void anIdleRingUsesNoCpu(String dispatcher) throws Exception {
        final String name = "idle-ring-" + dispatcher.substring(dispatcher.indexOf('.') + 1);
        final RingClient ring = spawnRing(name, RingSettings.create(testKit.system()).withDispatcher(dispatcher));
        final Path path = Files.write(dir.resolve(name), new byte[8192]);
        final FileHandle file = ring.open(path, OpenOptions.readOnly()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        ring.read(file, 0, 4096).toCompletableFuture().get(10, TimeUnit.SECONDS);
        Thread.sleep(200); // let the last replies settle
        final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        final List<Long> ringThreads = new ArrayList<>();
        final String threadName = dispatcher.substring(dispatcher.indexOf('.') + 1);
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().contains(threadName)) {
                ringThreads.add(t.getId());
            }
        }
        assertFalse(ringThreads.isEmpty(), "the ring actor's loop among "
                + Thread.getAllStackTraces().keySet().stream().map(Thread::getName).toList());
        final long before = cpu(mx, ringThreads);
        Thread.sleep(2000);
        final long used = cpu(mx, ringThreads) - before;
        assertTrue(used < TimeUnit.MILLISECONDS.toNanos(20), "idle ring threads used " + used / 1000 + " µs of CPU in 2 s");
    }

    /**
     * A stop that arrives as a system message (not through the mailbox's queue) while the ring sleeps with an op
     * in flight: the loop is woken by the stop's task, the op is answered and the ring stops.
     */
    @ParameterizedTest
    @ValueSource(strings = {RingActor.RING_LOOP_DISPATCHER, RingActor.PINNED_DISPATCHER})
    void aStopByTheSystemEndsASleepWithAnOpInFlight(String dispatcher) throws Exception {
        final String name = "sleeping-ring-" + dispatcher.substring(dispatcher.indexOf('.') + 1);
        final RingSettings settings = RingSettings.create(testKit.system()).withDispatcher(dispatcher);
        final TestRings.Spawned spawned = spawnOne(testKit, name, settings, Duration.ofSeconds(30));
        final ActorRef<RingCommand> ref = spawned.ref();
        final RingClient ring = spawned.client();
        final FileHandle pipe = ring.open(fifo(dir, name), OpenOptions.readWrite()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        final CompletableFuture<ByteString> stuck = ring.read(pipe, 0, 10).toCompletableFuture();
        assertEquals(1, ring.stats().toCompletableFuture().get(10, TimeUnit.SECONDS).inFlight());
        Thread.sleep(300); // the ring is asleep in io_uring_enter now
        testKit.stop(ref, Duration.ofSeconds(10)); // a system message, which reaches the loop as a task
        assertInstanceOf(RingStoppedException.class, assertThrows(CompletionException.class, stuck::join).getCause());
    }

    private static long cpu(ThreadMXBean mx, List<Long> ids) {
        long sum = 0;
        for (long id : ids) {
            sum += Math.max(0, mx.getThreadCpuTime(id));
        }
        return sum;
    }

    @Test
    void theExtensionGivesEachSystemOneRingStoppedByCoordinatedShutdown() throws Exception {
        final int fdsBefore = TestRings.openFds(false);
        final ActorTestKit own = ActorTestKit.create("extension-test");
        try {
            final RingExtension ext = RingExtension.get(own.system());
            assertSame(ext, RingExtension.get(own.system()));
            final Path path = Files.write(dir.resolve("ext.bin"), "hello ring".getBytes());
            final FileHandle file = ext.client().open(path, OpenOptions.readOnly()).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals("hello", ext.client().read(file, 0, 5).toCompletableFuture().get(10, TimeUnit.SECONDS).utf8String());
            // The file is left open on purpose: the shutdown task must close it and the ring.
            own.system().terminate();
            own.system().getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
            assertEquals(fdsBefore, TestRings.openFds(false), "CoordinatedShutdown stopped the ring and closed its files");
        } finally {
            own.shutdownTestKit();
        }
    }

    @Test
    void anActorBoundToOneFileServesItAsBound() throws Exception {
        final int fdsBefore = TestRings.openFds(false);
        final Path path = Files.write(dir.resolve("bound.bin"), "bound file".getBytes());
        final RingSettings settings = RingSettings.create(testKit.system());
        final ActorRef<RingCommand> ref = testKit.spawn(RingActor.createForFile(path, OpenOptions.readWrite(), settings),
                "bound-ring", RingActor.props(settings));
        final RingClient ring = RingClient.create(ref, testKit.system(), Duration.ofSeconds(10));
        assertEquals("bound", ring.read(FileHandle.BOUND, 0, 5).toCompletableFuture().get(10, TimeUnit.SECONDS).utf8String());
        assertEquals(4, ring.write(FileHandle.BOUND, 6, ByteString.fromString("FILE")).toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertEquals("bound FILE", Files.readString(path));
        final TestProbe<StatusReply<Done>> stopped = testKit.createTestProbe();
        ref.tell(new RingCommand.Shutdown(stopped.getRef()));
        assertEquals(Done.getInstance(), stopped.receiveMessage().getValue());
        stopped.expectTerminated(ref);
        assertEquals(fdsBefore, TestRings.openFds(false), "the bound file is closed at stop");
    }

    @Test
    void aBoundODirectFileGetsItsAlignmentFromItsDescriptor() throws Exception {
        final Path path = Files.write(dir.resolve("bound-direct.bin"), new byte[1 << 16]);
        final RingSettings settings = RingSettings.create(testKit.system());
        final ActorRef<RingCommand> ref = testKit.spawn(RingActor.createForFile(path, OpenOptions.readOnly().withDirect(),
                settings), "bound-direct-ring", RingActor.props(settings));
        final RingClient ring = RingClient.create(ref, testKit.system(), Duration.ofSeconds(10));
        final int alignment = io.uringactor.ring.AlignedBuffer.directIoAlignment(path);
        final Throwable unaligned = assertThrows(CompletionException.class, () -> ring.readBlock(FileHandle.BOUND, 1,
                io.uringactor.ring.AlignedBuffer.forDirectIo(path, alignment)).toCompletableFuture().join()).getCause();
        assertTrue(unaligned.getMessage().contains("aligned to " + alignment), unaligned.getMessage());
        assertEquals(alignment, ring.readBlock(FileHandle.BOUND, 0, io.uringactor.ring.AlignedBuffer.forDirectIo(path,
                alignment)).toCompletableFuture().get(10, TimeUnit.SECONDS).bytes());
        testKit.stop(ref, Duration.ofSeconds(10));
    }

    @Test
    void aBoundActorWhoseFileCannotOpenAnswersEveryRequestWithTheCause() {
        final RingSettings settings = RingSettings.create(testKit.system());
        final ActorRef<RingCommand> ref = testKit.spawn(RingActor.createForFile(dir.resolve("absent"),
                OpenOptions.readOnly(), settings), "bound-missing", RingActor.props(settings));
        final RingClient ring = RingClient.create(ref, testKit.system(), Duration.ofSeconds(10));
        final Throwable failure = assertThrows(ExecutionException.class,
                () -> ring.read(FileHandle.BOUND, 0, 10).toCompletableFuture().get(10, TimeUnit.SECONDS)).getCause();
        assertInstanceOf(RingStoppedException.class, failure);
        final ErrnoException cause = assertInstanceOf(ErrnoException.class, failure.getCause());
        assertEquals(Errno.ENOENT, cause.errno());
        assertTrue(cause.getMessage().contains("absent"), cause.getMessage());
    }

    /**
     * A ring is hosted by a ring event loop and nothing else: spawned on another dispatcher (here the
     * testkit's default, without {@link RingActor#props}) it opens no ring and answers every request with
     * a {@link RingStoppedException} that says where to spawn it.
     */
    @Test
    void aRingSpawnedOffARingEventLoopDoesNotStartAndSaysWhereToSpawnIt() throws Exception {
        final int fdsBefore = TestRings.openFds(false);
        final ActorRef<RingCommand> ref = testKit.spawn(RingActor.create(RingSettings.create(testKit.system())),
                "off-loop-ring");
        final RingClient ring = RingClient.create(ref, testKit.system(), Duration.ofSeconds(10));
        final Throwable failure = assertThrows(CompletionException.class,
                () -> ring.open(dir.resolve("any"), OpenOptions.readOnly()).toCompletableFuture().join()).getCause();
        final RingStoppedException stopped = assertInstanceOf(RingStoppedException.class, failure);
        assertTrue(stopped.getMessage().contains("could not start") && stopped.getMessage().contains("RingActor.props"),
                stopped.getMessage());
        assertInstanceOf(IllegalStateException.class, stopped.getCause());
        assertEquals(fdsBefore, TestRings.openFds(false), "no ring was opened: " + describeFds());
        testKit.stop(ref, Duration.ofSeconds(10));
    }

    /** Nor is a ring hosted by a dispatcher whose actors move between loops (a ring group's): it would leave its ring's thread. */
    @Test
    void aRingSpawnedOnTheLoopsSharedDispatcherDoesNotStartAndSaysWhy() throws Exception {
        final RingGroup group = RingGroup.spawn(testKit.system(), "shared-host", RingSettings.create(testKit.system())
                .withRegisterWithReceptionist(false), 2);
        final ActorRef<RingCommand> ref = testKit.spawn(RingActor.create(RingSettings.create(testKit.system())),
                "shared-loops-ring", group.dispatcher());
        final RingClient ring = RingClient.create(ref, testKit.system(), Duration.ofSeconds(10));
        final Throwable failure = assertThrows(CompletionException.class,
                () -> ring.open(dir.resolve("any"), OpenOptions.readOnly()).toCompletableFuture().join()).getCause();
        final RingStoppedException stopped = assertInstanceOf(RingStoppedException.class, failure);
        assertTrue(stopped.getMessage().contains("move between its 2 loops"), stopped.getMessage());
        testKit.stop(ref, Duration.ofSeconds(10));
        group.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void askFromAnotherActorWithAskPattern() throws Exception {
        final RingClient ring = spawnRing("ask-ring", RingSettings.create(testKit.system()));
        final Path path = Files.write(dir.resolve("ask.bin"), "pekko".getBytes());
        final FileHandle file = ring.open(path, OpenOptions.readOnly()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        final ByteString bytes = AskPattern.<RingCommand, ByteString>askWithStatus(ring.ring(),
                replyTo -> new RingCommand.Read(file, 0, 5, replyTo), Duration.ofSeconds(5), testKit.scheduler())
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals("pekko", bytes.utf8String());
    }
}
