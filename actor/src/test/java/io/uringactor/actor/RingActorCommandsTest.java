package io.uringactor.actor;

import static io.uringactor.actor.TestRings.*;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.ring.AlignedBuffer;
import io.uringactor.ring.ErrnoException;
import io.uringactor.ring.Statx;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.util.ByteString;
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
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/** Every command against real files, checked against FileChannel. */
class RingActorCommandsTest {
    private static final ActorTestKit testKit = ActorTestKit.create();
    private static ActorRef<RingCommand> ringActor;
    private static RingClient ring;

    @TempDir
    Path dir;

    @BeforeAll
    static void spawnRing() {
        final RingSettings settings = RingSettings.create(testKit.system()).withMaxIoSize(4 << 20);
        final TestRings.Spawned spawned = TestRings.spawn(testKit, "commands-ring", settings, Duration.ofSeconds(10));
        ringActor = spawned.ref();
        ring = spawned.client();
    }

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    @Test
    void readsMatchFileChannel() throws IOException {
        final Path path = randomFile(dir, "read.bin", 100_000, 1);
        final FileHandle file = await(ring.open(path, OpenOptions.readOnly()));
        assertArrayEquals(oracleRead(path, 0, 4096), await(ring.read(file, 0, 4096)).toArray());
        assertArrayEquals(oracleRead(path, 12_345, 70_000), await(ring.read(file, 12_345, 70_000)).toArray());
        assertEquals(100, await(ring.read(file, 99_900, 4096)).size(), "short at EOF");
        assertEquals(0, await(ring.read(file, 100_000, 4096)).size(), "empty at EOF");
        await(ring.close(file));
    }

    @Test
    void writesReadBackThroughFileChannel() throws IOException {
        final Path path = dir.resolve("write.bin");
        final FileHandle file = await(ring.open(path, OpenOptions.writeOnly().withCreate()));
        final byte[] data = new byte[300_000];
        new Random(2).nextBytes(data);
        assertEquals(data.length, await(ring.write(file, 4096, ByteString.fromArray(data))));
        assertEquals(5, await(ring.write(file, 0, ByteString.fromString("hello"))));
        await(ring.fsync(file));
        await(ring.fdatasync(file));
        await(ring.close(file));
        assertEquals(4096 + data.length, Files.size(path));
        assertArrayEquals(data, oracleRead(path, 4096, data.length));
        assertEquals("hello", new String(oracleRead(path, 0, 5)));
    }

    @Test
    void requestsLargerThanASlotsScratchUseOneOffBuffers() throws IOException {
        final Path path = dir.resolve("large.bin");
        final FileHandle file = await(ring.open(path, OpenOptions.readWrite().withCreate()));
        final byte[] data = new byte[3 << 20];
        new Random(9).nextBytes(data);
        assertEquals(data.length, await(ring.write(file, 0, ByteString.fromArray(data))));
        assertArrayEquals(data, oracleRead(path, 0, data.length));
        assertArrayEquals(data, await(ring.read(file, 0, data.length)).toArray());
        await(ring.close(file));
    }

    @Test
    void vectoredReadAndWrite() throws IOException {
        final Path path = dir.resolve("vectored.bin");
        final FileHandle file = await(ring.open(path, OpenOptions.readWrite().withCreate()));
        final List<ByteString> parts = List.of(ByteString.fromString("alpha-"), ByteString.fromString("beta-"),
                ByteString.fromString("gamma"));
        assertEquals(16, await(ring.writev(file, 10, parts)));
        assertEquals("alpha-beta-gamma", new String(oracleRead(path, 10, 16)));
        final List<ByteString> read = await(ring.readv(file, 10, List.of(6, 5, 10)));
        assertEquals(List.of("alpha-", "beta-", "gamma"), read.stream().map(ByteString::utf8String).toList());
        await(ring.close(file));
    }

    @Test
    void trimReadsBackZerosAndKeepsTheSize() throws IOException {
        final Path path = randomFile(dir, "trim.bin", 64 * 1024, 3);
        final FileHandle file = await(ring.open(path, OpenOptions.readWrite()));
        await(ring.trim(file, 8192, 16384));
        assertEquals(64 * 1024, Files.size(path));
        assertArrayEquals(new byte[16384], oracleRead(path, 8192, 16384));
        assertArrayEquals(new byte[16384], await(ring.read(file, 8192, 16384)).toArray());
        assertNotEquals(0, oracleRead(path, 0, 8192)[100] | oracleRead(path, 0, 8192)[101] | oracleRead(path, 0, 8192)[102]);
        await(ring.close(file));
    }

    @Test
    void statReportsTheFilesMetadata() throws IOException {
        final Path path = randomFile(dir, "stat.bin", 12_345, 4);
        final FileHandle file = await(ring.open(path, OpenOptions.readOnly()));
        final Statx statx = await(ring.stat(file));
        assertEquals(Files.size(path), statx.size());
        assertTrue(statx.isRegularFile());
        assertTrue(statx.blockSize() > 0);
        assertEquals(Files.getLastModifiedTime(path).toInstant(), statx.modified());
        await(ring.close(file));
    }

    @Test
    void directIoBlocksRoundTripZeroCopy() throws IOException {
        final Path path = dir.resolve("direct.bin");
        final FileHandle file = await(ring.open(path, OpenOptions.readWrite().withCreate().withDirect()));
        final int alignment = AlignedBuffer.directIoAlignment(dir);
        final AlignedBuffer out = AlignedBuffer.forDirectIo(dir, 4 * alignment);
        final byte[] data = new byte[out.capacity()];
        new Random(5).nextBytes(data);
        out.byteBuffer().put(0, data);
        final BlockIo written = await(ring.writeBlock(file, alignment, out));
        assertSame(out, written.buffer(), "the caller's buffer comes back");
        assertEquals(out.capacity(), written.bytes());
        assertArrayEquals(data, oracleRead(path, alignment, data.length));

        final AlignedBuffer in = AlignedBuffer.forDirectIo(dir, out.capacity());
        final BlockIo read = await(ring.readBlock(file, alignment, in));
        assertSame(in, read.buffer());
        final byte[] back = new byte[read.bytes()];
        in.byteBuffer().get(0, back);
        assertArrayEquals(data, back);

        final AlignedBuffer misaligned = AlignedBuffer.allocate(alignment + 1, 1);
        final Throwable unaligned = failure(ring.readBlock(file, 1, misaligned));
        assertInstanceOf(InvalidRequestException.class, unaligned);
        assertTrue(unaligned.getMessage().contains("O_DIRECT"), unaligned.getMessage());
        await(ring.close(file));
    }

    @Test
    void badInputsGetTypedFailuresWithoutReachingTheKernel() throws IOException {
        final Path path = randomFile(dir, "bad.bin", 1000, 6);
        final FileHandle file = await(ring.open(path, OpenOptions.readWrite()));
        assertInstanceOf(InvalidRequestException.class, failure(ring.read(file, -1, 10)));
        assertInstanceOf(InvalidRequestException.class, failure(ring.read(file, 0, -10)));
        final Throwable tooLong = failure(ring.read(file, 0, (4 << 20) + 1));
        assertInstanceOf(InvalidRequestException.class, tooLong);
        assertTrue(tooLong.getMessage().contains("max-io-size"), tooLong.getMessage());
        assertInstanceOf(InvalidRequestException.class, failure(ring.read(new FileHandle(12345L << 32), 0, 10)));
        assertInstanceOf(InvalidRequestException.class, failure(ring.trim(file, 0, 0)));
        await(ring.close(file));
        final Throwable closed = failure(ring.read(file, 0, 10));
        assertInstanceOf(InvalidRequestException.class, closed);
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        assertInstanceOf(InvalidRequestException.class, failure(ring.close(file)));
    }

    @Test
    void kernelErrorsNameTheErrnoAndTheOp() throws IOException {
        final Throwable missing = failure(ring.open(dir.resolve("missing"), OpenOptions.readOnly()));
        final ErrnoException e = assertInstanceOf(ErrnoException.class, missing);
        assertEquals("ENOENT", e.errnoName());
        assertTrue(e.getMessage().contains("missing"), e.getMessage());

        final Throwable isDir = failure(ring.open(dir, OpenOptions.writeOnly()));
        assertEquals("EISDIR", assertInstanceOf(ErrnoException.class, isDir).errnoName());

        final FileHandle readOnly = await(ring.open(randomFile(dir, "ro.bin", 10, 7), OpenOptions.readOnly()));
        final ErrnoException ebadf = assertInstanceOf(ErrnoException.class,
                failure(ring.write(readOnly, 0, ByteString.fromString("x"))));
        assertEquals("EBADF", ebadf.errnoName());
        assertTrue(ebadf.operation().startsWith("write("), ebadf.operation());
        await(ring.close(readOnly));
    }

    @Test
    void timedOutOpsAreCancelledInTheKernel() throws Exception {
        final Path fifo = fifo(dir, "fifo");
        // O_RDWR on a FIFO does not block at open; a read then waits for a writer that never comes.
        final FileHandle file = await(ring.open(fifo, OpenOptions.readWrite()));
        final CompletionStage<ByteString> read = org.apache.pekko.actor.typed.javadsl.AskPattern.askWithStatus(
                ringActor, replyTo -> new RingCommand.Read(file, 0, 10, Duration.ofMillis(50), replyTo),
                Duration.ofSeconds(5), testKit.scheduler());
        final Throwable timeout = failure(read);
        assertInstanceOf(RingTimeoutException.class, timeout);
        assertTrue(timeout.getMessage().contains("PT0.05S"), timeout.getMessage());
        await(ring.close(file));
    }

    @Test
    void statsCountSubmissionsAndBatches() throws IOException {
        final Path path = randomFile(dir, "stats.bin", 64 * 1024, 8);
        final FileHandle file = await(ring.open(path, OpenOptions.readOnly()));
        final RingStats before = await(ring.stats());
        final CompletionStage<?>[] reads = new CompletionStage<?>[200];
        for (int i = 0; i < reads.length; i++) {
            reads[i] = ring.read(file, (i * 4096L) % (64 * 1024), 4096);
        }
        for (CompletionStage<?> r : reads) {
            await(r);
        }
        final RingStats after = await(ring.stats());
        assertTrue(after.submitted() - before.submitted() >= 200, after.toString());
        assertTrue(after.completed() - before.completed() >= 200, after.toString());
        assertTrue(after.maxBatch() > 1, "200 asks in a burst must share an io_uring_enter: " + after);
        assertEquals(0, after.inFlight());
        await(ring.close(file));
    }

    @Test
    void openOptionsPrintAsTheirFlagsInErrors() {
        assertEquals("O_RDONLY", OpenOptions.readOnly().toString());
        assertEquals("O_RDWR|O_CREAT|O_DSYNC", OpenOptions.readWrite().withCreate().withDsync().toString());
        final Throwable missing = assertThrows(CompletionException.class, () -> ring.open(
                dir.resolve("missing").toString(), OpenOptions.readOnly()).toCompletableFuture().join()).getCause();
        assertTrue(missing.getMessage().contains(", O_RDONLY)"),
                missing.getMessage());
        assertFalse(missing.getMessage().contains("read=true"), missing.getMessage());
    }

    @Test
    void aPathGivenAsAStringOpensTheSameFile() throws Exception {
        final Path file = Files.writeString(dir.resolve("by-name.txt"), "by name");
        final FileHandle handle = ring.open(file.toString(), OpenOptions.readOnly()).toCompletableFuture().join();
        assertEquals("by name", ring.read(handle, 0, 7).toCompletableFuture().join().utf8String());
        ring.close(handle).toCompletableFuture().join();
    }

    @Test
    void aReadWithItsOwnTimeoutIsCancelledWhenItElapses() throws Exception {
        final Path fifo = fifo(dir, "silent-fifo");
        // O_RDWR: the open does not wait for a writer, and the read waits for data that never comes
        final FileHandle pipe = ring.open(fifo, OpenOptions.readWrite()).toCompletableFuture().join();
        final Throwable timedOut = assertThrows(CompletionException.class, () -> ring.withTimeout(
                Duration.ofMillis(50)).read(pipe, 0, 16).toCompletableFuture().join()).getCause();
        assertInstanceOf(RingTimeoutException.class, timedOut, "the ring's op-timeout is off: this one is the read's");
        assertTrue(timedOut.getMessage().contains("PT0.05S"), timedOut.getMessage());
        assertEquals(3, ring.withTimeout(Duration.ofSeconds(5)).write(pipe, 0, ByteString.fromString("abc")).toCompletableFuture()
                .join(), "a write with a timeout that does not elapse completes as usual");
        ring.close(pipe).toCompletableFuture().join();
    }

    @Test
    void aTimeoutViewIsTheSameRingAndRefusesATimeoutThatIsNotPositive() {
        final RingClient view = ring.withTimeout(Duration.ofSeconds(1));
        assertSame(ring.ring(), view.ring());
        assertNotNull(await(view.stats()), "what does not take an op timeout goes through the view as it is");
        assertThrows(IllegalArgumentException.class, () -> ring.withTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> view.withTimeout(Duration.ofMillis(-1)));
    }

    @Test
    void vectoredAndBlockRequestsTakeTheirOwnTimeoutToo() throws Exception {
        final Path fifo = fifo(dir, "silent-fifo-2");
        final FileHandle pipe = ring.open(fifo, OpenOptions.readWrite()).toCompletableFuture().join();
        final io.uringactor.ring.AlignedBuffer buffer = io.uringactor.ring.AlignedBuffer.allocate(16, 16);
        final RingClient quick = ring.withTimeout(Duration.ofMillis(50));
        final RingClient patient = ring.withTimeout(Duration.ofSeconds(5));
        for (java.util.function.Supplier<CompletionStage<?>> read : List.<java.util.function.Supplier<CompletionStage<?>>>of(
                () -> quick.readv(pipe, 0, List.of(8, 8)),
                () -> quick.readBlock(pipe, 0, buffer))) {
            final Throwable timedOut = assertThrows(CompletionException.class, () -> read.get().toCompletableFuture().join())
                    .getCause();
            assertInstanceOf(RingTimeoutException.class, timedOut, "the ring's op-timeout is off: this one is the request's");
        }
        assertEquals(4, patient.writev(pipe, 0, List.of(ByteString.fromString("ab"), ByteString.fromString("cd")))
                .toCompletableFuture().join());
        buffer.byteBuffer().put(0, new byte[16]);
        assertEquals(16, patient.writeBlock(pipe, 0, buffer).toCompletableFuture().join().bytes());
        assertEquals("abcd", ring.read(pipe, 0, 4).toCompletableFuture().join().utf8String(), "what the writev put in");
        ring.close(pipe).toCompletableFuture().join();
    }

    /**
     * An O_DIRECT open learns the file's alignment from a statx of the opened descriptor, through the ring (one
     * more SQE), not from a lookup of the path on the ring's thread; the alignment is then enforced.
     */
    @Test
    void anODirectOpenAsksTheOpenedFileForItsAlignment() throws Exception {
        final Path path = Files.write(dir.resolve("aligned.bin"), new byte[1 << 16]);
        final RingStats before = await(ring.stats());
        final FileHandle buffered = await(ring.open(path, OpenOptions.readOnly()));
        final RingStats afterBuffered = await(ring.stats());
        final FileHandle direct = await(ring.open(path, OpenOptions.readOnly().withDirect()));
        final RingStats afterDirect = await(ring.stats());
        assertEquals(1, afterBuffered.submitted() - before.submitted(), "a buffered open is one SQE");
        assertEquals(2, afterDirect.submitted() - afterBuffered.submitted(), "an O_DIRECT open: the open, then its statx");
        final int alignment = AlignedBuffer.directIoAlignment(path);
        final Throwable unaligned = assertThrows(CompletionException.class, () -> ring.readBlock(direct, 1,
                AlignedBuffer.forDirectIo(path, alignment)).toCompletableFuture().join()).getCause();
        assertInstanceOf(InvalidRequestException.class, unaligned);
        assertTrue(unaligned.getMessage().contains("aligned to " + alignment), unaligned.getMessage());
        assertEquals(alignment, await(ring.readBlock(direct, 0, AlignedBuffer.forDirectIo(path, alignment))).bytes());
        await(ring.close(direct));
        await(ring.close(buffered));
    }
}
