package io.uringactor.stream;

import static io.uringactor.stream.StreamTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.stream.javadsl.CopySettings;
import io.uringactor.stream.javadsl.ToPathSettings;
import io.uringactor.stream.javadsl.UringFileIO;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.AbruptStageTerminationException;
import org.apache.pekko.stream.IOOperationIncompleteException;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionStage;

/**
 * Atomic replace: the target is either the old file or the complete new one. The bytes go to a hidden
 * temporary file beside it, which is renamed over it at the end and deleted on any failure.
 */
class AtomicReplaceTest {
    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final ActorSystem<?> system = testKit.system();
    private static final ToPathSettings ATOMIC = ToPathSettings.create().withAtomicReplace(true);
    private static final IllegalStateException BOOM = new IllegalStateException("upstream broke");

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static byte[] random(int size, long seed) {
        final byte[] bytes = new byte[size];
        new SplittableRandom(seed).nextBytes(bytes);
        return bytes;
    }

    private static String mode(Path file) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }

    private Path fileWithMode(String name, int size, String mode) throws IOException {
        final Path file = randomFile(dir.resolve(name), size, name.hashCode());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    @Test
    void replacesTheTargetKeepingItsModeAndCreatesANewOneWith0644() throws IOException {
        final Path existing = fileWithMode("existing.bin", 5000, "rw-r-----");
        final byte[] data = random(300_000, 1);
        assertEquals(data.length, await(Source.single(ByteString.fromArray(data))
                .runWith(UringFileIO.toPath(system, existing, ATOMIC), system)).count());
        assertArrayEquals(data, Files.readAllBytes(existing));
        assertEquals("rw-r-----", mode(existing));

        final Path created = dir.resolve("created.bin");
        assertEquals(data.length, await(Source.single(ByteString.fromArray(data))
                .runWith(UringFileIO.toPath(system, created, ATOMIC), system)).count());
        assertArrayEquals(data, Files.readAllBytes(created));
        assertEquals("rw-r--r--", mode(created));
        assertEquals(List.of(), tempFiles(dir), "no temporary file is left");
    }

    @Test
    void whileTheStreamRunsTheTargetIsTheOldFileAndTheBytesGoToAPrivateTemporaryFileBesideIt()
            throws IOException, InterruptedException {
        final Path target = randomFile(dir.resolve("target.bin"), 5000, 2);
        final String before = sha256(target);
        final Pair<SourceQueueWithComplete<ByteString>, CompletionStage<IOResult>> run = Source
                .<ByteString>queue(4, OverflowStrategy.backpressure())
                .toMat(UringFileIO.toPath(system, target, ATOMIC), Keep.both()).run(system);
        final byte[] data = random(1 << 20, 3);
        assertEquals(QueueOfferResult.enqueued(), await(run.first().offer(ByteString.fromArray(data))));
        awaitCondition("the first megabyte is in the temporary file", () -> tempFiles(dir).size() == 1
                && sizeOf(tempFiles(dir).get(0)) == data.length);
        final Path temp = tempFiles(dir).get(0);
        assertTrue(temp.getFileName().toString().startsWith(".target.bin."), temp.toString());
        assertEquals("rw-------", mode(temp));
        assertEquals(before, sha256(target), "the target is untouched while the stream runs");

        run.first().complete();
        assertEquals(data.length, await(run.second()).count());
        assertArrayEquals(data, Files.readAllBytes(target));
        assertEquals(List.of(), tempFiles(dir));
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }

    /** {@code elements}, then a failure once all have been taken downstream. */
    private static Source<ByteString, ?> thenFail(List<ByteString> elements) {
        return Source.from(elements).map(Optional::of).concat(Source.single(Optional.<ByteString>empty()))
                .map(element -> element.orElseThrow(() -> BOOM));
    }

    @Test
    void aFailingUpstreamLeavesTheOldTargetAndNoTemporaryFile() throws IOException {
        final Path target = randomFile(dir.resolve("target.bin"), 5000, 4);
        final String before = sha256(target);
        final List<ByteString> data = List.of(ByteString.fromArray(random(200_000, 5)),
                ByteString.fromArray(random(17_850, 6)));
        for (ToPathSettings settings : List.of(ATOMIC, ATOMIC.withDirect(true))) {
            final CompletionStage<IOResult> result = thenFail(data).runWith(UringFileIO.toPath(system, target, settings),
                    system);
            final IOOperationIncompleteException incomplete = assertInstanceOf(IOOperationIncompleteException.class,
                    failure(result));
            assertSame(BOOM, incomplete.getCause());
            assertEquals(0, incomplete.count(), "nothing reached the target");
            assertEquals(before, sha256(target), settings.toString());
            assertEquals(List.of(), tempFiles(dir), settings.toString());
        }
    }

    @Test
    void anAbortedStreamLeavesTheOldTargetAndNoTemporaryFile() throws IOException, InterruptedException {
        final Path target = randomFile(dir.resolve("target.bin"), 5000, 7);
        final String before = sha256(target);
        final Materializer materializer = Materializer.createMaterializer(system);
        final Pair<SourceQueueWithComplete<ByteString>, CompletionStage<IOResult>> run = Source
                .<ByteString>queue(4, OverflowStrategy.backpressure())
                .toMat(UringFileIO.toPath(system, target, ATOMIC), Keep.both()).run(materializer);
        assertEquals(QueueOfferResult.enqueued(), await(run.first().offer(ByteString.fromArray(random(100_000, 8)))));
        awaitCondition("the temporary file was created", () -> tempFiles(dir).size() == 1);
        materializer.shutdown();
        final Throwable failure = failure(run.second());
        // The stage's island stopped with its materializer: which of Pekko's two abrupt-termination failures
        // arrives depends on whether the stage or its actor saw it first.
        assertTrue(failure.getCause() instanceof AbruptStageTerminationException
                || failure.getCause() instanceof org.apache.pekko.stream.AbruptTerminationException, String.valueOf(failure));
        assertEquals(before, sha256(target));
        assertEquals(List.of(), tempFiles(dir), "deleted before the result completed");
    }

    @Test
    void aSymlinkStaysALinkToTheReplacedFile() throws IOException {
        final Path real = randomFile(dir.resolve("real.bin"), 5000, 9);
        final Path link = Files.createSymbolicLink(dir.resolve("link.bin"), real);
        final byte[] data = random(10_000, 10);
        await(Source.single(ByteString.fromArray(data)).runWith(UringFileIO.toPath(system, link, ATOMIC), system));
        assertTrue(Files.isSymbolicLink(link));
        assertArrayEquals(data, Files.readAllBytes(real));
    }

    @Test
    void directWithAnUnalignedTail() throws IOException {
        final Path target = randomFile(dir.resolve("target.bin"), 5000, 11);
        final byte[] data = random((1 << 20) + 123, 12);
        assertEquals(data.length, await(Source.single(ByteString.fromArray(data))
                .runWith(UringFileIO.toPath(system, target, ATOMIC.withDirect(true)), system)).count());
        assertArrayEquals(data, Files.readAllBytes(target));
        assertEquals(List.of(), tempFiles(dir));
    }

    @Test
    void copyReplacesTheTargetKeepingItsMode() throws IOException {
        final Path source = randomFile(dir.resolve("source.bin"), (3 << 20) + 7, 13);
        final Path target = fileWithMode("target.bin", 5000, "rw-------");
        for (CopySettings settings : List.of(CopySettings.create().withAtomicReplace(true),
                CopySettings.create().withAtomicReplace(true).withUseSplice(false))) {
            Files.write(target, new byte[] {1, 2, 3});
            assertEquals(Files.size(source), await(UringFileIO.copy(system, source, target, settings)).count());
            assertEquals(sha256(source), sha256(target), settings.toString());
            assertEquals("rw-------", mode(target), settings.toString());
            assertEquals(List.of(), tempFiles(dir), settings.toString());
        }
    }

    @Test
    void theOpenOptionsStillSayWhetherTheTargetMayExistOrBeCreated() throws IOException {
        final Path existing = randomFile(dir.resolve("existing.bin"), 5000, 14);
        final String before = sha256(existing);
        final ToPathSettings createNew = ATOMIC.withOptions(Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW));
        assertInstanceOf(FileAlreadyExistsException.class, failure(Source.single(ByteString.fromString("x"))
                .runWith(UringFileIO.toPath(system, existing, createNew), system)).getCause());
        assertEquals(before, sha256(existing));

        final Path missing = dir.resolve("missing.bin");
        final ToPathSettings mustExist = ATOMIC.withOptions(Set.of(StandardOpenOption.WRITE));
        assertInstanceOf(NoSuchFileException.class, failure(Source.single(ByteString.fromString("x"))
                .runWith(UringFileIO.toPath(system, missing, mustExist), system)).getCause());
        assertFalse(Files.exists(missing));
        assertEquals(List.of(), tempFiles(dir));
    }

    @Test
    void appendAndAStartPositionAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ATOMIC.withOptions(Set.of(StandardOpenOption.APPEND)));
        assertThrows(IllegalArgumentException.class, () -> ATOMIC.withStartPosition(10));
        assertThrows(IllegalArgumentException.class, () -> ToPathSettings.create().withStartPosition(10)
                .withAtomicReplace(true));
    }

    @Test
    void aTargetThatIsNoRegularFileIsRefusedNotReplaced() throws Exception {
        final Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor());
        final IOOperationIncompleteException incomplete = assertInstanceOf(IOOperationIncompleteException.class,
                failure(Source.single(ByteString.fromString("x")).runWith(UringFileIO.toPath(system, fifo, ATOMIC),
                        system)));
        assertEquals(0, incomplete.count());
        assertTrue(String.valueOf(incomplete.getCause().getMessage()).contains("regular file"),
                String.valueOf(incomplete.getCause()));
        assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo), "the FIFO is still a FIFO");
        assertEquals(List.of(), tempFiles(dir), "no temporary file is left");
    }
}
