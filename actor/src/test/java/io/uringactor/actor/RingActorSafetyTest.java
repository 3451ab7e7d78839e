package io.uringactor.actor;

import static io.uringactor.actor.SafetyTestSupport.*;
import static io.uringactor.actor.TestRings.fifo;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.ring.Errno;
import io.uringactor.ring.ErrnoException;

import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Safety of one ring actor in this JVM: raw asks around a Shutdown, Shutdown's StatusReply, closes under
 * overload, close after in-flight writes, malformed commands, a ring that fails to start, and a short
 * write's continuation keeping its timeout. Real io_uring on real temp files and FIFOs.
 */
class RingActorSafetyTest {
    private static final Duration REPLY = Duration.ofSeconds(10);
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(30);

    private static final ActorTestKit testKit = ActorTestKit.create("RingActorSafetyTest");

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static ActorRef<RingCommand> spawnRing(String name, RingSettings settings) {
        return TestRings.spawnRef(testKit, name, settings);
    }

    private static RingSettings defaults() {
        return RingSettings.create(testKit.system()).withRegisterWithReceptionist(false);
    }

    private static <T> CompletableFuture<T> ask(ActorRef<RingCommand> ring,
                                                Function<ActorRef<StatusReply<T>>, RingCommand> command,
                                                Duration timeout) {
        return AskPattern.askWithStatus(ring, command::apply, timeout, testKit.scheduler()).toCompletableFuture();
    }

    private static byte[] random(int n, long seed) {
        final byte[] bytes = new byte[n];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    // ------------------------------------------------------------------------------------------ item 2

    /**
     * 4,000 plain asks of Read on an open file, a Shutdown sent after the first 2,000: every ask gets a reply
     * (data or RingStoppedException), none times out. To have asks still waiting in the ring's mailbox when it
     * stops, the ring's thread is held (in the callback of a FIFO read's future, which RingClient completes on
     * the ring's thread) while the Shutdown and the last 2,000 asks are sent; nothing is in flight then, so the
     * ring stops at the Shutdown with those asks in its mailbox.
     */
    @Test
    void rawAsksAroundAShutdownAreAllAnswered() throws Exception {
        final ActorRef<RingCommand> ring = spawnRing("raw-shutdown-ring", defaults());
        final RingClient client = RingClient.create(ring, testKit.system(), ASK_TIMEOUT);
        final Path path = Files.write(dir.resolve("raw.bin"), random(64 * 1024, 21));
        final Path fifo = fifo(dir, "raw-shutdown-fifo");
        final FileHandle file = await(ask(ring, r -> new RingCommand.Open(path.toString(), OpenOptions.readOnly(), r),
                REPLY), REPLY, "open");
        final FileHandle pipe = await(client.open(fifo, OpenOptions.readWrite()), REPLY, "open fifo");
        final TestProbe<StatusReply<Done>> stopped = testKit.createTestProbe();

        final int requests = 4_000;
        final List<CompletableFuture<ByteString>> replies = new ArrayList<>(requests);
        for (int i = 0; i < requests / 2; i++) {
            final long offset = (i % 16) * 4096L;
            replies.add(ask(ring, r -> new RingCommand.Read(file, offset, 4096, r), ASK_TIMEOUT));
        }
        final Outcomes first = classify(replies, Duration.ofSeconds(15), bytes -> bytes.size() == 4096);
        assertEquals(requests / 2, first.count("ok"), "the reads before the Shutdown are served: " + first);

        // Hold the ring's thread: a FIFO read whose completion callback waits for the test.
        final java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        final String[] heldThread = new String[1];
        final CompletableFuture<ByteString> holder = client.read(pipe, 0, 1).toCompletableFuture();
        final CompletableFuture<Void> heldDone = holder.thenRun(() -> {
            heldThread[0] = Thread.currentThread().getName();
            held.countDown();
            try {
                release.await(REPLY.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (FileChannel writer = FileChannel.open(fifo, StandardOpenOption.WRITE)) {
            writer.write(ByteBuffer.wrap(new byte[] {42}));
        }
        assertTrue(held.await(REPLY.toMillis(), TimeUnit.MILLISECONDS), "the FIFO read completed on the ring's thread");
        try {
            ring.tell(new RingCommand.Shutdown(stopped.getRef()));
            for (int i = requests / 2; i < requests; i++) {
                final long offset = (i % 16) * 4096L;
                replies.add(ask(ring, r -> new RingCommand.Read(file, offset, 4096, r), ASK_TIMEOUT));
            }
        } finally {
            release.countDown();
        }
        await(heldDone, REPLY, "the holding callback (ran on " + heldThread[0] + ")");

        final Outcomes outcomes = classify(replies, Duration.ofSeconds(15), bytes -> bytes.size() == 4096);
        assertEquals(0, outcomes.unanswered, "every ask around a Shutdown gets a reply: " + outcomes);
        assertEquals(requests, outcomes.count("ok") + outcomes.count("RingStoppedException"),
                "replies are data or RingStoppedException only: " + outcomes);
        assertEquals(requests / 2, outcomes.count("RingStoppedException"),
                "the asks behind the Shutdown are refused as stopped: " + outcomes);
        final StatusReply<Done> stopReply = stopped.receiveMessage(REPLY);
        assertTrue(stopReply.isSuccess(), "the Shutdown's reply: " + stopReply);
    }

    /**
     * Plain asks sent after the ring stopped (it replied to the Shutdown) fail at once, not after the ask
     * timeout (30 s). Pekko's typed ask to a local actor it knows terminated fails by itself, at once, with
     * {@code TimeoutException("Recipient ... had already been terminated")}, without sending anything; a tell
     * with a replyTo gets RingStoppedException from the dead-letter guard. The same check from another node
     * (always RingStoppedException) is in RingActorClusterSafetyTest.
     */
    @Test
    void rawAsksAfterTheRingStoppedFailAtOnce() throws Exception {
        final ActorRef<RingCommand> ring = spawnRing("raw-stopped-ring", defaults());
        final Path path = Files.write(dir.resolve("raw-stopped.bin"), random(8192, 22));
        final FileHandle file = await(ask(ring, r -> new RingCommand.Open(path.toString(), OpenOptions.readOnly(), r),
                REPLY), REPLY, "open");
        final TestProbe<StatusReply<Done>> stopped = testKit.createTestProbe();
        ring.tell(new RingCommand.Shutdown(stopped.getRef()));
        final StatusReply<Done> stopReply = stopped.receiveMessage(REPLY);
        assertTrue(stopReply.isSuccess(), "the Shutdown's reply: " + stopReply);

        for (int i = 0; i < 50; i++) {
            assertRefusedAsStopped(ask(ring, (ActorRef<StatusReply<ByteString>> r) ->
                    new RingCommand.Read(file, 0, 10, r), ASK_TIMEOUT), "read #" + i + " sent after the ring stopped");
        }
        assertRefusedAsStopped(ask(ring, (ActorRef<StatusReply<FileHandle>> r) -> new RingCommand.Open(
                path.toString(), OpenOptions.readOnly(), r), ASK_TIMEOUT), "open sent after the ring stopped");
        // A tell with a replyTo (no ask pattern in between) reaches the dead letters, which are answered.
        final TestProbe<StatusReply<ByteString>> replyTo = testKit.createTestProbe();
        ring.tell(new RingCommand.Read(file, 0, 10, replyTo.getRef()));
        final StatusReply<ByteString> told = replyTo.receiveMessage(REPLY);
        assertInstanceOf(RingStoppedException.class, told.getError(), "a tell to a stopped ring: " + told);
    }

    /**
     * The ask failed well before its 30 s timeout: with RingStoppedException from the dead-letter guard,
     * or with Pekko's own immediate refusal of an ask to a local actor it knows terminated.
     */
    private static void assertRefusedAsStopped(CompletionStage<?> ask, String what) throws Exception {
        final Throwable failure;
        try {
            ask.toCompletableFuture().get(REPLY.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError(what + ": succeeded");
        } catch (java.util.concurrent.ExecutionException e) {
            failure = unwrap(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError(what + ": no reply within " + REPLY + " (ask timeout " + ASK_TIMEOUT + ")", e);
        }
        final boolean pekkoRefusedAtOnce = failure instanceof java.util.concurrent.TimeoutException
                && String.valueOf(failure.getMessage()).contains("had already been terminated");
        assertTrue(failure instanceof RingStoppedException || pekkoRefusedAtOnce, what + ": " + failure);
    }

    /**
     * (Beyond the numbered items.) A completion that the kernel posts late (a read of FIFO A, its data
     * written after it was submitted) is answered while requests that take no SQE keep arriving, not only
     * once the mailbox runs empty. Deterministic: the ring's thread is held in the callback of a read of FIFO
     * B (RingClient completes futures on the ring's thread) while 50,000 reads on a forged handle (refused
     * without an SQE) are queued in its mailbox and FIFO A gets its data; then it is let go. With
     * DEFER_TASKRUN a late completion is posted only by an io_uring_enter(GETEVENTS), which the ring makes
     * only when it has something to submit or nothing to read in its mailbox: A's read must be answered
     * before half of the 50,000 refusals. (Both counters are touched on the ring's thread only.)
     */
    @Test
    void aLateCompletionIsAnsweredWhileRefusedRequestsKeepComing() throws Exception {
        final ActorRef<RingCommand> ref = spawnRing("late-completion-ring", defaults());
        final RingClient ring = RingClient.create(ref, testKit.system(), ASK_TIMEOUT);
        final Path fifoA = fifo(dir, "late-a");
        final Path fifoB = fifo(dir, "late-b");
        final FileHandle a = await(ring.open(fifoA, OpenOptions.readWrite()), REPLY, "open fifo A");
        final FileHandle b = await(ring.open(fifoB, OpenOptions.readWrite()), REPLY, "open fifo B");
        final AtomicInteger floodAnswered = new AtomicInteger();
        final AtomicInteger floodAnsweredAtLate = new AtomicInteger(-1);
        final CompletableFuture<ByteString> late = ring.read(a, 0, 10).toCompletableFuture()
                .whenComplete((bytes, e) -> floodAnsweredAtLate.set(floodAnswered.get()));

        final java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        final CompletableFuture<Void> holder = ring.read(b, 0, 1).toCompletableFuture().thenRun(() -> {
            held.countDown();
            try {
                release.await(REPLY.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        awaitCondition(REPLY, () -> "both FIFO reads in flight: " + stats(ring), () -> stats(ring).inFlight() == 2);
        try (FileChannel writerB = FileChannel.open(fifoB, StandardOpenOption.WRITE)) {
            writerB.write(ByteBuffer.wrap(new byte[] {1}));
        }
        assertTrue(held.await(REPLY.toMillis(), TimeUnit.MILLISECONDS), "FIFO B's read completed on the ring's thread");
        final int flood = 50_000;
        final List<CompletableFuture<ByteString>> replies = new ArrayList<>(flood);
        try {
            final FileHandle forged = new FileHandle(a.id() ^ (1L << 40));
            for (int i = 0; i < flood; i++) {
                replies.add(ring.read(forged, 0, 10).toCompletableFuture()
                        .whenComplete((bytes, e) -> floodAnswered.incrementAndGet()));
            }
            try (FileChannel writerA = FileChannel.open(fifoA, StandardOpenOption.WRITE)) {
                writerA.write(ByteBuffer.wrap("0123456789".getBytes()));
            }
        } finally {
            release.countDown();
        }
        await(holder, REPLY, "the holding callback");
        final Outcomes outcomes = classify(replies, Duration.ofSeconds(30), bytes -> false);
        assertEquals(flood, outcomes.count("InvalidRequestException"), outcomes.toString());
        assertEquals("0123456789", await(late, REPLY, "the late read").utf8String());
        assertTrue(floodAnsweredAtLate.get() < flood / 2, "FIFO A's read (its data there before the ring went on) "
                + "was answered only after " + floodAnsweredAtLate.get() + " of " + flood
                + " refused requests queued behind it had been answered");
    }

    // ------------------------------------------------------------------------------------------ item 3

    /** Shutdown replies StatusReply<Done>: two concurrent stoppers are both told Done, then the ring is gone. */
    @Test
    void shutdownRepliesStatusReplyDone() throws Exception {
        final ActorRef<RingCommand> ring = spawnRing("status-shutdown-ring", defaults());
        final Path path = Files.write(dir.resolve("shutdown.bin"), random(8192, 3));
        final FileHandle file = await(ask(ring, r -> new RingCommand.Open(path.toString(), OpenOptions.readOnly(), r),
                REPLY), REPLY, "open");
        final List<CompletableFuture<ByteString>> reads = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            reads.add(ask(ring, r -> new RingCommand.Read(file, 0, 4096, r), ASK_TIMEOUT));
        }
        final CompletableFuture<Done> first = ask(ring, RingCommand.Shutdown::new, REPLY);
        final TestProbe<StatusReply<Done>> second = testKit.createTestProbe();
        ring.tell(new RingCommand.Shutdown(second.getRef()));

        assertSame(Done.getInstance(), await(first, REPLY, "askWithStatus(Shutdown)"));
        final StatusReply<Done> reply = second.receiveMessage(REPLY);
        assertTrue(reply.isSuccess(), "the second stopper's reply: " + reply);
        assertSame(Done.getInstance(), reply.getValue());
        final Outcomes outcomes = classify(reads, REPLY, bytes -> bytes.size() == 4096);
        assertEquals(0, outcomes.unanswered, outcomes.toString());
        final RingClient client = RingClient.create(ring, testKit.system(), ASK_TIMEOUT);
        assertInstanceOf(RingStoppedException.class, failureOf(client.read(file, 0, 10), REPLY,
                "a read after both Shutdowns replied"));
    }

    // ------------------------------------------------------------------------------------------ item 5

    /**
     * Opens nearly as many files as the fd limit allows (up to 20,000) through a ring with max-queued=64,
     * then closes them all at once: no close is refused as overloaded and every fd is gone afterwards.
     */
    @Test
    void closesAreNeverRefusedAsOverload() throws Exception {
        final RingSettings settings = defaults().withMaxQueued(64);
        final ActorRef<RingCommand> ref = spawnRing("close-flood-ring", settings);
        final RingClient ring = RingClient.create(ref, testKit.system(), ASK_TIMEOUT);
        await(ring.stats(), REPLY, "stats"); // the ring is up: its own fds are open

        final long limit = openFileLimit();
        final int fdsBefore = fdTargets().size();
        final int files = (int) Math.min(20_000, limit - fdsBefore - 400);
        assertTrue(files >= 2_000, "fd limit " + limit + " with " + fdsBefore + " open leaves too few fds: " + files);
        final Path sub = Files.createDirectory(dir.resolve("many"));
        final List<Path> paths = new ArrayList<>(files);
        for (int i = 0; i < files; i++) {
            paths.add(Files.write(sub.resolve("f" + i), new byte[] {(byte) i}));
        }

        // Open in windows that fit max-in-flight: the opens themselves must not be refused.
        final List<FileHandle> handles = new ArrayList<>(files);
        final int window = settings.maxInFlight();
        for (int at = 0; at < files; at += window) {
            final List<CompletableFuture<FileHandle>> opens = new ArrayList<>();
            for (int i = at; i < Math.min(files, at + window); i++) {
                opens.add(ring.open(paths.get(i), OpenOptions.readOnly()).toCompletableFuture());
            }
            for (CompletableFuture<FileHandle> open : opens) {
                handles.add(await(open, REPLY, "open #" + handles.size()));
            }
        }
        assertEquals(files, fdsUnder(sub), "every open holds one fd");

        final List<CompletableFuture<Done>> closes = new ArrayList<>(files);
        for (FileHandle handle : handles) {
            closes.add(ring.close(handle).toCompletableFuture());
        }
        final Outcomes outcomes = classify(closes, Duration.ofSeconds(30), done -> done == Done.getInstance());
        assertEquals(files, outcomes.count("ok"), "every one of " + files + " closes sent at once succeeds (max-queued="
                + settings.maxQueued() + "): " + outcomes);
        assertEquals(0, fdsUnder(sub), "no fd of the closed files is left");
        final int fdsAfter = fdTargets().size();
        assertTrue(fdsAfter <= fdsBefore + 8, "the process' fd count returns to its value before: before=" + fdsBefore
                + ", after=" + fdsAfter);
        final RingStats stats = await(ring.stats(), REPLY, "stats");
        assertEquals(0, stats.rejected(), "nothing refused as overloaded: " + stats);
        await(ring.close(await(ring.open(paths.get(0), OpenOptions.readOnly()), REPLY, "open after")), REPLY,
                "the ring still serves");
    }

    // ------------------------------------------------------------------------------------------ item 6

    /**
     * 64 atomic (4 KiB = PIPE_BUF) writes to a FIFO whose pipe holds 16 of them: 48 stay in flight. A Close
     * sent then completes only after every write has; all bytes arrive; the handle is dead afterwards.
     */
    @Test
    void closeWaitsForTheWritesInFlightOnAFifo() throws Exception {
        final ActorRef<RingCommand> ref = spawnRing("close-fifo-ring", defaults());
        final RingClient ring = RingClient.create(ref, testKit.system(), ASK_TIMEOUT);
        final Path fifo = fifo(dir, "close-fifo");
        final FileHandle pipe = await(ring.open(fifo, OpenOptions.readWrite()), REPLY, "open fifo");
        // The ring holds a writer, so opening the read side does not block.
        final FileChannel reader = FileChannel.open(fifo, StandardOpenOption.READ);
        final ExecutorService drainer = Executors.newSingleThreadExecutor();
        try {
            final int chunk = 4096;
            final int writes = 64;
            final AtomicInteger sequence = new AtomicInteger();
            final int[] writeDoneAt = new int[writes];
            final List<CompletableFuture<Integer>> replies = new ArrayList<>();
            for (int i = 0; i < writes; i++) {
                final int index = i;
                replies.add(ring.write(pipe, 0, ByteString.fromArrayUnsafe(chunkOf(index, chunk))).toCompletableFuture()
                        .whenComplete((n, e) -> writeDoneAt[index] = sequence.incrementAndGet()));
            }
            // Wait until the pipe is full and the rest of the writes sit in the kernel.
            awaitCondition(REPLY, () -> "writes done=" + countDone(replies) + ", stats=" + stats(ring),
                    () -> {
                        final RingStats s = stats(ring);
                        return s.inFlight() > 0 && s.inFlight() + countDone(replies) == writes;
                    });
            final int inFlightAtClose = stats(ring).inFlight();
            final int[] closeDoneAt = new int[1];
            final CompletableFuture<Done> close = ring.close(pipe).toCompletableFuture()
                    .whenComplete((d, e) -> closeDoneAt[0] = sequence.incrementAndGet());

            final Future<byte[]> drained = drainer.submit(() -> {
                final ByteBuffer all = ByteBuffer.allocate(writes * chunk);
                while (all.hasRemaining()) {
                    reader.read(all);
                }
                return all.array();
            });
            final byte[] bytes;
            try {
                bytes = drained.get(REPLY.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                reader.close(); // ends the blocked read
                throw new AssertionError("the FIFO did not deliver " + writes * chunk + " bytes; writes done="
                        + countDone(replies) + ", close done=" + close.isDone(), e);
            }
            for (int i = 0; i < writes; i++) {
                assertEquals(chunk, await(replies.get(i), REPLY, "write #" + i), "write #" + i);
            }
            assertSame(Done.getInstance(), await(close, REPLY, "close"));
            final int lastWrite = Arrays.stream(writeDoneAt).max().orElse(0);
            assertTrue(closeDoneAt[0] > lastWrite, "the close (sent with " + inFlightAtClose
                    + " writes in flight) completed as #" + closeDoneAt[0] + ", before the last write (#" + lastWrite + ")");
            final BitSet seen = new BitSet();
            for (int at = 0; at < bytes.length; at += chunk) {
                final int index = ByteBuffer.wrap(bytes, at, 4).getInt();
                assertTrue(index >= 0 && index < writes && !seen.get(index), "chunk at " + at + " has index " + index);
                assertArrayEquals(chunkOf(index, chunk), Arrays.copyOfRange(bytes, at, at + chunk), "chunk " + index);
                seen.set(index);
            }
            assertEquals(writes, seen.cardinality(), "every write's bytes went through the FIFO");

            assertInstanceOf(InvalidRequestException.class, failureOf(ring.write(pipe, 0, ByteString.fromString("x")),
                    REPLY, "write after close"));
            assertInstanceOf(InvalidRequestException.class, failureOf(ring.read(pipe, 0, 1), REPLY, "read after close"));
            assertInstanceOf(InvalidRequestException.class, failureOf(ring.close(pipe), REPLY, "second close"));
        } finally {
            drainer.shutdownNow();
            reader.close();
        }
    }

    /**
     * 128 O_DSYNC writes of 64 KiB to a regular file followed at once by a Close: the close completes after
     * every write, every byte is in the file (read back with a FileChannel), and the handle is dead.
     */
    @Test
    void closeWaitsForTheWritesInFlightOnARegularFile() throws Exception {
        final ActorRef<RingCommand> ref = spawnRing("close-file-ring", defaults());
        final RingClient ring = RingClient.create(ref, testKit.system(), ASK_TIMEOUT);
        final Path path = dir.resolve("close-writes.bin");
        final FileHandle file = await(ring.open(path, OpenOptions.readWrite().withCreate().withDsync()), REPLY, "open");
        final int chunk = 64 * 1024;
        final int writes = 128;
        final byte[] content = random(chunk * writes, 6);
        final AtomicInteger sequence = new AtomicInteger();
        final int[] writeDoneAt = new int[writes];
        final List<CompletableFuture<Integer>> replies = new ArrayList<>();
        for (int i = 0; i < writes; i++) {
            final int index = i;
            replies.add(ring.write(file, (long) i * chunk, ByteString.fromArray(content, i * chunk, chunk))
                    .toCompletableFuture().whenComplete((n, e) -> writeDoneAt[index] = sequence.incrementAndGet()));
        }
        final int[] closeDoneAt = new int[1];
        final CompletableFuture<Done> close = ring.close(file).toCompletableFuture()
                .whenComplete((d, e) -> closeDoneAt[0] = sequence.incrementAndGet());
        for (int i = 0; i < writes; i++) {
            assertEquals(chunk, await(replies.get(i), REPLY, "write #" + i));
        }
        assertSame(Done.getInstance(), await(close, REPLY, "close"));
        final int lastWrite = Arrays.stream(writeDoneAt).max().orElse(0);
        assertTrue(closeDoneAt[0] > lastWrite, "the close completed as #" + closeDoneAt[0]
                + ", before the last write (#" + lastWrite + ")");
        try (FileChannel oracle = FileChannel.open(path, StandardOpenOption.READ)) {
            assertEquals(content.length, oracle.size(), "file size");
            final ByteBuffer onDisk = ByteBuffer.allocate(content.length);
            while (onDisk.hasRemaining() && oracle.read(onDisk) > 0) {
                // read it all
            }
            assertArrayEquals(content, onDisk.array(), "the file holds every write's bytes");
        }
        assertInstanceOf(InvalidRequestException.class, failureOf(ring.read(file, 0, 1), REPLY, "read after close"));
        assertInstanceOf(InvalidRequestException.class, failureOf(ring.write(file, 0, ByteString.fromString("x")),
                REPLY, "write after close"));
    }

    /**
     * A Close waiting for writes that cannot finish (a full FIFO nobody reads) when the ring is shut down
     * (stop-timeout 300 ms): the writes and the Close are each answered (RingStoppedException, or Done for the
     * close), the Shutdown replies Done, and no fd of the test's files is left open.
     */
    @Test
    void aCloseWaitingForStuckWritesIsAnsweredAtShutdown() throws Exception {
        final ActorRef<RingCommand> ref = spawnRing("close-at-stop-ring", defaults().withStopTimeout(Duration.ofMillis(300)));
        final RingClient ring = RingClient.create(ref, testKit.system(), ASK_TIMEOUT);
        final Path fifo = fifo(dir, "close-at-stop-fifo");
        final FileHandle pipe = await(ring.open(fifo, OpenOptions.readWrite()), REPLY, "open fifo");
        final List<CompletableFuture<Integer>> writes = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            writes.add(ring.write(pipe, 0, ByteString.fromArrayUnsafe(chunkOf(i, 4096))).toCompletableFuture());
        }
        awaitCondition(REPLY, () -> "writes stuck on the full FIFO: " + stats(ring),
                () -> stats(ring).inFlight() > 0 && stats(ring).inFlight() + countDone(writes) == 32);
        final CompletableFuture<Done> close = ring.close(pipe).toCompletableFuture();
        final TestProbe<StatusReply<Done>> stopped = testKit.createTestProbe();
        ref.tell(new RingCommand.Shutdown(stopped.getRef()));
        final StatusReply<Done> stopReply = stopped.receiveMessage(REPLY);
        assertTrue(stopReply.isSuccess(), "the Shutdown's reply: " + stopReply);

        final Outcomes outcomes = classify(writes, REPLY, n -> n == 4096);
        assertEquals(0, outcomes.unanswered, "every write is answered: " + outcomes);
        assertEquals(32, outcomes.count("ok") + outcomes.count("RingStoppedException"), outcomes.toString());
        assertTrue(outcomes.count("RingStoppedException") > 0, "the stuck writes were stopped: " + outcomes);
        try {
            await(close, REPLY, "the pending close");
        } catch (AssertionError e) {
            assertInstanceOf(RingStoppedException.class, e.getCause(), "the pending close's answer: " + e.getCause());
        }
        stopped.expectTerminated(ref, REPLY);
        assertEquals(0, fdsUnder(dir), "no fd of the test's files is left open: " + fdTargets());
    }

    /**
     * A Close waiting for FIFO writes that end by their own timeout (300 ms): the writes fail with
     * RingTimeoutException, then the close completes and the FIFO's fd is closed while the ring runs on.
     */
    @Test
    void aCloseWaitingForWritesThatTimeOutCompletesAfterThem() throws Exception {
        final ActorRef<RingCommand> ref = spawnRing("close-after-timeout-ring", defaults());
        final RingClient ring = RingClient.create(ref, testKit.system(), ASK_TIMEOUT);
        final Path fifo = fifo(dir, "close-after-timeout-fifo");
        final FileHandle pipe = await(ring.open(fifo, OpenOptions.readWrite()), REPLY, "open fifo");
        final List<CompletableFuture<Integer>> writes = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            final int index = i;
            writes.add(ask(ref, (ActorRef<StatusReply<Integer>> r) -> new RingCommand.Write(pipe, 0,
                    ByteString.fromArrayUnsafe(chunkOf(index, 4096)), Duration.ofMillis(300), r), ASK_TIMEOUT));
        }
        awaitCondition(REPLY, () -> "writes stuck on the full FIFO: " + stats(ring),
                () -> stats(ring).inFlight() > 0 && stats(ring).inFlight() + countDone(writes) == 32);
        final CompletableFuture<Done> close = ring.close(pipe).toCompletableFuture();
        assertSame(Done.getInstance(), await(close, REPLY, "the close after the writes' timeouts"));
        final Outcomes outcomes = classify(writes, REPLY, n -> n == 4096);
        assertEquals(0, outcomes.unanswered, outcomes.toString());
        assertEquals(32, outcomes.count("ok") + outcomes.count("RingTimeoutException"), outcomes.toString());
        assertTrue(outcomes.count("RingTimeoutException") > 0, "the stuck writes timed out: " + outcomes);
        assertEquals(0, fdsUnder(dir), "the FIFO's fd is closed: " + fdTargets());
        assertEquals(0, stats(ring).inFlight(), stats(ring).toString());
    }

    /**
     * Closes of both files of a 16 MiB CopyRange in flight (many splice rounds) complete only after the copy
     * has, the copy is whole (checked with a FileChannel), and the handles are dead afterwards.
     */
    @Test
    void closesOfACopysFilesWaitForTheCopy() throws Exception {
        final ActorRef<RingCommand> ref = spawnRing("close-copy-ring", defaults());
        final RingClient ring = RingClient.create(ref, testKit.system(), ASK_TIMEOUT);
        final int size = 16 << 20;
        final byte[] content = random(size, 10);
        final Path source = Files.write(dir.resolve("copy-source.bin"), content);
        final Path target = dir.resolve("copy-target.bin");
        final FileHandle in = await(ring.open(source, OpenOptions.readOnly()), REPLY, "open source");
        final FileHandle out = await(ring.open(target, OpenOptions.readWrite().withCreate()), REPLY, "open target");
        final AtomicInteger sequence = new AtomicInteger();
        final int[] doneAt = new int[3];
        final CompletableFuture<Integer> copy = ring.copyRange(in, 0, out, 0, size).toCompletableFuture()
                .whenComplete((n, e) -> doneAt[0] = sequence.incrementAndGet());
        final CompletableFuture<Done> closeTarget = ring.close(out).toCompletableFuture()
                .whenComplete((d, e) -> doneAt[1] = sequence.incrementAndGet());
        final CompletableFuture<Done> closeSource = ring.close(in).toCompletableFuture()
                .whenComplete((d, e) -> doneAt[2] = sequence.incrementAndGet());
        assertEquals(size, await(copy, Duration.ofSeconds(20), "the copy"));
        assertSame(Done.getInstance(), await(closeTarget, REPLY, "close of the target"));
        assertSame(Done.getInstance(), await(closeSource, REPLY, "close of the source"));
        assertTrue(doneAt[1] > doneAt[0] && doneAt[2] > doneAt[0], "the closes completed after the copy: copy #"
                + doneAt[0] + ", close target #" + doneAt[1] + ", close source #" + doneAt[2]);
        try (FileChannel oracle = FileChannel.open(target, StandardOpenOption.READ)) {
            final ByteBuffer copied = ByteBuffer.allocate(size);
            while (copied.hasRemaining() && oracle.read(copied) > 0) {
                // read it all
            }
            assertEquals(size, oracle.size(), "target size");
            assertTrue(Arrays.equals(content, copied.array()), "the target holds the whole source");
        }
        assertInstanceOf(InvalidRequestException.class, failureOf(ring.copyRange(in, 0, out, 0, 10), REPLY,
                "a copy between closed handles"));
        assertEquals(0, fdsUnder(dir), "both files are closed: " + fdTargets());
    }

    private static byte[] chunkOf(int index, int size) {
        final byte[] bytes = new byte[size];
        Arrays.fill(bytes, (byte) (index * 7 + 1));
        ByteBuffer.wrap(bytes).putInt(0, index);
        return bytes;
    }

    private static int countDone(List<? extends CompletableFuture<?>> futures) {
        int n = 0;
        for (CompletableFuture<?> f : futures) {
            if (f.isDone()) {
                n++;
            }
        }
        return n;
    }

    private static RingStats stats(RingClient ring) {
        return await(ring.stats(), REPLY, "stats");
    }

    // ------------------------------------------------------------------------------------------ item 7

    /**
     * Malformed commands, raw and through RingClient: each with a replyTo is refused with
     * InvalidRequestException, those without one (GetStats(null), Shutdown(null), ...) are dropped, and the
     * ring still serves a normal read afterwards.
     */
    @Test
    void malformedCommandsAreRefusedAndTheRingKeepsServing() throws Exception {
        final ActorRef<RingCommand> ring = spawnRing("malformed-ring", defaults());
        final RingClient client = RingClient.create(ring, testKit.system(), REPLY);
        final byte[] content = random(8192, 7);
        final Path path = Files.write(dir.resolve("malformed.bin"), content);
        final FileHandle file = await(client.open(path, OpenOptions.readWrite()), REPLY, "open");

        // No replyTo: dropped, and the ring goes on.
        ring.tell(new RingCommand.GetStats(null));
        ring.tell(new RingCommand.Shutdown(null));
        ring.tell(new RingCommand.Read(null, 0, 10, null));
        ring.tell(new RingCommand.Read(file, 0, -1, null));
        ring.tell(new RingCommand.Open(null, null, null));
        ring.tell(new RingCommand.Close(null, null));
        ring.tell(new RingCommand.Write(file, 0, null, null));
        ring.tell(new RingCommand.ReadV(file, 0, null, null));

        final List<String> names = new ArrayList<>();
        final List<CompletionStage<?>> refused = new ArrayList<>();
        names.add("Read(null handle)");
        refused.add(ask(ring, (ActorRef<StatusReply<ByteString>> r) -> new RingCommand.Read(null, 0, 10, r), REPLY));
        names.add("Write(null data)");
        refused.add(ask(ring, (ActorRef<StatusReply<Integer>> r) -> new RingCommand.Write(file, 0, null, r), REPLY));
        names.add("Open(null, null)");
        refused.add(ask(ring, (ActorRef<StatusReply<FileHandle>> r) -> new RingCommand.Open(null, null, r), REPLY));
        names.add("ReadV(null list)");
        refused.add(ask(ring, (ActorRef<StatusReply<List<ByteString>>> r) -> new RingCommand.ReadV(file, 0, null, r), REPLY));
        names.add("ReadV(list with null)");
        refused.add(ask(ring, (ActorRef<StatusReply<List<ByteString>>> r) -> new RingCommand.ReadV(file, 0,
                Arrays.asList(4, null, 4), r), REPLY));
        names.add("Read(negative length)");
        refused.add(ask(ring, (ActorRef<StatusReply<ByteString>> r) -> new RingCommand.Read(file, 0, -1, r), REPLY));
        names.add("Read(negative offset)");
        refused.add(ask(ring, (ActorRef<StatusReply<ByteString>> r) -> new RingCommand.Read(file, -5, 10, r), REPLY));
        names.add("WriteV(null list)");
        refused.add(ask(ring, (ActorRef<StatusReply<Integer>> r) -> new RingCommand.WriteV(file, 0, null, r), REPLY));
        names.add("WriteV(list with null)");
        refused.add(ask(ring, (ActorRef<StatusReply<Integer>> r) -> new RingCommand.WriteV(file, 0,
                Arrays.asList(ByteString.fromString("a"), null), r), REPLY));
        names.add("Close(null handle)");
        refused.add(ask(ring, (ActorRef<StatusReply<Done>> r) -> new RingCommand.Close(null, r), REPLY));
        names.add("ReadBlock(null buffer)");
        refused.add(ask(ring, (ActorRef<StatusReply<BlockIo>> r) -> new RingCommand.ReadBlock(file, 0, null, r), REPLY));
        names.add("WriteBlock(null handle)");
        refused.add(ask(ring, (ActorRef<StatusReply<BlockIo>> r) -> new RingCommand.WriteBlock(null, 0,
                io.uringactor.ring.AlignedBuffer.allocate(4096, 4096), r), REPLY));
        names.add("Trim(negative length)");
        refused.add(ask(ring, (ActorRef<StatusReply<Done>> r) -> new RingCommand.Trim(file, 0, -1, r), REPLY));
        names.add("Fsync(null handle)");
        refused.add(ask(ring, (ActorRef<StatusReply<Done>> r) -> new RingCommand.Fsync(null, false, r), REPLY));
        names.add("Stat(null handle)");
        refused.add(ask(ring, (ActorRef<StatusReply<io.uringactor.ring.Statx>> r) -> new RingCommand.Stat(null, r), REPLY));
        names.add("Open(path with NUL)");
        refused.add(ask(ring, (ActorRef<StatusReply<FileHandle>> r) -> new RingCommand.Open("a\0b",
                OpenOptions.readOnly(), r), REPLY));
        names.add("Read(over max-io-size)");
        refused.add(ask(ring, (ActorRef<StatusReply<ByteString>> r) -> new RingCommand.Read(file, 0, Integer.MAX_VALUE, r), REPLY));
        names.add("ReadV(2,000 buffers)");
        refused.add(ask(ring, (ActorRef<StatusReply<List<ByteString>>> r) -> new RingCommand.ReadV(file, 0,
                java.util.Collections.nCopies(2_000, 1), r), REPLY));
        names.add("CopyRange(null handles)");
        refused.add(ask(ring, (ActorRef<StatusReply<Integer>> r) -> new RingCommand.CopyRange(null, 0, null, 0, 10, r), REPLY));
        names.add("CopyRange(negative length)");
        refused.add(ask(ring, (ActorRef<StatusReply<Integer>> r) -> new RingCommand.CopyRange(file, 0, file, 0, -1, r), REPLY));
        names.add("CopyRange(with a timeout)");
        refused.add(ask(ring, (ActorRef<StatusReply<Integer>> r) -> new RingCommand.CopyRange(file, 0, file, 4096, 10,
                Duration.ofSeconds(1), r), REPLY));
        names.add("client.read(null)");
        refused.add(client.read(null, 0, 10));
        names.add("client.write(null data)");
        refused.add(client.write(file, 0, null));
        names.add("client.readv(null element)");
        refused.add(client.readv(file, 0, Arrays.asList(1, null)));
        names.add("client.read(negative length)");
        refused.add(client.read(file, 0, -3));
        for (int i = 0; i < refused.size(); i++) {
            final Throwable e = failureOf(refused.get(i), REPLY, names.get(i));
            assertInstanceOf(InvalidRequestException.class, e, names.get(i) + " is refused as invalid: " + e);
        }

        // And once more without a replyTo, then normal service.
        ring.tell(new RingCommand.GetStats(null));
        ring.tell(new RingCommand.Shutdown(null));
        final ByteString raw = await(ask(ring, (ActorRef<StatusReply<ByteString>> r) -> new RingCommand.Read(file, 0, 4096, r),
                REPLY), REPLY, "a normal read after the malformed commands");
        assertEquals(ByteString.fromArray(content, 0, 4096), raw);
        assertEquals(ByteString.fromArray(content, 4096, 4096), await(client.read(file, 4096, 4096), REPLY,
                "a normal RingClient read"));
        final RingStats stats = await(client.stats(), REPLY, "stats");
        assertEquals(0, stats.inFlight(), stats.toString());
    }

    // ------------------------------------------------------------------------------------------ item 9

    /**
     * A ring whose root-directory does not exist fails to start: RingClient requests are answered with
     * RingStoppedException whose cause is the ErrnoException ENOENT naming the directory.
     */
    @Test
    void aRingThatFailsToStartAnswersWithItsCause() {
        final Path missing = dir.resolve("no-such-root");
        final RingSettings settings = defaults().withRootDirectory(missing);
        final ActorRef<RingCommand> ref = spawnRing("root-missing-ring", settings);
        final RingClient ring = RingClient.create(ref, testKit.system(), ASK_TIMEOUT);
        final List<CompletionStage<?>> requests = new ArrayList<>();
        requests.add(ring.open(Path.of("x"), OpenOptions.readOnly()));
        requests.add(ring.read(new FileHandle(1), 0, 10));
        for (int round = 0; round < 2; round++) {
            for (CompletionStage<?> request : requests) {
                final Throwable e = failureOf(request, REPLY, "a request to a ring that failed to start");
                final RingStoppedException stopped = assertInstanceOf(RingStoppedException.class, e, e.toString());
                final Throwable cause = stopped.getCause();
                assertNotNull(cause, "the RingStoppedException carries the start failure as cause: " + stopped);
                final ErrnoException errno = assertInstanceOf(ErrnoException.class, cause,
                        "the cause is the real failure: " + cause);
                assertEquals(Errno.ENOENT, errno.errno(), errno.toString());
                assertTrue(errno.getMessage().contains(missing.toString()), "the cause names the root directory: "
                        + errno.getMessage());
            }
            // The second round asks after the first was answered (the failure is known by then).
            requests.clear();
            requests.add(ring.read(new FileHandle(2), 0, 10));
            requests.add(ring.stat(new FileHandle(3)));
        }
    }

    // ------------------------------------------------------------------------------------------ item 10

    /**
     * A 128 KiB write with a 300 ms timeout to an empty FIFO nobody reads: the pipe takes 64 KiB (a short
     * write), the rest is resubmitted and can never complete. Its continuation must keep a linked timeout, so
     * the write is answered with RingTimeoutException instead of hanging.
     */
    @Test
    void aShortWritesContinuationKeepsItsTimeout() throws Exception {
        final ActorRef<RingCommand> ref = spawnRing("short-write-ring", defaults());
        final RingClient ring = RingClient.create(ref, testKit.system(), ASK_TIMEOUT);
        final Path fifo = fifo(dir, "short-write-fifo");
        final FileHandle pipe = await(ring.open(fifo, OpenOptions.readWrite()), REPLY, "open fifo");
        final long submittedBefore = stats(ring).submitted();
        final CompletableFuture<Integer> write = ask(ref, (ActorRef<StatusReply<Integer>> r) -> new RingCommand.Write(pipe, 0,
                ByteString.fromArray(new byte[128 * 1024]), Duration.ofMillis(300), r), ASK_TIMEOUT);
        final Throwable e;
        try {
            e = failureOf(write, Duration.ofSeconds(10), "a 128 KiB write with a 300 ms timeout to a full FIFO");
        } catch (AssertionError noReply) {
            final RingStats s = stats(ring);
            throw new AssertionError(noReply.getMessage() + "; " + s + " (" + (s.submitted() - submittedBefore)
                    + " SQEs since the write: the continuation went in without a timeout)", noReply);
        }
        assertInstanceOf(RingTimeoutException.class, e, "the continued write times out: " + e);
        final long sqes = stats(ring).submitted() - submittedBefore;
        assertTrue(sqes >= 3, "the kernel short-wrote (write, timeout, continuation...): " + sqes
                + " SQEs; without a short write this test proves nothing");
        // The ring still serves.
        final Path path = Files.write(dir.resolve("after-short.bin"), "still here".getBytes());
        final FileHandle file = await(ring.open(path, OpenOptions.readOnly()), REPLY, "open");
        assertEquals("still here", await(ring.read(file, 0, 100), REPLY, "read").utf8String());
    }
    /**
     * The same for a WriteV (two 64 KiB buffers) and a local WriteBlock (a 128 KiB AlignedBuffer of the
     * caller's), each with a 300 ms timeout to its own empty FIFO nobody reads: answered with
     * RingTimeoutException, not left hanging after the short write.
     */
    @Test
    void shortWriteVAndWriteBlockContinuationsKeepTheirTimeout() throws Exception {
        final ActorRef<RingCommand> ref = spawnRing("short-writev-ring", defaults());
        final RingClient ring = RingClient.create(ref, testKit.system(), ASK_TIMEOUT);
        final Duration limit = Duration.ofMillis(300);
        final FileHandle pipeV = await(ring.open(fifo(dir, "short-writev-fifo"), OpenOptions.readWrite()), REPLY, "open");
        final CompletableFuture<Integer> writev = ask(ref, (ActorRef<StatusReply<Integer>> r) -> new RingCommand.WriteV(pipeV,
                0, List.of(ByteString.fromArray(new byte[64 * 1024]), ByteString.fromArray(new byte[64 * 1024])), limit, r),
                ASK_TIMEOUT);
        final Throwable v = failureOf(writev, Duration.ofSeconds(10), "a 2 x 64 KiB writev with a 300 ms timeout to a FIFO");
        assertInstanceOf(RingTimeoutException.class, v, "the continued writev times out: " + v);

        final FileHandle pipeB = await(ring.open(fifo(dir, "short-writeblock-fifo"), OpenOptions.readWrite()), REPLY, "open");
        final io.uringactor.ring.AlignedBuffer buffer = io.uringactor.ring.AlignedBuffer.allocate(128 * 1024, 4096);
        final CompletableFuture<BlockIo> writeBlock = ask(ref, (ActorRef<StatusReply<BlockIo>> r) ->
                new RingCommand.WriteBlock(pipeB, 0, buffer, limit, r), ASK_TIMEOUT);
        final Throwable b = failureOf(writeBlock, Duration.ofSeconds(10), "a 128 KiB write block with a 300 ms timeout to a FIFO");
        assertInstanceOf(RingTimeoutException.class, b, "the continued write block times out: " + b);
        assertEquals(0, stats(ring).inFlight(), "nothing left in flight: " + stats(ring));
    }
}
