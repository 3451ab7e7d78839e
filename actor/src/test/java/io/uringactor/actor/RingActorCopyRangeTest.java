package io.uringactor.actor;

import static io.uringactor.actor.TestRings.*;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.ring.ErrnoException;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/** {@link RingCommand.CopyRange} on real files, checked against FileChannel. */
class RingActorCopyRangeTest {
    private static final ActorTestKit testKit = ActorTestKit.create();
    private static ActorRef<RingCommand> ringActor;
    private static RingClient ring;

    @TempDir
    Path dir;

    @BeforeAll
    static void spawnRing() {
        final RingSettings settings = RingSettings.create(testKit.system()).withMaxIoSize(8 << 20);
        final TestRings.Spawned spawned = TestRings.spawn(testKit, "copy-ring", settings, Duration.ofSeconds(10));
        ringActor = spawned.ref();
        ring = spawned.client();
    }

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    @Test
    void copiesRangesOfSeveralSizesLikeFileChannel() throws IOException {
        // 3 MiB + 123 is larger than any pipe an unprivileged process gets (pipe-max-size is 1 MiB by default).
        for (int size : List.of(1, 4096, 100_003, (3 << 20) + 123)) {
            final Path in = randomFile(dir, "in-" + size + ".bin", size, size);
            final Path out = dir.resolve("out-" + size + ".bin");
            final FileHandle source = await(ring.open(in, OpenOptions.readOnly()));
            final FileHandle target = await(ring.open(out, OpenOptions.writeOnly().withCreate()));
            assertEquals(size, await(ring.copyRange(source, 0, target, 0, size)), "bytes copied of " + size);
            await(ring.close(source));
            await(ring.close(target));
            assertArrayEquals(Files.readAllBytes(in), Files.readAllBytes(out), "copy of " + size + " bytes");
        }
    }

    @Test
    void copiesBetweenUnalignedOffsetsAndStopsAtTheSourcesEnd() throws IOException {
        final Path in = randomFile(dir, "in.bin", 200_000, 7);
        final Path out = dir.resolve("out.bin");
        final FileHandle source = await(ring.open(in, OpenOptions.readOnly()));
        final FileHandle target = await(ring.open(out, OpenOptions.writeOnly().withCreate()));
        assertEquals(50_000, await(ring.copyRange(source, 12_345, target, 777, 50_000)));
        assertArrayEquals(oracleRead(in, 12_345, 50_000), oracleRead(out, 777, 50_000));
        // A range running past the end: what there is, then 0 at and past the end.
        assertEquals(200_000 - 150_001, await(ring.copyRange(source, 150_001, target, 100_000, 100_000)));
        assertArrayEquals(oracleRead(in, 150_001, 49_999), oracleRead(out, 100_000, 49_999));
        assertEquals(100_000 + 49_999, Files.size(out));
        assertEquals(0, await(ring.copyRange(source, 200_000, target, 0, 4096)));
        assertEquals(0, await(ring.copyRange(source, 1 << 30, target, 0, 4096)));
        assertEquals(0, await(ring.copyRange(source, 0, target, 0, 0)));
        await(ring.close(source));
        await(ring.close(target));
    }

    @Test
    void aCloseOfTheTargetWaitsForTheCopyInFlight() throws IOException {
        final int size = 6 << 20;
        final Path in = randomFile(dir, "big.bin", size, 3);
        final Path out = dir.resolve("big-copy.bin");
        final FileHandle source = await(ring.open(in, OpenOptions.readOnly()));
        final FileHandle target = await(ring.open(out, OpenOptions.writeOnly().withCreate()));
        final ConcurrentLinkedQueue<String> order = new ConcurrentLinkedQueue<>();
        final CompletableFuture<Integer> copy = ring.copyRange(source, 0, target, 0, size).toCompletableFuture();
        copy.whenComplete((n, e) -> order.add("copy"));
        final CompletableFuture<?> close = ring.close(target).toCompletableFuture();
        close.whenComplete((n, e) -> order.add("close"));
        final CompletableFuture<?> closeSource = ring.close(source).toCompletableFuture();
        assertEquals(size, copy.join());
        close.join();
        closeSource.join();
        assertEquals(List.of("copy", "close"), List.copyOf(order));
        assertArrayEquals(Files.readAllBytes(in), Files.readAllBytes(out));
    }

    @Test
    void refusesBadHandlesOffsetsLengthsAndTimeouts() throws IOException {
        final Path in = randomFile(dir, "in.bin", 10_000, 1);
        final FileHandle source = await(ring.open(in, OpenOptions.readOnly()));
        final FileHandle target = await(ring.open(dir.resolve("out.bin"), OpenOptions.writeOnly().withCreate()));
        final FileHandle closed = await(ring.open(in, OpenOptions.readOnly()));
        await(ring.close(closed));
        assertInstanceOf(InvalidRequestException.class, failure(ring.copyRange(closed, 0, target, 0, 10)));
        assertInstanceOf(InvalidRequestException.class, failure(ring.copyRange(source, 0, closed, 0, 10)));
        assertInstanceOf(InvalidRequestException.class, failure(ring.copyRange(new FileHandle(42), 0, target, 0, 10)));
        assertInstanceOf(InvalidRequestException.class, failure(ring.copyRange(source, -1, target, 0, 10)));
        assertInstanceOf(InvalidRequestException.class, failure(ring.copyRange(source, 0, target, -1, 10)));
        assertInstanceOf(InvalidRequestException.class, failure(ring.copyRange(source, 0, target, 0, -1)));
        assertInstanceOf(InvalidRequestException.class, failure(ring.copyRange(source, 0, target, 0, (8 << 20) + 1)));
        final TestProbe<StatusReply<Integer>> probe = testKit.createTestProbe();
        ringActor.tell(new RingCommand.CopyRange(source, 0, target, 0, 10, Duration.ofSeconds(1), probe.getRef()));
        assertInstanceOf(InvalidRequestException.class, probe.receiveMessage().getError());
        ringActor.tell(new RingCommand.CopyRange(source, 0, target, 0, 10, probe.getRef()));
        assertEquals(10, probe.receiveMessage().getValue());
        await(ring.close(source));
        await(ring.close(target));
    }

    @Test
    void anAppendOnlyTargetFailsWithEinvalWhichCopiersFallBackOn() throws IOException {
        final Path in = randomFile(dir, "in.bin", 10_000, 1);
        final FileHandle source = await(ring.open(in, OpenOptions.readOnly()));
        final FileHandle target = await(ring.open(dir.resolve("log.bin"), OpenOptions.writeOnly().withCreate()
                .withAppend()));
        final ErrnoException e = assertInstanceOf(ErrnoException.class,
                failure(ring.copyRange(source, 0, target, 0, 10_000)));
        assertEquals("EINVAL", e.errnoName());
        assertTrue(e.getMessage().contains("splice(pipe -> "), e.getMessage());
        await(ring.close(source));
        await(ring.close(target));
    }

    /**
     * Copies one after another reuse one pipe (the ring made a pipe per copy when it closed its free pipes
     * whenever nothing was in flight); a ring left idle closes its free pipes at its trim, a few seconds on.
     */
    @Test
    void copiesReuseTheirPipeAndAnIdleRingClosesIt() throws IOException, InterruptedException {
        final Path in = randomFile(dir, "in.bin", 300_000, 9);
        final FileHandle source = await(ring.open(in, OpenOptions.readOnly()));
        final FileHandle target = await(ring.open(dir.resolve("out.bin"), OpenOptions.writeOnly().withCreate()));
        final java.util.Set<String> others = pipes(); // the JVM's own (standard streams, ...)
        final java.util.Set<String> pipesSeen = new java.util.HashSet<>();
        for (int i = 0; i < 3; i++) {
            assertEquals(100_000, await(ring.copyRange(source, i * 100_000L, target, i * 100_000L, 100_000)));
            final java.util.Set<String> kept = pipes();
            kept.removeAll(others);
            assertEquals(1, kept.size(), "copy " + i + ": one pipe kept for the next copy: " + kept);
            pipesSeen.addAll(kept);
        }
        assertEquals(1, pipesSeen.size(), "every copy went through the same pipe: " + pipesSeen);
        // By the pipe itself: other tests' rings open and close fds meanwhile, so a count would drift.
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (pipes().containsAll(pipesSeen) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(pipes().containsAll(pipesSeen), "the idle ring closed its pipe " + pipesSeen);
        await(ring.close(source));
        await(ring.close(target));
        assertArrayEquals(Files.readAllBytes(in), Files.readAllBytes(dir.resolve("out.bin")));
    }

    /** The pipes this process has open, by inode ({@code pipe:[123]}). */
    private static java.util.Set<String> pipes() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    return ""; // closed while listing
                }
            }).filter(target -> target.startsWith("pipe:")).collect(java.util.stream.Collectors.toCollection(java.util.HashSet::new));
        }
    }

    @Test
    void aShutdownLetsACopyInFlightFinishThenClosesItsPipes() throws IOException, InterruptedException {
        final Path in = randomFile(dir, "in.bin", 4 << 20, 11);
        final long before = openFds(true);
        final RingSettings settings = RingSettings.create(testKit.system()).withMaxIoSize(8 << 20);
        final TestRings.Spawned stopping = spawnOne(testKit, "stopping-copy-ring", settings, Duration.ofSeconds(10));
        final RingClient client = stopping.client();
        final FileHandle source = await(client.open(in, OpenOptions.readOnly()));
        final FileHandle target = await(client.open(dir.resolve("out.bin"), OpenOptions.writeOnly().withCreate()));
        final CompletableFuture<Integer> copy = client.copyRange(source, 0, target, 0, 4 << 20).toCompletableFuture();
        final TestProbe<StatusReply<org.apache.pekko.Done>> stopped = testKit.createTestProbe();
        stopping.ref().tell(new RingCommand.Shutdown(stopped.getRef()));
        assertEquals(4 << 20, copy.join());
        assertTrue(stopped.receiveMessage(Duration.ofSeconds(10)).isSuccess());
        stopped.expectTerminated(stopping.ref(), Duration.ofSeconds(10));
        assertArrayEquals(Files.readAllBytes(in), Files.readAllBytes(dir.resolve("out.bin")));
        assertEquals(before, openFds(true), "the ring's files, pipes and ring are closed");
    }

    @Test
    void aTargetOpenedReadOnlyFailsWithTheSplicesErrno() throws IOException {
        final Path in = randomFile(dir, "in.bin", 10_000, 1);
        final Path out = randomFile(dir, "out.bin", 10, 2);
        final FileHandle source = await(ring.open(in, OpenOptions.readOnly()));
        final FileHandle target = await(ring.open(out, OpenOptions.readOnly()));
        final ErrnoException e = assertInstanceOf(ErrnoException.class,
                failure(ring.copyRange(source, 0, target, 0, 10_000)));
        assertEquals("EBADF", e.errnoName());
        assertTrue(e.getMessage().contains("splice"), e.getMessage());
        // The ring keeps serving copies afterwards, with a fresh pipe.
        final FileHandle writable = await(ring.open(dir.resolve("ok.bin"), OpenOptions.writeOnly().withCreate()));
        assertEquals(10_000, await(ring.copyRange(source, 0, writable, 0, 10_000)));
        await(ring.close(source));
        await(ring.close(target));
        await(ring.close(writable));
        assertArrayEquals(Files.readAllBytes(in), Files.readAllBytes(dir.resolve("ok.bin")));
    }

    /**
     * A range as large as the biggest pipe goes in one round (one file -> pipe SQE linked to one pipe -> file
     * SQE): the ring's pipes are sized to {@code pipe-max-size}, not left at the 64 KiB default (they once
     * were, through a misread of the /proc file, and every MiB took 16 rounds).
     */
    @Test
    void aPipeSizedRangeTakesOneRound() throws IOException {
        final int pipeMax = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/fs/pipe-max-size")).get(0).trim());
        final int length = Math.min(pipeMax, 1 << 20);
        final Path in = randomFile(dir, "one-round.bin", length, 11);
        final Path out = dir.resolve("one-round-copy.bin");
        final FileHandle source = await(ring.open(in, OpenOptions.readOnly()));
        final FileHandle target = await(ring.open(out, OpenOptions.writeOnly().withCreate()));
        await(ring.copyRange(source, 0, target, 0, length)); // a first copy makes the pipe; measure the next
        final long before = await(ring.stats()).submitted();
        assertEquals(length, await(ring.copyRange(source, 0, target, 0, length)));
        assertEquals(2, await(ring.stats()).submitted() - before, "one linked pair of splices for " + length + " bytes");
        await(ring.close(source));
        await(ring.close(target));
        assertArrayEquals(Files.readAllBytes(in), Files.readAllBytes(out));
    }
}
