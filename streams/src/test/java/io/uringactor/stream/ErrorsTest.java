package io.uringactor.stream;

import static io.uringactor.stream.StreamTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.ring.ErrnoException;
import io.uringactor.stream.javadsl.FromPathSettings;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** Typed errno failures, the IOResult failure contract, and files closed on every path. */
class ErrorsTest {
    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final ActorSystem<?> system = testKit.system();

    @TempDir
    Path dir;

    /**
     * Creates what lives as long as the system (the ring actor's ring, its SecureRandom, JNA's closure
     * file) before any test counts fds.
     */
    @BeforeAll
    static void warmUp(@TempDir Path scratch) throws IOException {
        final Path in = randomFile(scratch.resolve("warm.bin"), 10_000, 0);
        await(UringFileIO.fromPath(system, in).runWith(UringFileIO.toPath(system, scratch.resolve("out.bin")), system));
        await(UringFileIO.copy(system, in, scratch.resolve("copy.bin")));
    }

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    /** The IOResult failed with IOOperationIncompleteException(count, ErrnoException errno). */
    private static ErrnoException assertIncomplete(CompletionStage<IOResult> result, long count, String errno) {
        final Throwable failure = failure(result);
        final IOOperationIncompleteException incomplete = assertInstanceOf(IOOperationIncompleteException.class, failure);
        assertEquals(count, incomplete.count());
        final ErrnoException cause = assertInstanceOf(ErrnoException.class, incomplete.getCause());
        assertEquals(errno, cause.errnoName(), cause.getMessage());
        return cause;
    }

    private static ErrnoException assertStreamFails(CompletionStage<?> stream, String errno) {
        final ErrnoException cause = assertInstanceOf(ErrnoException.class, failure(stream));
        assertEquals(errno, cause.errnoName(), cause.getMessage());
        return cause;
    }

    @Test
    void missingSourceFailsWithEnoent() {
        final Path missing = dir.resolve("missing.bin");
        final Pair<CompletionStage<IOResult>, CompletionStage<List<ByteString>>> run = UringFileIO.fromPath(system, missing)
                .toMat(Sink.seq(), Keep.both()).run(system);
        final ErrnoException cause = assertStreamFails(run.second(), "ENOENT");
        assertTrue(cause.getMessage().contains(missing.toString()), cause.getMessage());
        assertIncomplete(run.first(), 0, "ENOENT");
    }

    @Test
    void directorySourceFailsWithEisdir() {
        final Pair<CompletionStage<IOResult>, CompletionStage<List<ByteString>>> run = UringFileIO.fromPath(system, dir)
                .toMat(Sink.seq(), Keep.both()).run(system);
        assertStreamFails(run.second(), "EISDIR");
        assertIncomplete(run.first(), 0, "EISDIR");
    }

    @Test
    void targetInAReadOnlyDirectoryFailsWithEacces() throws IOException {
        final Path readOnly = Files.createDirectory(dir.resolve("ro"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Assumptions.assumeFalse(Files.isWritable(readOnly), "chmod has no effect here (running as root)");
            final CompletionStage<IOResult> result = Source.single(ByteString.fromString("x"))
                    .runWith(UringFileIO.toPath(system, readOnly.resolve("out.bin")), system);
            assertIncomplete(result, 0, "EACCES");
            assertIncomplete(UringFileIO.copy(system, randomFile(dir.resolve("in.bin"), 10, 1),
                    readOnly.resolve("copy.bin")), 0, "EACCES");
        } finally {
            Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void directoryTargetFailsWithEisdir() {
        final CompletionStage<IOResult> result = Source.single(ByteString.fromString("x"))
                .runWith(UringFileIO.toPath(system, dir), system);
        assertIncomplete(result, 0, "EISDIR");
    }

    @Test
    void missingParentFailsWithEnoent() {
        final CompletionStage<IOResult> result = Source.single(ByteString.fromString("x"))
                .runWith(UringFileIO.toPath(system, dir.resolve("no/such/dir.bin")), system);
        assertIncomplete(result, 0, "ENOENT");
    }

    @Test
    void directSinkNeedsAnAlignedStartPosition() {
        final CompletionStage<IOResult> result = Source.single(ByteString.fromString("x"))
                .runWith(UringFileIO.toPath(system, dir.resolve("out.bin"), ToPathSettings.create().withDirect(true)
                        .withStartPosition(1)), system);
        final Throwable failure = failure(result);
        assertInstanceOf(IOOperationIncompleteException.class, failure);
        assertInstanceOf(IllegalArgumentException.class, failure.getCause());
    }

    @Test
    void copyReportsTheSameErrors() throws IOException {
        final Path in = randomFile(dir.resolve("in.bin"), 1000, 2);
        assertIncomplete(UringFileIO.copy(system, dir.resolve("missing.bin"), dir.resolve("out.bin")), 0, "ENOENT");
        assertIncomplete(UringFileIO.copy(system, dir, dir.resolve("out.bin")), 0, "EISDIR");
        assertIncomplete(UringFileIO.copy(system, in, dir), 0, "EISDIR");
        final Throwable same = failure(UringFileIO.copy(system, in, in));
        assertInstanceOf(io.uringactor.stream.javadsl.SameFileException.class, same.getCause());
        assertEquals(1000, Files.size(in), "a copy onto itself leaves the file alone");
    }

    @Test
    void blockReaderOfAMissingFileFailsWithEnoent() {
        final CompletionStage<IOResult> result = Source.single(0L)
                .viaMat(UringFileIO.blockReader(system, dir.resolve("missing.bin"), 4096), Keep.right())
                .to(Sink.ignore()).run(system);
        assertIncomplete(result, 0, "ENOENT");
    }

    @Test
    void cancellationMidStreamClosesTheFile() throws IOException, InterruptedException {
        final Path in = randomFile(dir.resolve("in.bin"), 8 << 20, 3);
        final long before = openFds();
        final Pair<CompletionStage<IOResult>, CompletionStage<List<ByteString>>> run = UringFileIO
                .fromPath(system, in, FromPathSettings.create().withChunkSize(64 * 1024).withReadsInFlight(8))
                .take(3)
                .toMat(Sink.seq(), Keep.both()).run(system);
        assertEquals(3, await(run.second()).size());
        // A success counting what the source emitted: the 3 taken and what its async boundary had buffered.
        final long count = await(run.first()).count();
        assertTrue(count >= 3 * 64 * 1024 && count <= 8 << 20 && count % (64 * 1024) == 0, "a plain cancellation is a"
                + " success counting whole chunks emitted: " + count);
        assertEquals(before, awaitAtMost(StreamTestSupport::openFds, before), "the file is closed");
    }

    @Test
    void cancellationWithAFailureFailsTheResult() throws IOException, InterruptedException {
        final Path in = randomFile(dir.resolve("in.bin"), 1 << 20, 4);
        final long before = openFds();
        final IllegalStateException boom = new IllegalStateException("boom");
        final Pair<CompletionStage<IOResult>, CompletionStage<List<ByteString>>> run = UringFileIO
                .fromPath(system, in, FromPathSettings.create().withChunkSize(4096))
                .map(chunk -> {
                    throw boom;
                })
                .map(x -> (ByteString) x)
                .toMat(Sink.seq(), Keep.both()).run(system);
        assertSame(boom, failure(run.second()));
        final Throwable failure = failure(run.first());
        assertInstanceOf(IOOperationIncompleteException.class, failure);
        assertSame(boom, failure.getCause());
        assertEquals(before, awaitAtMost(StreamTestSupport::openFds, before), "the file is closed");
    }

    @Test
    void upstreamFailureFailsTheSinkResultAfterTheWrittenBytes() throws IOException, InterruptedException {
        final Path out = dir.resolve("out.bin");
        final long before = openFds();
        final IllegalStateException boom = new IllegalStateException("upstream broke");
        final CompletionStage<IOResult> result = Source.from(List.of(ByteString.fromString("hello "),
                        ByteString.fromString("world")))
                .concat(Source.failed(boom))
                .runWith(UringFileIO.toPath(system, out), system);
        final Throwable failure = failure(result);
        final IOOperationIncompleteException incomplete = assertInstanceOf(IOOperationIncompleteException.class, failure);
        assertSame(boom, incomplete.getCause());
        // The failure may overtake both elements in the async boundary: the sink then never opens the target.
        final String written = Files.exists(out) ? Files.readString(out) : "";
        assertEquals(written.length(), incomplete.count(), "the count is what reached the file");
        assertTrue("hello world".startsWith(written), written);
        assertEquals(before, awaitAtMost(StreamTestSupport::openFds, before), "the file is closed");
    }

    @Test
    void completedStreamsLeaveNoFdOpen() throws IOException, InterruptedException {
        final Path in = randomFile(dir.resolve("in.bin"), 1 << 20, 5);
        final long before = openFds();
        for (int i = 0; i < 5; i++) {
            await(UringFileIO.fromPath(system, in).runWith(UringFileIO.toPath(system, dir.resolve("out.bin")), system));
            await(UringFileIO.copy(system, in, dir.resolve("copy.bin")));
            failure(UringFileIO.fromPath(system, dir.resolve("missing")).runWith(Sink.ignore(), system));
        }
        assertEquals(before, awaitAtMost(StreamTestSupport::openFds, before));
    }
}
