package io.uringactor.actor.serialization;

import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.actor.BlockIo;
import io.uringactor.actor.FileHandle;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingCommand.*;
import io.uringactor.actor.RingStats;
import io.uringactor.actor.internal.RemoteBlockRequest;
import io.uringactor.ring.AlignedBuffer;
import io.uringactor.ring.Statx;

import com.typesafe.config.ConfigFactory;

import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.NotSerializableException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * What a node decodes from another one: block commands allocate nothing until the ring admits them, a
 * block reply no more than the bytes it carries, and a command nobody could answer is refused.
 */
class RingProtocolSerializerRemoteTest {
    /** The default max-io-size, 16 MiB: the size an 18-byte ReadBlock used to reserve. */
    private static final int BIG = 16 << 20;
    private static final ActorTestKit testKit = ActorTestKit.create("serializer-remote-test",
            ConfigFactory.parseString("pekko.actor.serialize-messages = off\n"));
    private static final FileHandle FILE = new FileHandle(7);
    private static final BufferPoolMXBean DIRECT = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)
            .stream().filter(pool -> pool.getName().equals("direct")).findFirst().orElseThrow();
    private static RingProtocolSerializer serializer;
    private static ActorRef<StatusReply<BlockIo>> blockReplies;

    @BeforeAll
    static void setUp() throws Exception {
        serializer = (RingProtocolSerializer) SerializationExtension.get(Adapter.toClassic(testKit.system()))
                .serializerFor(RingCommand.Close.class);
        blockReplies = testKit.<StatusReply<BlockIo>>createTestProbe().ref();
    }

    @AfterAll
    static void tearDown() {
        testKit.shutdownTestKit();
    }

    private static AlignedBuffer randomBuffer(int capacity, int alignment, long seed) {
        final AlignedBuffer buffer = AlignedBuffer.allocate(capacity, alignment);
        final byte[] bytes = new byte[capacity];
        new Random(seed).nextBytes(bytes);
        buffer.byteBuffer().put(0, bytes);
        return buffer;
    }

    private static Object decode(Object o) throws NotSerializableException {
        return serializer.fromBinary(serializer.toBinary(o), serializer.manifest(o));
    }

    private static Object decodeFromDirectBuffer(Object o) throws NotSerializableException {
        final byte[] bytes = serializer.toBinary(o);
        final ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length);
        buffer.put(bytes).flip();
        return serializer.fromBinary(buffer, serializer.manifest(o));
    }

    @Test
    void aSmallReadBlockDecodesIntoARemoteRequestAndReservesNoMemory() throws Exception {
        final byte[] wire = serializer.toBinary(new ReadBlock(FILE, 4096, AlignedBuffer.allocate(BIG, 4096),
                Duration.ofSeconds(2), blockReplies));
        assertTrue(wire.length < 100, "a block read sends its buffer's shape, not its bytes: " + wire.length);
        final List<Object> decoded = new ArrayList<>();
        final long directBefore = DIRECT.getMemoryUsed();
        for (int i = 0; i < 50; i++) {
            final Object o = serializer.fromBinary(wire, RingProtocolSerializer.READ_BLOCK);
            assertInstanceOf(RemoteBlockRequest.class, o, "a remote ReadBlock allocates at admission");
            decoded.add(o);
        }
        final long grown = DIRECT.getMemoryUsed() - directBefore;
        assertTrue(grown < 1 << 20, "50 decoded 16 MiB reads reserved " + grown + " bytes of direct memory");
        assertEquals(new RemoteBlockRequest(false, FILE, 4096, BIG, 4096, null, Duration.ofSeconds(2), blockReplies),
                decoded.get(0));
    }

    @Test
    void aWriteBlockDecodesIntoARemoteRequestHoldingItsBytesOnTheHeap() throws Exception {
        final AlignedBuffer toWrite = randomBuffer(8192, 4096, 1);
        final WriteBlock write = new WriteBlock(FILE, 512, toWrite, Duration.ofMillis(300), blockReplies);
        final ByteString bytes = ByteString.fromByteBuffer(toWrite.byteBuffer().duplicate().clear());
        final RemoteBlockRequest expected = new RemoteBlockRequest(true, FILE, 512, 8192, 4096, bytes,
                Duration.ofMillis(300), blockReplies);
        final long directBefore = DIRECT.getMemoryUsed();
        final Object fromArray = decode(write);
        assertEquals(expected, fromArray);
        assertTrue(DIRECT.getMemoryUsed() - directBefore < 8192, "no aligned buffer for a decoded write");
        assertEquals(expected, decodeFromDirectBuffer(write));
        final byte[] wire = serializer.toBinary(write);
        assertTrue(wire.length < 8192 + 100, "the bytes travel once: " + wire.length);
    }

    @Test
    void blockCommandsWithoutABufferStayBlockCommandsForTheRingToRefuse() throws Exception {
        assertEquals(new ReadBlock(FILE, 0, null, blockReplies), decode(new ReadBlock(FILE, 0, null, blockReplies)));
        assertEquals(new WriteBlock(null, -1, null, blockReplies), decode(new WriteBlock(null, -1, null, blockReplies)));
    }

    @Test
    void aRemoteRequestEncodesAsTheBlockCommandItCameFrom() throws Exception {
        final AlignedBuffer toWrite = randomBuffer(4096, 512, 2);
        final WriteBlock write = new WriteBlock(FILE, -5, toWrite, null, blockReplies);
        final RemoteBlockRequest remoteWrite = (RemoteBlockRequest) decode(write);
        assertEquals(RingProtocolSerializer.WRITE_BLOCK, serializer.manifest(remoteWrite));
        assertArrayEquals(serializer.toBinary(write), serializer.toBinary(remoteWrite));
        assertEquals(remoteWrite, decode(remoteWrite));
        assertEquals(remoteWrite, decodeFromDirectBuffer(remoteWrite));

        final RemoteBlockRequest remoteRead = new RemoteBlockRequest(false, null, 1L << 40, BIG, 1 << 20, null,
                Duration.ofSeconds(-1), blockReplies);
        assertEquals(RingProtocolSerializer.READ_BLOCK, serializer.manifest(remoteRead));
        assertEquals(remoteRead, decode(remoteRead));
        assertEquals(remoteRead, decodeFromDirectBuffer(remoteRead));

        final RemoteBlockRequest empty = new RemoteBlockRequest(true, FILE, 0, 0, 4096, ByteString.emptyByteString(),
                null, blockReplies);
        assertEquals(empty, decode(empty));
    }

    @Test
    void aBlockReplyAllocatesOnlyTheBytesItCarries() throws Exception {
        final AlignedBuffer big = AlignedBuffer.allocate(BIG, 4096);
        big.byteBuffer().put(0, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        final BlockIo shortRead = new BlockIo(big, 10);
        final byte[] wire = serializer.toBinary(shortRead);
        assertTrue(wire.length < 30, "only the bytes read travel: " + wire.length);
        final BlockIo back = (BlockIo) serializer.fromBinary(wire, RingProtocolSerializer.BLOCK_IO);
        assertEquals(10, back.bytes());
        assertEquals(10, back.buffer().capacity(), "the fresh buffer holds the bytes carried");
        final List<BlockIo> decoded = new ArrayList<>();
        final long directBefore = DIRECT.getMemoryUsed();
        for (int i = 0; i < 50; i++) {
            decoded.add((BlockIo) serializer.fromBinary(wire, RingProtocolSerializer.BLOCK_IO));
        }
        final long grown = DIRECT.getMemoryUsed() - directBefore;
        assertTrue(grown < 1 << 20, "50 decoded 10-byte replies reserved " + grown + " bytes of direct memory");
        assertEquals(4096, back.buffer().alignment());
        assertEquals(0, back.buffer().address() % 4096);
        assertEquals(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}),
                back.buffer().byteBuffer().duplicate().clear());

        // a remote write's reply: the ring sends no buffer, the asker has the bytes
        final BlockIo written = (BlockIo) decode(new BlockIo(null, 8192));
        assertNull(written.buffer());
        assertEquals(8192, written.bytes());
    }

    @Test
    void aBlockReplyKeepsAnAlignmentItsBytesCanUse() throws Exception {
        // Aligned to 1 MiB, 10 bytes: no O_DIRECT op of that alignment fits in 10 bytes, so the buffer is
        // aligned to the page (its slack is bounded by 4 KiB, not by the alignment asked).
        final BlockIo tiny = (BlockIo) decode(new BlockIo(randomBuffer(64, 1 << 20, 3), 10));
        assertEquals(10, tiny.buffer().capacity());
        assertEquals(4096, tiny.buffer().alignment());
        assertEquals(0, tiny.buffer().address() % 4096);
        // 8 KiB read into a 1 MiB-aligned buffer: aligned to 8 KiB, the largest block it holds
        final AlignedBuffer sent = randomBuffer(1 << 20, 1 << 20, 4);
        final BlockIo partial = (BlockIo) decode(new BlockIo(sent, 8192));
        assertEquals(8192, partial.buffer().capacity());
        assertEquals(8192, partial.buffer().alignment());
        assertEquals(0, partial.buffer().address() % 8192);
        assertEquals(sent.byteBuffer().duplicate().clear().limit(8192),
                partial.buffer().byteBuffer().duplicate().clear());
        // a full block keeps its alignment
        final BlockIo full = (BlockIo) decode(new BlockIo(sent, 1 << 20));
        assertEquals(1 << 20, full.buffer().alignment());
        assertEquals(0, full.buffer().address() % (1 << 20));
        // an empty read
        final BlockIo eof = (BlockIo) decode(new BlockIo(randomBuffer(4096, 512, 5), 0));
        assertEquals(0, eof.buffer().capacity());
        assertEquals(512, eof.buffer().alignment());
    }

    /** Every command, each with a {@code null} replyTo: nobody could be told it is refused. */
    private static List<RingCommand> commandsWithoutReplyTo() {
        final AlignedBuffer buffer = AlignedBuffer.allocate(4096, 4096);
        return List.of(
                new Open("f", OpenOptions.readOnly(), null),
                new Close(FILE, null),
                new Read(FILE, 0, 10, null),
                new Write(FILE, 0, ByteString.fromString("x"), null),
                new ReadV(FILE, 0, List.of(1, 2), null),
                new WriteV(FILE, 0, List.of(ByteString.fromString("x")), null),
                new ReadBlock(FILE, 0, buffer, null),
                new ReadBlock(FILE, 0, null, null),
                new WriteBlock(FILE, 0, buffer, null),
                new WriteBlock(FILE, 0, null, null),
                new Trim(FILE, 0, 4096, null),
                new Fsync(FILE, false, null),
                new Stat(FILE, null),
                new GetStats(null),
                new Shutdown(null));
    }

    @Test
    void aCommandWithoutReplyToIsRefusedAtDecoding() throws Exception {
        final List<Object> commands = new ArrayList<>(commandsWithoutReplyTo());
        for (Object command : commands) {
            final byte[] bytes = serializer.toBinary(command);
            final String manifest = serializer.manifest(command);
            final NotSerializableException fromArray = assertThrows(NotSerializableException.class,
                    () -> serializer.fromBinary(bytes, manifest), "decoding " + command);
            assertTrue(fromArray.getMessage().contains("replyTo"), fromArray.getMessage());
            assertThrows(NotSerializableException.class, () -> decodeFromDirectBuffer(command), "decoding " + command);
        }
    }

    @Test
    void aRemoteRequestWithoutReplyToIsRefusedAtDecoding() throws Exception {
        for (RemoteBlockRequest r : List.of(
                new RemoteBlockRequest(false, FILE, 0, 4096, 4096, null, null, null),
                new RemoteBlockRequest(true, FILE, 0, 3, 4096, ByteString.fromString("abc"), null, null))) {
            final byte[] bytes = serializer.toBinary(r);
            final NotSerializableException e = assertThrows(NotSerializableException.class,
                    () -> serializer.fromBinary(bytes, serializer.manifest(r)));
            assertTrue(e.getMessage().contains("replyTo"), e.getMessage());
        }
    }

    private static void assertRefused(byte[] bytes, String manifest, String why) {
        final NotSerializableException e = assertThrows(NotSerializableException.class,
                () -> serializer.fromBinary(bytes, manifest), why);
        assertNotNull(e.getMessage(), why);
        final ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        assertThrows(NotSerializableException.class, () -> serializer.fromBinary(direct, manifest), why);
    }

    @Test
    void structurallyImpossibleValuesAreRefused() throws Exception {
        // a reply moving a negative count, or carrying more bytes than it says it moved
        assertRefused(serializer.toBinary(new BlockIo(null, -1)), RingProtocolSerializer.BLOCK_IO, "negative count");
        final byte[] moved16 = serializer.toBinary(new BlockIo(randomBuffer(16, 512, 6), 16));
        assertEquals(1, moved16[0], "format version 1");
        assertEquals(32, moved16[1], "zig-zag 16");
        moved16[1] = 8; // says 4
        assertRefused(moved16, RingProtocolSerializer.BLOCK_IO, "16 bytes carried, 4 moved");
        // an alignment that is not a power of two
        final byte[] read = serializer.toBinary(new RemoteBlockRequest(false, FILE, 0, 4096, 4096, null, null,
                blockReplies));
        final byte[] aligned3 = Arrays.copyOf(read, read.length - 1); // alignment 4096 is two bytes, 3 is one
        aligned3[aligned3.length - 1] = 3;
        assertRefused(aligned3, RingProtocolSerializer.READ_BLOCK, "alignment 3");
        // a capacity over max-io-size
        assertRefused(serializer.toBinary(new RemoteBlockRequest(false, FILE, 0, BIG + 1, 4096, null, null,
                blockReplies)), RingProtocolSerializer.READ_BLOCK, "over max-io-size");
        // a write with fewer bytes than its capacity
        final byte[] write = serializer.toBinary(new RemoteBlockRequest(true, FILE, 0, 3, 512,
                ByteString.fromString("abc"), null, blockReplies));
        assertRefused(Arrays.copyOf(write, write.length - 1), RingProtocolSerializer.WRITE_BLOCK, "truncated write");
        // open options with neither read nor write, an unknown failure kind, a boolean that is 2
        final byte[] open = serializer.toBinary(new Open("f", OpenOptions.readOnly(),
                testKit.<StatusReply<FileHandle>>createTestProbe().ref()));
        assertEquals(3, open[3], "present, read"); // after the version and the path
        open[3] = 1; // present, no flag
        assertRefused(open, RingProtocolSerializer.OPEN, "no read, no write");
        assertRefused(new byte[] {1, 99}, RingProtocolSerializer.FAILURE, "failure kind 99");
        assertRefused(new byte[] {1, 2, 0}, RingProtocolSerializer.CLOSE, "file handle presence 2");
        // a ByteStringList holding null, a ReadV counting more lengths than bytes are left
        assertRefused(new byte[] {1, 3, 2, 'a', 0}, RingProtocolSerializer.BYTE_STRINGS, "null element");
        final byte[] readv = serializer.toBinary(new ReadV(FILE, 0, List.of(1, 2),
                testKit.<StatusReply<List<ByteString>>>createTestProbe().ref()));
        readv[readv.length - 3] = 100; // count 99, two bytes left
        assertRefused(readv, RingProtocolSerializer.READV, "count over the bytes left");
    }

    @Test
    void wellFormedButBadValuesDecodeForTheRingToRefuseWithAReply() throws Exception {
        final ActorRef<StatusReply<Done>> done = testKit.<StatusReply<Done>>createTestProbe().ref();
        final ActorRef<StatusReply<ByteString>> bytes = testKit.<StatusReply<ByteString>>createTestProbe().ref();
        final ActorRef<StatusReply<RingStats>> stats = testKit.<StatusReply<RingStats>>createTestProbe().ref();
        final ActorRef<StatusReply<Statx>> statx = testKit.<StatusReply<Statx>>createTestProbe().ref();
        for (Object o : List.of(
                new Read(null, -1, -10, Duration.ofSeconds(-5), bytes),
                new Read(new FileHandle(-99), Long.MIN_VALUE, Integer.MIN_VALUE, bytes),
                new Close(null, done),
                new Trim(FILE, -4096, -1, done),
                new Stat(null, statx),
                new GetStats(stats),
                new Open(null, null, testKit.<StatusReply<FileHandle>>createTestProbe().ref()))) {
            assertEquals(o, decode(o));
        }
    }
}
