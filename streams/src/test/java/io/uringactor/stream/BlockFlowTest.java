package io.uringactor.stream;

import static io.uringactor.stream.StreamTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.ring.AlignedBuffer;
import io.uringactor.stream.javadsl.BlockRead;
import io.uringactor.stream.javadsl.BlockReadSettings;
import io.uringactor.stream.javadsl.BlockWrite;
import io.uringactor.stream.javadsl.BlockWriteSettings;
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

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionStage;

/** The block flows at interleaved random offsets, against FileChannel as the oracle. */
class BlockFlowTest {
    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final ActorSystem<?> system = testKit.system();

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static byte[] oracleRead(Path path, long offset, int length) throws IOException {
        try (FileChannel ch = FileChannel.open(path)) {
            final ByteBuffer b = ByteBuffer.allocate(length);
            while (b.hasRemaining() && ch.read(b, offset + b.position()) > 0) {
                // until EOF or full
            }
            return Arrays.copyOf(b.array(), b.position());
        }
    }

    @Test
    void readsRandomOffsetsInOrderLikeFileChannel() throws IOException {
        final int size = 5_000_000;
        final Path file = randomFile(dir.resolve("blocks.bin"), size, 11);
        final int blockSize = 10_000;
        final SplittableRandom random = new SplittableRandom(12);
        final List<Long> offsets = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            // mostly inside, some straddling the end, some past it
            offsets.add(random.nextLong(size + 2L * blockSize));
        }
        final Pair<CompletionStage<IOResult>, CompletionStage<List<BlockRead>>> run = Source.from(offsets)
                .viaMat(UringFileIO.blockReader(system, file, BlockReadSettings.create(blockSize).withReadsInFlight(16)),
                        Keep.right())
                .toMat(Sink.seq(), Keep.both())
                .run(system);
        final List<BlockRead> blocks = await(run.second());
        assertEquals(offsets.size(), blocks.size());
        long total = 0;
        for (int i = 0; i < offsets.size(); i++) {
            assertEquals(offsets.get(i), blocks.get(i).offset(), "in the order of the offsets");
            final byte[] expected = oracleRead(file, offsets.get(i), blockSize);
            assertArrayEquals(expected, blocks.get(i).data().toArray(), "block at " + offsets.get(i));
            total += expected.length;
        }
        assertEquals(total, await(run.first()).count());
    }

    @Test
    void readsAlignedBlocksWithODirect() throws IOException {
        final Path file = randomFile(dir.resolve("direct.bin"), 1_000_000, 13);
        final int alignment = AlignedBuffer.directIoAlignment(file);
        final int blockSize = 4 * alignment;
        final SplittableRandom random = new SplittableRandom(14);
        final List<Long> offsets = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            offsets.add(random.nextLong(1_000_000L / alignment + 2) * alignment);
        }
        final List<BlockRead> blocks = await(Source.from(offsets)
                .via(UringFileIO.blockReader(system, file, BlockReadSettings.create(blockSize).withDirect(true)))
                .runWith(Sink.seq(), system));
        for (int i = 0; i < offsets.size(); i++) {
            assertArrayEquals(oracleRead(file, offsets.get(i), blockSize), blocks.get(i).data().toArray());
        }
    }

    @Test
    void unalignedODirectOffsetsFailTheStream() throws IOException {
        final Path file = randomFile(dir.resolve("direct.bin"), 100_000, 15);
        final int alignment = AlignedBuffer.directIoAlignment(file);
        final CompletionStage<IOResult> result = Source.from(List.of(0L, 1L))
                .viaMat(UringFileIO.blockReader(system, file, BlockReadSettings.create(alignment).withDirect(true)),
                        Keep.right())
                .to(Sink.ignore()).run(system);
        final Throwable failure = failure(result);
        assertInstanceOf(IOOperationIncompleteException.class, failure);
        assertInstanceOf(IllegalArgumentException.class, failure.getCause());
    }

    @Test
    void writesRandomOverlappingBlocksLikeSequentialFileChannelWrites() throws IOException {
        final int size = 2_000_000;
        final Path file = randomFile(dir.resolve("target.bin"), size, 16);
        final Path oracle = Files.copy(file, dir.resolve("oracle.bin"));
        final SplittableRandom random = new SplittableRandom(17);
        final List<BlockWrite> writes = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            final byte[] data = new byte[1 + random.nextInt(20_000)];
            random.nextBytes(data);
            // overlapping writes, some past the end (the file grows)
            writes.add(new BlockWrite(random.nextLong(size + 50_000L), ByteString.fromArray(data)));
        }
        try (FileChannel ch = FileChannel.open(oracle, StandardOpenOption.WRITE)) {
            for (BlockWrite w : writes) {
                ch.write(w.data().toByteBuffer(), w.offset());
            }
        }
        final Pair<CompletionStage<IOResult>, CompletionStage<List<BlockWrite>>> run = Source.from(writes)
                .viaMat(UringFileIO.blockWriter(system, file, BlockWriteSettings.create().withWritesInFlight(16)),
                        Keep.right())
                .toMat(Sink.seq(), Keep.both())
                .run(system);
        assertEquals(writes, await(run.second()), "each write emitted once written, in order");
        assertEquals(writes.stream().mapToLong(w -> w.data().size()).sum(), await(run.first()).count());
        assertEquals(sha256(oracle), sha256(file));
    }

    @Test
    void blocksWrittenThroughOneFlowReadBackThroughTheOther() throws IOException {
        final Path file = randomFile(dir.resolve("rw.bin"), 1 << 20, 18);
        final Path oracle = Files.copy(file, dir.resolve("rw-oracle.bin"));
        final int block = 4096;
        final SplittableRandom random = new SplittableRandom(19);
        final List<BlockWrite> writes = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            final byte[] data = new byte[block];
            random.nextBytes(data);
            writes.add(new BlockWrite((long) random.nextInt(256) * block, ByteString.fromArray(data)));
        }
        try (FileChannel ch = FileChannel.open(oracle, StandardOpenOption.WRITE)) {
            for (BlockWrite w : writes) {
                ch.write(w.data().toByteBuffer(), w.offset());
            }
        }
        // Write through one flow, then read every written offset back through the other. (Both flows on one file
        // in one stream are refused: a writer never touches a file this system is reading, see SameFileTest.)
        final List<BlockWrite> written = await(Source.from(writes)
                .via(UringFileIO.blockWriter(system, file, BlockWriteSettings.create().withFsyncAtEnd(true)))
                .runWith(Sink.seq(), system));
        assertEquals(writes, written, "each write emitted once written, in order");
        final List<BlockRead> reads = await(Source.from(writes).map(BlockWrite::offset)
                .via(UringFileIO.blockReader(system, file, block))
                .runWith(Sink.seq(), system));
        for (int i = 0; i < writes.size(); i++) {
            assertEquals(writes.get(i).offset(), reads.get(i).offset());
            assertArrayEquals(oracleRead(oracle, writes.get(i).offset(), block), reads.get(i).data().toArray(),
                    "read " + i + " shows the last write to its block, as the oracle has it");
        }
        assertEquals(sha256(oracle), sha256(file));
        for (long offset = 0; offset < (1 << 20); offset += 64 * block) {
            assertArrayEquals(oracleRead(oracle, offset, block), oracleRead(file, offset, block));
        }
    }

    @Test
    void blockWriteSinkCreatesTheFile() throws IOException {
        final Path file = dir.resolve("new.bin");
        final IOResult result = await(Source.from(List.of(
                        new BlockWrite(4096, ByteString.fromString("b")), new BlockWrite(0, ByteString.fromString("a"))))
                .runWith(UringFileIO.blockWriteSink(system, file), system));
        assertEquals(2, result.count());
        final byte[] bytes = Files.readAllBytes(file);
        assertEquals(4097, bytes.length);
        assertEquals('a', bytes[0]);
        assertEquals('b', bytes[4096]);
    }
}
