package io.uringactor.stream;

import static io.uringactor.stream.StreamTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.stream.javadsl.CopySettings;
import io.uringactor.stream.javadsl.FromPathSettings;
import io.uringactor.stream.javadsl.ToPathSettings;
import io.uringactor.stream.javadsl.UringFileIO;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionStage;

/** Files copied through Source → Sink (buffered and O_DIRECT) and through {@code copy} equal their source. */
class RoundTripTest {
    private static final int CHUNK = FromPathSettings.DEFAULT_CHUNK_SIZE;
    private static final long BIG = 64L << 20;
    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final ActorSystem<?> system = testKit.system();

    @TempDir
    static Path shared;
    private static Path big;
    private static String bigSha;

    @TempDir
    Path dir;

    @BeforeAll
    static void bigFile() throws IOException {
        big = randomFile(shared.resolve("big.bin"), BIG, 64);
        bigSha = sha256(big);
    }

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private Path source(int size) throws IOException {
        return randomFile(dir.resolve("in-" + size + ".bin"), size, size);
    }

    private static IOResult pipe(Path in, FromPathSettings read, Path out, ToPathSettings write) {
        final Pair<CompletionStage<IOResult>, CompletionStage<IOResult>> results = UringFileIO.fromPath(system, in, read)
                .toMat(UringFileIO.toPath(system, out, write), Keep.both()).run(system);
        final IOResult written = await(results.second());
        assertEquals(written.count(), await(results.first()).count(), "bytes read vs written");
        return written;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 4097})
    void sourceToSinkBuffered(int size) throws IOException {
        final Path in = source(size);
        final Path out = dir.resolve("out.bin");
        assertEquals(size, pipe(in, FromPathSettings.create(), out, ToPathSettings.create()).count());
        assertEquals(sha256(in), sha256(out));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 4097})
    void sourceToSinkDirect(int size) throws IOException {
        final Path in = source(size);
        final Path out = dir.resolve("out.bin");
        final IOResult result = pipe(in, FromPathSettings.create().withDirect(true), out,
                ToPathSettings.create().withDirect(true));
        assertEquals(size, result.count());
        assertEquals(sha256(in), sha256(out));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, CopySettings.DEFAULT_CHUNK_SIZE - 1, CopySettings.DEFAULT_CHUNK_SIZE,
            CopySettings.DEFAULT_CHUNK_SIZE + 1, 5 * CopySettings.DEFAULT_CHUNK_SIZE + 12345})
    void copySplices(int size) throws IOException {
        final Path in = source(size);
        final Path out = dir.resolve("out.bin");
        Files.write(out, new byte[size + 100]); // an existing, longer target is truncated
        assertEquals(size, await(UringFileIO.copy(system, in, out)).count());
        assertEquals(sha256(in), sha256(out));
    }

    @Test
    void chunksAreFullExceptTheShortLastOne() throws IOException {
        for (boolean direct : new boolean[] {false, true}) {
            final List<ByteString> chunks = await(UringFileIO.fromPath(system, source(2 * CHUNK + 5),
                    FromPathSettings.create().withDirect(direct).withReadsInFlight(2)).runWith(Sink.seq(), system));
            assertEquals(List.of(CHUNK, CHUNK, 5), chunks.stream().map(ByteString::size).toList(), "direct=" + direct);
        }
    }

    @Test
    void copyWithFsyncAtEnd() throws IOException {
        final Path in = source(CHUNK + 3);
        final Path out = dir.resolve("out.bin");
        assertEquals(CHUNK + 3, await(UringFileIO.copy(system, in, out, CopySettings.create().withFsyncAtEnd(true)
                .withChunkSize(64 * 1024).withSplicesInFlight(2))).count());
        assertEquals(sha256(in), sha256(out));
    }

    @Test
    void copyThroughTheStreamFallback() throws IOException {
        final Path in = source(3 * CHUNK + 7);
        final Path out = dir.resolve("out.bin");
        assertEquals(3 * CHUNK + 7, await(UringFileIO.copy(system, in, out,
                CopySettings.create().withUseSplice(false).withChunkSize(64 * 1024))).count());
        assertEquals(sha256(in), sha256(out));
    }

    @Test
    void big64MiBBuffered() throws IOException {
        final Path out = dir.resolve("big-out.bin");
        assertEquals(BIG, pipe(big, FromPathSettings.create().withReadsInFlight(8), out,
                ToPathSettings.create().withChunkSize(1 << 20)).count());
        assertEquals(bigSha, sha256(out));
    }

    @Test
    void big64MiBDirect() throws IOException {
        final Path out = dir.resolve("big-out.bin");
        assertEquals(BIG, pipe(big, FromPathSettings.create().withDirect(true).withChunkSize(1 << 20), out,
                ToPathSettings.create().withDirect(true).withChunkSize(1 << 20)).count());
        assertEquals(bigSha, sha256(out));
    }

    @Test
    void big64MiBCopy() throws IOException {
        final Path out = dir.resolve("big-out.bin");
        assertEquals(BIG, await(UringFileIO.copy(system, big, out)).count());
        assertEquals(bigSha, sha256(out));
    }

    @Test
    void smallElementsAreCoalescedAndLandInOrder() throws IOException {
        final SplittableRandom random = new SplittableRandom(3);
        final byte[] expected = new byte[2_000_000];
        random.nextBytes(expected);
        final Source<ByteString, ?> pieces = Source.range(0, expected.length - 1)
                .grouped(1)
                .statefulMapConcat(() -> {
                    final int[] at = {0};
                    return ignored -> {
                        if (at[0] >= expected.length) {
                            return List.of();
                        }
                        final int n = Math.min(expected.length - at[0], 1 + random.nextInt(3000));
                        final ByteString piece = ByteString.fromArray(expected, at[0], n);
                        at[0] += n;
                        return List.of(piece);
                    };
                });
        final Path out = dir.resolve("pieces.bin");
        final IOResult result = await(pieces.runWith(UringFileIO.toPath(system, out,
                ToPathSettings.create().withChunkSize(64 * 1024).withWritesInFlight(3)), system));
        assertEquals(expected.length, result.count());
        assertArrayEquals(expected, Files.readAllBytes(out));
    }

    @Test
    void readsFromAStartPositionBufferedAndDirect() throws IOException {
        final Path in = source(300_000);
        final byte[] all = Files.readAllBytes(in);
        for (boolean direct : new boolean[] {false, true}) {
            final FromPathSettings settings = FromPathSettings.create().withStartPosition(12_345).withChunkSize(8192)
                    .withDirect(direct);
            final List<ByteString> chunks = await(UringFileIO.fromPath(system, in, settings).runWith(Sink.seq(), system));
            final ByteString joined = chunks.stream().reduce(ByteString.emptyByteString(), ByteString::concat);
            assertArrayEquals(Arrays.copyOfRange(all, 12_345, all.length), joined.toArray(), "direct=" + direct);
            for (int i = 0; i < chunks.size() - 1; i++) {
                assertTrue(chunks.get(i).size() <= 8192 && !chunks.get(i).isEmpty(), "chunk " + i);
            }
        }
    }

    @Test
    void appendsAndWritesAtAStartPosition() throws IOException {
        final Path out = Files.write(dir.resolve("append.bin"), "head-".getBytes());
        final Set<StandardOpenOption> append = Set.of(StandardOpenOption.APPEND);
        await(Source.from(List.of(ByteString.fromString("one-"), ByteString.fromString("two")))
                .runWith(UringFileIO.toPath(system, out, ToPathSettings.create().withOptions(append)), system));
        assertEquals("head-one-two", Files.readString(out));
        await(Source.single(ByteString.fromString("ONE"))
                .runWith(UringFileIO.toPath(system, out, ToPathSettings.create()
                        .withOptions(Set.of(StandardOpenOption.WRITE)).withStartPosition(5)), system));
        assertEquals("head-ONE-two", Files.readString(out));
    }
}
