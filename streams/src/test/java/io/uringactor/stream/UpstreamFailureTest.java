package io.uringactor.stream;

import static io.uringactor.stream.StreamTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.stream.impl.FusedStages;
import io.uringactor.stream.javadsl.BlockWrite;
import io.uringactor.stream.javadsl.BlockWriteSettings;
import io.uringactor.stream.javadsl.ToPathSettings;
import io.uringactor.stream.javadsl.UringFileIO;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.IOOperationIncompleteException;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionStage;

/**
 * When the stream into a writer fails, every byte the writer received is written before its result fails
 * (as Pekko's {@code FileIO.toPath} does), and the count of the {@code IOOperationIncompleteException} is
 * what is on disk: file size == count == bytes received.
 */
class UpstreamFailureTest {
    private static final ActorTestKit testKit = ActorTestKit.create("UpstreamFailureTest");
    private static final ActorSystem<?> system = testKit.system();
    /**
     * The writers here are built fused with their upstream ({@link FusedStages}, as the library's own
     * stream copy builds them): the sink then sees every element the upstream made before it failed, which
     * is what these tests check it writes. The public stages are islands of their own on the default ring's
     * loop, with an async boundary between, whose buffered elements a failure overtakes; see
     * {@link #onTheLoopTheCountIsWhatIsInTheFile}.
     */
    private static final IllegalStateException BOOM = new IllegalStateException("upstream broke");

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    /** {@code total} random bytes in elements of {@code element} bytes (the last one shorter). */
    private static List<ByteString> elements(int total, int element, long seed) {
        final byte[] bytes = new byte[total];
        new SplittableRandom(seed).nextBytes(bytes);
        final List<ByteString> out = new ArrayList<>();
        for (int at = 0; at < total; at += element) {
            out.add(ByteString.fromArray(bytes, at, Math.min(element, total - at)));
        }
        return out;
    }

    /**
     * {@code elements}, then a failure once all have been taken downstream. (A {@code concat} with
     * {@code Source.failed} would not do: concat fails as soon as its second input fails, overtaking
     * elements of the first.)
     */
    private static <T> Source<T, ?> thenFail(List<T> elements) {
        return Source.from(elements).map(Optional::of).concat(Source.single(Optional.<T>empty()))
                .map(element -> element.orElseThrow(() -> BOOM));
    }

    private static byte[] concat(List<ByteString> elements) {
        return elements.stream().reduce(ByteString.emptyByteString(), ByteString::concat).toArray();
    }

    /** 17,850 bytes then an error was the report: 17,566 reached the disk, 16,384 with O_DIRECT. */
    @ParameterizedTest(name = "{0} bytes in elements of {1}, direct={2}")
    @CsvSource({"17850, 2550, false", "17850, 2550, true", "17850, 17850, true", "1048593, 100000, false",
            "1048593, 100000, true", "1048576, 65536, true"})
    void everyByteReceivedIsWrittenAndCounted(int total, int element, boolean direct) throws IOException {
        final Path out = randomFile(dir.resolve("out.bin"), 3 << 20, 1); // longer than what is written: truncated
        final List<ByteString> data = elements(total, element, total + element);
        final CompletionStage<IOResult> result = thenFail(data)
                .runWith(FusedStages.toPath(out, ToPathSettings.create().withDirect(direct)
                        .withChunkSize(64 * 1024)), system);
        final IOOperationIncompleteException incomplete = assertInstanceOf(IOOperationIncompleteException.class,
                failure(result));
        assertSame(BOOM, incomplete.getCause());
        assertEquals(total, incomplete.count(), "the count is every byte received");
        assertEquals(total, Files.size(out), "the file holds every byte received");
        assertArrayEquals(concat(data), Files.readAllBytes(out));
    }

    @Test
    void withFsyncAtEndTheReceivedBytesAreWrittenToo() throws IOException {
        final Path out = dir.resolve("out.bin");
        final List<ByteString> data = elements(300_001, 30_000, 2);
        final CompletionStage<IOResult> result = thenFail(data)
                .runWith(FusedStages.toPath(out, ToPathSettings.create().withFsyncAtEnd(true)), system);
        assertEquals(300_001, assertInstanceOf(IOOperationIncompleteException.class, failure(result)).count());
        assertArrayEquals(concat(data), Files.readAllBytes(out));
    }

    @Test
    void theBlockWriterMakesTheWritesItReceivedAndFailsWithTheCause() throws IOException {
        final Path out = dir.resolve("blocks.bin");
        final List<BlockWrite> writes = new ArrayList<>();
        final List<ByteString> data = elements(40 * 4096, 4096, 3);
        for (int i = 0; i < data.size(); i++) {
            writes.add(new BlockWrite((long) (data.size() - 1 - i) * 4096, data.get(i))); // backwards
        }
        final CompletionStage<IOResult> result = thenFail(writes)
                .runWith(FusedStages.blockWriteSink(out, BlockWriteSettings.create()), system);
        final IOOperationIncompleteException incomplete = assertInstanceOf(IOOperationIncompleteException.class,
                failure(result));
        assertSame(BOOM, incomplete.getCause(), "the cause, not an abrupt termination");
        assertEquals(40 * 4096, incomplete.count());
        final byte[] expected = new byte[40 * 4096];
        for (BlockWrite w : writes) {
            System.arraycopy(w.data().toArray(), 0, expected, (int) w.offset(), w.data().size());
        }
        assertTrue(Arrays.equals(expected, Files.readAllBytes(out)), "every block received is on disk");
    }

    /** On the loop (the default): whatever reached the sink is written, counted, and a prefix of the stream. */
    @Test
    void onTheLoopTheCountIsWhatIsInTheFile() throws IOException {
        final ActorTestKit onLoop = ActorTestKit.create("UpstreamFailureOnTheLoop");
        try {
            final Path out = randomFile(dir.resolve("loop.bin"), 3 << 20, 1);
            final List<ByteString> data = elements(1_048_593, 100_000, 5);
            final IOOperationIncompleteException incomplete = assertInstanceOf(IOOperationIncompleteException.class,
                    failure(thenFail(data).runWith(UringFileIO.toPath(out), onLoop.system())));
            assertSame(BOOM, incomplete.getCause());
            final byte[] written = Files.exists(out) ? Files.readAllBytes(out) : new byte[0];
            assertEquals(written.length, incomplete.count(), "the count is what is in the file");
            assertArrayEquals(Arrays.copyOf(concat(data), written.length), written, "a prefix of the stream");
        } finally {
            onLoop.shutdownTestKit();
        }
    }

    /**
     * The materializer shut down while writes are in flight (an abrupt termination): the stage is gone
     * before their CQEs arrive, and the count still is what the file holds, for the sink and the block
     * writer. The stream never ends, so there are always writes in flight when it is cut.
     */
    @Test
    void afterAnAbruptStopTheCountIsWhatIsInTheFile() throws IOException, InterruptedException {
        final ByteString chunk = ByteString.fromArray(concat(elements(128 * 1024, 128 * 1024, 6)));
        for (int run = 0; run < 3; run++) {
            final Path out = dir.resolve("abrupt-" + run + ".bin");
            final Materializer materializer = Materializer.createMaterializer(system);
            final CompletionStage<IOResult> result = Source.repeat(chunk)
                    .runWith(UringFileIO.toPath(out, ToPathSettings.create().withWritesInFlight(8)), materializer);
            awaitCondition("some MiB written", () -> out.toFile().length() >= 4 << 20);
            materializer.shutdown();
            final IOOperationIncompleteException incomplete = assertInstanceOf(IOOperationIncompleteException.class,
                    failure(result));
            assertEquals(Files.size(out), incomplete.count(), "run " + run + ": the count is what is in the file");
        }
        final Path blocks = dir.resolve("abrupt-blocks.bin");
        final Materializer materializer = Materializer.createMaterializer(system);
        final java.util.concurrent.atomic.AtomicLong offset = new java.util.concurrent.atomic.AtomicLong();
        final CompletionStage<IOResult> result = Source.repeat(chunk)
                .map(data -> new BlockWrite(offset.getAndAdd(data.size()), data))
                .runWith(UringFileIO.blockWriteSink(blocks, BlockWriteSettings.create()), materializer);
        awaitCondition("some MiB written", () -> blocks.toFile().length() >= 4 << 20);
        materializer.shutdown();
        // The block writer is a flow: when the shutdown reaches the sink after it first, the flow sees a
        // cancellation without a failure, and its result succeeds (as documented). Either way, the count.
        long count;
        try {
            count = await(result).count();
        } catch (java.util.concurrent.CompletionException e) {
            count = assertInstanceOf(IOOperationIncompleteException.class, e.getCause()).count();
        }
        assertEquals(Files.size(blocks), count, "the block writer's count is what is in the file");
    }
}
