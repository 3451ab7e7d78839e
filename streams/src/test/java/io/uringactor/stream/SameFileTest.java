package io.uringactor.stream;

import static io.uringactor.stream.StreamTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.stream.javadsl.BlockReadSettings;
import io.uringactor.stream.javadsl.BlockWrite;
import io.uringactor.stream.javadsl.CopySettings;
import io.uringactor.stream.javadsl.FromPathSettings;
import io.uringactor.stream.javadsl.SameFileException;
import io.uringactor.stream.javadsl.ToPathSettings;
import io.uringactor.stream.javadsl.UringFileIO;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.IOOperationIncompleteException;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A writer whose target is a file the same system is reading (by the ring's statx, inode and birth time:
 * the path itself, {@code ./name}, a hard link, a symlink) fails with {@link SameFileException} before it creates or
 * truncates anything, and the file keeps its bytes. The files span many chunks, so the reader is still
 * open when the writer gets its first element.
 */
class SameFileTest {
    /**
     * Larger than what a stage's async boundary buffers (16 chunks of 128 KiB) plus its reads in flight: a
     * reader of a smaller file can read it to its end and close it before the writer downstream opens its
     * target, and a closed reader protects nothing (see UringFileIO's "Writing safely").
     */
    private static final int SIZE = 8 << 20;
    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final ActorSystem<?> system = testKit.system();

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    /** The same file as {@code file} by another path of kind {@code how}. */
    private Path sameFile(Path file, String how) throws IOException {
        return switch (how) {
            case "itself" -> file;
            case "dot" -> file.getParent().resolve(".").resolve(file.getFileName());
            case "hardlink" -> Files.createLink(dir.resolve("hard-link.bin"), file);
            case "symlink" -> Files.createSymbolicLink(dir.resolve("symlink.bin"), file);
            default -> throw new IllegalArgumentException(how);
        };
    }

    /** Failed with IOOperationIncompleteException(0, SameFileException(source, target)). */
    private static void assertSameFileRefused(CompletionStage<IOResult> result, Path source, Path target) {
        final IOOperationIncompleteException incomplete = assertInstanceOf(IOOperationIncompleteException.class,
                failure(result));
        assertEquals(0, incomplete.count());
        final SameFileException cause = assertInstanceOf(SameFileException.class, incomplete.getCause());
        assertEquals(source.toString(), cause.getFile());
        assertEquals(target.toString(), cause.getOtherFile());
        assertTrue(cause.getMessage().startsWith(source + " -> " + target + ": source and target are the same file"),
                cause.getMessage());
        assertInstanceOf(io.uringactor.ring.IoUringException.class, cause, "like every failure of the library");
    }

    @ParameterizedTest
    @ValueSource(strings = {"itself", "dot", "hardlink", "symlink"})
    void fromPathIntoToPathOfTheSameFileIsRefused(String how) throws IOException {
        final Path file = randomFile(dir.resolve("file.bin"), SIZE, 1);
        final String before = sha256(file);
        final Path target = sameFile(file, how);
        final Pair<CompletionStage<IOResult>, CompletionStage<IOResult>> run = UringFileIO.fromPath(system, file)
                .toMat(UringFileIO.toPath(system, target), Keep.both()).run(system);
        assertSameFileRefused(run.second(), file, target);
        await(run.first().handle((r, e) -> r)); // the source is cancelled; wait for its close
        assertEquals(before, sha256(file), "the file keeps its bytes");
    }

    @Test
    void acrossAnAsyncBoundaryTooAndInAtomicMode() throws IOException {
        final Path file = randomFile(dir.resolve("file.bin"), SIZE, 2);
        final String before = sha256(file);
        // 64 chunks: more than the boundary's buffer of 16 and the 4 read ahead, so the reader stays open.
        final CompletionStage<IOResult> result = UringFileIO
                .fromPath(system, file, FromPathSettings.create().withChunkSize(16 * 1024)).async()
                .runWith(UringFileIO.toPath(system, file, ToPathSettings.create().withAtomicReplace(true)), system);
        assertSameFileRefused(result, file, file);
        assertEquals(before, sha256(file));
        assertEquals(List.of(), tempFiles(dir), "no temporary file is created");
    }

    @ParameterizedTest
    @ValueSource(strings = {"itself", "dot", "hardlink", "symlink"})
    void copyOntoTheSameFileIsRefused(String how) throws IOException {
        final Path file = randomFile(dir.resolve("file.bin"), SIZE, 3);
        final String before = sha256(file);
        final Path target = sameFile(file, how);
        for (CopySettings settings : List.of(CopySettings.create(), CopySettings.create().withUseSplice(false),
                CopySettings.create().withAtomicReplace(true),
                CopySettings.create().withUseSplice(false).withAtomicReplace(true))) {
            final Throwable failure = failure(UringFileIO.copy(system, file, target, settings));
            final IOOperationIncompleteException incomplete = assertInstanceOf(IOOperationIncompleteException.class,
                    failure, settings.toString());
            final SameFileException cause = assertInstanceOf(SameFileException.class, incomplete.getCause(),
                    settings.toString());
            assertEquals(target.toString(), cause.getOtherFile());
            assertEquals(before, sha256(file), settings.toString());
        }
        assertEquals(List.of(), tempFiles(dir));
    }

    @Test
    void blockWriterOverAFileABlockReaderReadsIsRefused() throws IOException {
        final Path file = randomFile(dir.resolve("file.bin"), SIZE, 4);
        final String before = sha256(file);
        final int block = 4096;
        final Pair<CompletionStage<IOResult>, CompletionStage<IOResult>> run = Source.range(0, SIZE / block - 1)
                .map(i -> (long) i * block)
                .viaMat(UringFileIO.blockReader(system, file, BlockReadSettings.create(block)), Keep.right())
                .map(read -> new BlockWrite(read.offset(), inverted(read.data())))
                .toMat(UringFileIO.blockWriteSink(system, file), Keep.both())
                .run(system);
        assertSameFileRefused(run.second(), file, file);
        await(run.first().handle((r, e) -> r));
        assertEquals(before, sha256(file));
    }

    private static ByteString inverted(ByteString data) {
        final byte[] bytes = data.toArray();
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) ~bytes[i];
        }
        return ByteString.fromArray(bytes);
    }

    /** Demands one element, then nothing: keeps the source open. */
    private static final class OneThenNothing implements Subscriber<ByteString> {
        final CompletableFuture<Subscription> subscription = new CompletableFuture<>();
        final CompletableFuture<ByteString> first = new CompletableFuture<>();

        @Override
        public void onSubscribe(Subscription s) {
            subscription.complete(s);
            s.request(1);
        }

        @Override
        public void onNext(ByteString element) {
            first.complete(element);
        }

        @Override
        public void onError(Throwable t) {
            first.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
        }
    }

    @Test
    void aWriterInAnotherStreamIsRefusedWhileTheReaderIsOpenAndAllowedAfter() throws IOException {
        final Path file = randomFile(dir.resolve("file.bin"), SIZE, 5);
        final String before = sha256(file);
        final OneThenNothing subscriber = new OneThenNothing();
        final CompletionStage<IOResult> reader = UringFileIO.fromPath(system, file)
                .toMat(Sink.fromSubscriber(subscriber), Keep.left()).run(system);
        await(subscriber.first); // the reader has opened, identified and registered its file

        assertSameFileRefused(Source.single(ByteString.fromString("x")).runWith(UringFileIO.toPath(system, file), system),
                file, file);
        assertSameFileRefused(Source.single(new BlockWrite(0, ByteString.fromString("x")))
                .runWith(UringFileIO.blockWriteSink(system, file), system), file, file);
        final Path other = randomFile(dir.resolve("other.bin"), 1000, 6);
        final Throwable copy = failure(UringFileIO.copy(system, other, file));
        assertInstanceOf(SameFileException.class, copy.getCause(), "a copy onto a file being read");
        assertEquals(before, sha256(file));

        await(subscriber.subscription).cancel();
        await(reader); // completes after the file is closed and unregistered
        assertEquals(1, await(Source.single(ByteString.fromString("x")).runWith(UringFileIO.toPath(system, file),
                system)).count(), "once the reader has closed the file, writing it is allowed");
        assertEquals("x", Files.readString(file));
    }

    @Test
    void theTargetsCheckOpensAFifoAsTheWriteDoes() throws Exception {
        final Path file = randomFile(dir.resolve("file.bin"), SIZE, 7);
        final Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor());
        final Path copied = dir.resolve("copied.bin");
        final Process cat = new ProcessBuilder("cat", fifo.toString()).redirectOutput(copied.toFile()).start();
        // The reader is registered when the sink checks the FIFO: an O_RDONLY probe would wait for a writer.
        // One write in flight: a FIFO has no offsets, so writes in flight together could land in any order.
        assertEquals(SIZE, await(UringFileIO.fromPath(system, file).runWith(UringFileIO.toPath(system, fifo,
                ToPathSettings.create().withWritesInFlight(1)), system)).count());
        assertEquals(0, cat.waitFor(), "cat saw the end once the sink closed the FIFO");
        assertEquals(sha256(file), sha256(copied));
    }

    @Test
    void aFifoTargetGetsItsBytesInOrderWithTheDefaultWritesInFlight() throws Exception {
        final Path file = randomFile(dir.resolve("many-chunks.bin"), 4 << 20, 8);
        final Path fifo = dir.resolve("ordered-fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor());
        final Path copied = dir.resolve("ordered.bin");
        final Process cat = new ProcessBuilder("cat", fifo.toString()).redirectOutput(copied.toFile()).start();
        // 128 KiB chunks, 4 writes in flight by default: a FIFO has no offsets, so the sink writes one at a time.
        assertEquals(4 << 20, await(UringFileIO.fromPath(system, file).runWith(UringFileIO.toPath(system, fifo),
                system)).count());
        assertEquals(0, cat.waitFor(), "cat saw the end once the sink closed the FIFO");
        assertEquals(sha256(file), sha256(copied), "the FIFO got the bytes in stream order");
    }
}
