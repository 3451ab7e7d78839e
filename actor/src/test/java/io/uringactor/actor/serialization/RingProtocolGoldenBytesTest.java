package io.uringactor.actor.serialization;

// Changing these bytes is a wire-format change: bump the version and keep reading the old one.
// (A node still on the old version sends the old bytes during a rolling upgrade, and this one must read them.)

import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.actor.BlockIo;
import io.uringactor.actor.ByteStringList;
import io.uringactor.actor.FileHandle;
import io.uringactor.actor.InvalidRequestException;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingCommand.*;
import io.uringactor.actor.RingOverloadedException;
import io.uringactor.actor.RingStats;
import io.uringactor.actor.RingStoppedException;
import io.uringactor.actor.RingTimeoutException;
import io.uringactor.actor.internal.RemoteBlockRequest;
import io.uringactor.actor.internal.RemoteShutdown;
import io.uringactor.actor.internal.ReplyBatch;
import io.uringactor.actor.internal.RequestBatch;
import io.uringactor.ring.AlignedBuffer;
import io.uringactor.ring.Errno;
import io.uringactor.ring.ErrnoException;
import io.uringactor.ring.IoUringException;
import io.uringactor.ring.Statx;

import com.typesafe.config.ConfigFactory;

import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.NotSerializableException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The wire format, pinned: for every manifest, fixed values and the exact bytes they encode to, checked
 * both ways ({@code toBinary(value)} is the golden bytes, {@code fromBinary(golden)} is the value), on the
 * {@code byte[]} path and on Artery's {@link ByteBuffer} path.
 *
 * <p><b>Changing these bytes is a wire-format change: bump the version and keep reading the old one.</b>
 * Add the new version's bytes as new cases and keep these, decoding.
 *
 * <p>Every command's {@code replyTo} is the dead letters of the system {@code "golden"} (local provider, no
 * address with a host or port, no uid in the path), so its {@link ActorRefResolver} string, and with it the
 * bytes, are the same on every run: {@link #replyToIsStable} checks that before the bytes are blamed.
 */
class RingProtocolGoldenBytesTest {
    /** A fixed name and the local provider: the address is {@code pekko://golden}, with no host or port. */
    private static final ActorTestKit testKit = ActorTestKit.create("golden", ConfigFactory.parseString(
            "pekko.actor.provider = local\n" + "pekko.actor.serialize-messages = off\n"));
    private static RingProtocolSerializer serializer;
    private static ActorRef<Object> replyTo;

    // The pieces most messages share, in wire order.
    /** The format version byte that starts every payload. */
    private static final String VERSION = "01";
    /** {@code "pekko://golden/deadLetters"}: length + 1 = 27, then UTF-8. */
    private static final String REPLY_TO = "1b 70656b6b6f3a2f2f676f6c64656e2f646561644c657474657273";
    private static final String REPLY_TO_STRING = "pekko://golden/deadLetters";
    /** A present file handle: 1, then the id 0x0102030405060708 as 8 bytes little-endian. */
    private static final String FILE = "01 0807060504030201";
    private static final FileHandle HANDLE = new FileHandle(0x0102_0304_0506_0708L);
    /** An absent Duration (timeout) or Instant. */
    private static final String NONE = "00";

    @BeforeAll
    static void setUp() throws Exception {
        serializer = (RingProtocolSerializer) SerializationExtension.get(Adapter.toClassic(testKit.system()))
                .serializerFor(Close.class);
        replyTo = testKit.system().deadLetters();
    }

    @AfterAll
    static void tearDown() {
        testKit.shutdownTestKit();
    }

    @SuppressWarnings("unchecked")
    private static <T> ActorRef<T> ref() {
        return (ActorRef<T>) (ActorRef<?>) replyTo;
    }

    /** One value, its manifest, what it decodes to, and its bytes as hex (spaces ignored). */
    private record Golden(String name, String manifest, Object value, Object decoded, String hex) {
        byte[] bytes() {
            return HexFormat.of().parseHex(hex.replace(" ", ""));
        }
    }

    private static Golden golden(String name, String manifest, Object value, Object decoded, String... parts) {
        return new Golden(name, manifest, value, decoded, String.join(" ", parts));
    }

    private static Golden golden(String name, String manifest, Object value, String... parts) {
        return golden(name, manifest, value, value, parts);
    }

    private static AlignedBuffer buffer(int capacity, int alignment, int... bytes) {
        final AlignedBuffer buffer = AlignedBuffer.allocate(capacity, alignment);
        for (int i = 0; i < bytes.length; i++) {
            buffer.byteBuffer().put(i, (byte) bytes[i]);
        }
        return buffer;
    }

    private static List<Golden> goldens() {
        final AlignedBuffer readInto = AlignedBuffer.allocate(8192, 4096);
        final AlignedBuffer toWrite = buffer(4, 512, 1, 2, 3, 4);
        final ByteString written = ByteString.fromArray(new byte[] {1, 2, 3, 4});
        final List<Golden> g = new ArrayList<>();
        g.add(golden("Open", RingProtocolSerializer.OPEN,
                new Open("data/f", new OpenOptions(true, true, true, false, false, false, true, true), ref()),
                VERSION,
                "07 646174612f66", // path: length + 1, UTF-8
                "8f 01", // options: present|read|write|create|direct, then dsync
                REPLY_TO));
        g.add(golden("Open without path or options", RingProtocolSerializer.OPEN, new Open(null, null, ref()),
                VERSION, "00", "00", REPLY_TO));
        g.add(golden("Close", RingProtocolSerializer.CLOSE, new Close(HANDLE, ref()), VERSION, FILE, REPLY_TO));
        g.add(golden("Close without a handle", RingProtocolSerializer.CLOSE, new Close(null, ref()),
                VERSION, "00", REPLY_TO));
        g.add(golden("Read", RingProtocolSerializer.READ,
                new Read(HANDLE, 4096, 512, Duration.ofMillis(1500), ref()),
                VERSION, FILE,
                "80 40", // offset 4096, zig-zag
                "80 08", // length 512, zig-zag
                "01 02 80 ca b5 ee 01", // timeout: present, 1 s (zig-zag), 500,000,000 ns
                REPLY_TO));
        g.add(golden("Write", RingProtocolSerializer.WRITE,
                new Write(HANDLE, -1, ByteString.fromString("abc"), ref()),
                VERSION, FILE,
                "01", // offset -1, zig-zag
                NONE, REPLY_TO,
                "04 616263")); // data: length + 1, bytes
        g.add(golden("Write without data", RingProtocolSerializer.WRITE, new Write(HANDLE, 0, null, ref()),
                VERSION, FILE, "00", NONE, REPLY_TO, "00"));
        g.add(golden("ReadV", RingProtocolSerializer.READV, new ReadV(HANDLE, 0, List.of(1, -1), ref()),
                VERSION, FILE, "00", NONE, REPLY_TO,
                "03 02 01")); // lengths: count + 1, then each zig-zag
        g.add(golden("ReadV without lengths", RingProtocolSerializer.READV, new ReadV(HANDLE, 0, null, ref()),
                VERSION, FILE, "00", NONE, REPLY_TO, "00"));
        g.add(golden("WriteV", RingProtocolSerializer.WRITEV,
                new WriteV(HANDLE, 0, List.of(ByteString.fromString("a"), ByteString.emptyByteString()), ref()),
                VERSION, FILE, "00", NONE, REPLY_TO,
                "03", "02 61", "01")); // count + 1, then each as length + 1 and bytes
        g.add(golden("WriteV without data", RingProtocolSerializer.WRITEV, new WriteV(HANDLE, 0, null, ref()),
                VERSION, FILE, "00", NONE, REPLY_TO, "00"));
        final RemoteBlockRequest remoteRead = new RemoteBlockRequest(false, HANDLE, 4096, 8192, 4096, null, null,
                ref());
        final String[] readBlock = {VERSION, FILE, "80 40", NONE, REPLY_TO,
                "81 40", // capacity 8192 + 1
                "80 20"}; // alignment 4096
        g.add(golden("ReadBlock", RingProtocolSerializer.READ_BLOCK, new ReadBlock(HANDLE, 4096, readInto, ref()),
                remoteRead, readBlock));
        g.add(golden("RemoteBlockRequest, read", RingProtocolSerializer.READ_BLOCK, remoteRead, readBlock));
        g.add(golden("ReadBlock without a buffer", RingProtocolSerializer.READ_BLOCK,
                new ReadBlock(HANDLE, 0, null, ref()), VERSION, FILE, "00", NONE, REPLY_TO, "00"));
        final RemoteBlockRequest remoteWrite = new RemoteBlockRequest(true, HANDLE, 0, 4, 512, written, null, ref());
        final String[] writeBlock = {VERSION, FILE, "00", NONE, REPLY_TO,
                "05", // capacity 4 + 1
                "80 04", // alignment 512
                "01020304"}; // the buffer's bytes
        g.add(golden("WriteBlock", RingProtocolSerializer.WRITE_BLOCK, new WriteBlock(HANDLE, 0, toWrite, ref()),
                remoteWrite, writeBlock));
        g.add(golden("RemoteBlockRequest, write", RingProtocolSerializer.WRITE_BLOCK, remoteWrite, writeBlock));
        g.add(golden("WriteBlock without a buffer", RingProtocolSerializer.WRITE_BLOCK,
                new WriteBlock(HANDLE, 0, null, ref()), VERSION, FILE, "00", NONE, REPLY_TO, "00"));
        g.add(golden("Trim", RingProtocolSerializer.TRIM, new Trim(HANDLE, 4096, 8192, ref()),
                VERSION, FILE, "80 40", "80 80 01", REPLY_TO)); // offset, length: zig-zag
        g.add(golden("CopyRange", RingProtocolSerializer.COPY_RANGE,
                new CopyRange(HANDLE, 4096, HANDLE, 0, 512, ref()),
                VERSION, FILE, "80 40", // source, its offset 4096 (zig-zag)
                FILE, "00", // target, its offset 0
                "80 08", // length 512, zig-zag
                NONE, // no timeout
                REPLY_TO));
        g.add(golden("Fsync", RingProtocolSerializer.FSYNC, new Fsync(HANDLE, true, ref()),
                VERSION, FILE, "01", REPLY_TO)); // data only
        g.add(golden("Stat", RingProtocolSerializer.STAT, new Stat(HANDLE, ref()), VERSION, FILE, REPLY_TO));
        g.add(golden("GetStats", RingProtocolSerializer.GET_STATS, new GetStats(ref()), VERSION, REPLY_TO));
        g.add(golden("Shutdown", RingProtocolSerializer.SHUTDOWN, new Shutdown(ref()), new RemoteShutdown(ref()),
                VERSION, REPLY_TO));
        g.add(golden("RemoteShutdown", RingProtocolSerializer.SHUTDOWN, new RemoteShutdown(ref()),
                VERSION, REPLY_TO));

        g.add(golden("FileHandle", RingProtocolSerializer.FILE_HANDLE, HANDLE,
                VERSION, "0807060504030201")); // 8 bytes little-endian, no presence mark
        g.add(golden("BlockIo", RingProtocolSerializer.BLOCK_IO, new BlockIo(buffer(8, 512, 1, 2, 3, 4, 5), 4),
                new BlockIo(buffer(4, 512, 1, 2, 3, 4), 4),
                VERSION,
                "08", // bytes moved: 4, zig-zag
                "09 80 04", // the buffer's capacity 8 + 1, alignment 512
                "05 01020304")); // the bytes read, and only those: count + 1, bytes
        g.add(golden("BlockIo without a buffer", RingProtocolSerializer.BLOCK_IO, new BlockIo(null, 8192),
                VERSION, "80 80 01", "00"));
        g.add(golden("RingStats", RingProtocolSerializer.RING_STATS, new RingStats(300, 2, 3, 4, 5, 6, 7, 8, -1),
                VERSION, "d8 04 04 06 08 0a 0c 0e 10 01")); // each field zig-zag, in record order
        g.add(golden("Statx", RingProtocolSerializer.STATX,
                new Statx(0x7ff, 1234, 4096, 8, 0100644, 1, 1000, 1000, 42,
                        Instant.ofEpochSecond(1_700_000_000L, 5), Instant.EPOCH, null, null, 512, 4096),
                VERSION,
                "ff 0f", // mask, unsigned
                "a4 13 80 40 10 c8 86 04 02 d0 0f d0 0f 54", // size .. inode, zig-zag
                "01 80 c4 9f d5 0c 05", // accessed: present, seconds zig-zag, nanoseconds
                "01 00 00", // modified: the epoch
                NONE, NONE, // changed, born
                "80 08 80 40")); // dio alignments, zig-zag
        g.add(golden("ByteStringList", RingProtocolSerializer.BYTE_STRINGS,
                ByteStringList.of(List.of(ByteString.fromString("ab"), ByteString.emptyByteString())),
                VERSION, "03", "03 6162", "01"));

        g.add(golden("ErrnoException", RingProtocolSerializer.FAILURE, new ErrnoException("read", Errno.EIO),
                VERSION, "01", "05 72656164", "05")); // kind, operation, errno
        g.add(golden("InvalidRequestException", RingProtocolSerializer.FAILURE, new InvalidRequestException("bad"),
                VERSION, "02", "04 626164")); // kind, message
        g.add(golden("RingOverloadedException", RingProtocolSerializer.FAILURE,
                new RingOverloadedException("full"), VERSION, "03", "05 66756c6c"));
        g.add(golden("RingTimeoutException", RingProtocolSerializer.FAILURE, new RingTimeoutException("late"),
                VERSION, "05", "05 6c617465"));
        g.add(golden("RingStoppedException with a cause", RingProtocolSerializer.FAILURE,
                new RingStoppedException("stop", new ErrnoException("enter", Errno.EBADF)),
                VERSION, "04", "05 73746f70",
                "01", "01 06 656e746572 09")); // a cause: present, then a failure
        g.add(golden("RingStoppedException", RingProtocolSerializer.FAILURE, new RingStoppedException(null),
                VERSION, "04", "00", "00"));
        g.add(golden("IoUringException with a foreign cause", RingProtocolSerializer.FAILURE,
                new IoUringException("x", new IllegalStateException("y")),
                new IoUringException("x", new IoUringException("java.lang.IllegalStateException: y")),
                VERSION, "06", "02 78",
                "01 06 23 6a6176612e6c616e672e496c6c6567616c5374617465457863657074696f6e3a2079 00"));
        g.add(golden("RequestBatch", RingProtocolSerializer.REQUEST_BATCH, new RequestBatch(ref(), 9,
                        new long[] {5, 300}, new RingCommand[] {new Read(HANDLE, 4096, 512, ref()), new Close(HANDLE, ref())}),
                VERSION, REPLY_TO,
                "09", // batch id
                "02", // entries
                "05", "02 52", FILE, "80 40", "80 08", NONE, // id 5, manifest "R", a Read without its replyTo
                "ac 02", "02 43", FILE)); // id 300 (varint), manifest "C", a Close without its replyTo
        g.add(golden("ReplyBatch", RingProtocolSerializer.REPLY_BATCH, new ReplyBatch(new long[] {7},
                        new long[] {1, 2, 3, 4, 5}, new Object[] {ByteString.fromString("abc"), -1, Done.getInstance(),
                                HANDLE, new InvalidRequestException("bad")}),
                VERSION,
                "01 07", // acknowledged batches: count, then each id
                "05", // entries
                "01 00 04 616263", // id 1: bytes, length + 1, bytes
                "02 01 01", // id 2: an Integer, -1 zig-zag
                "03 02", // id 3: Done
                "04 03 02 48 0807060504030201", // id 4: a value, manifest "H", the handle
                "05 04 02 04 626164")); // id 5: a failure, as FailureCodec writes it
        g.add(golden("ReplyBatch of an acknowledgement alone", RingProtocolSerializer.REPLY_BATCH,
                new ReplyBatch(new long[] {300}, new long[0], new Object[0]), VERSION, "01 ac 02", "00"));
        return g;
    }

    @Test
    void replyToIsStable() {
        assertEquals(REPLY_TO_STRING, ActorRefResolver.get(testKit.system()).toSerializationFormat(replyTo));
        assertEquals(REPLY_TO.substring(3), HexFormat.of().formatHex(REPLY_TO_STRING.getBytes()));
    }

    @TestFactory
    Stream<DynamicTest> valuesEncodeToTheirGoldenBytes() {
        return goldens().stream().map(g -> DynamicTest.dynamicTest(g.name(), () -> {
            assertEquals(g.manifest(), serializer.manifest(g.value()));
            assertEquals(g.hex().replace(" ", ""), HexFormat.of().formatHex(serializer.toBinary(g.value())));
            final ByteBuffer direct = ByteBuffer.allocateDirect(g.bytes().length);
            serializer.toBinary(g.value(), direct);
            assertFalse(direct.hasRemaining(), "Artery's path writes as many bytes");
            assertEquals(ByteBuffer.wrap(g.bytes()), direct.flip(), "Artery's path writes the same bytes");
        }));
    }

    @TestFactory
    Stream<DynamicTest> goldenBytesDecodeToTheirValues() {
        return goldens().stream().map(g -> DynamicTest.dynamicTest(g.name(), () -> {
            assertSameValue(g.decoded(), serializer.fromBinary(g.bytes(), g.manifest()));
            final ByteBuffer direct = ByteBuffer.allocateDirect(g.bytes().length).put(g.bytes()).flip();
            assertSameValue(g.decoded(), serializer.fromBinary(direct, g.manifest()));
            assertFalse(direct.hasRemaining());
        }));
    }

    @TestFactory
    Stream<DynamicTest> aPayloadOfAnotherFormatVersionIsRefusedNamingTheVersions() {
        return goldens().stream().map(g -> DynamicTest.dynamicTest(g.name(), () -> {
            for (int version : new int[] {0, 2, 0x7F, 0xFF}) {
                final byte[] bytes = g.bytes();
                bytes[0] = (byte) version;
                final NotSerializableException e = assertThrows(NotSerializableException.class,
                        () -> serializer.fromBinary(bytes, g.manifest()));
                assertTrue(e.getMessage().contains("format version " + version + ": this library reads version 1"),
                        e.getMessage());
                final ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
                assertThrows(NotSerializableException.class, () -> serializer.fromBinary(direct, g.manifest()));
            }
        }));
    }

    /**
     * Forged bytes asking to create, truncate or append through a read-only open: Linux would truncate on
     * {@code O_RDONLY|O_TRUNC}, so the ring must never see them.
     */
    @Test
    void openOptionsThatChangeAFileWithoutWritingAreRefused() {
        for (String options : new String[] {"23", "0b", "13", "43"}) { // read|trunc, read|create, read|excl, read|append
            final byte[] bytes = HexFormat.of().parseHex((VERSION + "07646174612f66" + options + "00" + REPLY_TO)
                    .replace(" ", ""));
            final NotSerializableException e = assertThrows(NotSerializableException.class,
                    () -> serializer.fromBinary(bytes, RingProtocolSerializer.OPEN), options);
            assertTrue(e.getMessage().contains("malformed open options") && e.getMessage().contains("add write"),
                    e.getMessage());
        }
    }

    @Test
    void anEmptyPayloadIsRefused() {
        final NotSerializableException e = assertThrows(NotSerializableException.class,
                () -> serializer.fromBinary(new byte[0], RingProtocolSerializer.GET_STATS));
        assertTrue(e.getMessage().contains("format version"), e.getMessage());
        assertThrows(NotSerializableException.class,
                () -> serializer.fromBinary(ByteBuffer.allocateDirect(0), RingProtocolSerializer.FILE_HANDLE));
    }

    /**
     * {@code RS2}, the RingStats the next release writes (refusals by reason and the engine), is read already, so
     * that a node of this release understands it during a rolling upgrade; this release still writes {@code RS}.
     */
    @Test
    void ringStatsOfTheNextReleaseAreRead() throws Exception {
        final RingStats full = new RingStats(300, 2, 3, 4, 5, 6, 7, 8, -1, 3, 1, "io_uring");
        final byte[] v2 = HexFormat.of().parseHex((VERSION + "d8 04 04 06 08 0a 0c 0e 10 01" // as RS
                + "06 02" // refusedInvalid 3, refusedStopped 1, zig-zag
                + "09 696f5f7572696e67").replace(" ", "")); // engine: length 8 + 1, UTF-8
        assertEquals(full, serializer.fromBinary(v2, RingProtocolSerializer.RING_STATS_V2));
        assertEquals(full, serializer.fromBinary(ByteBuffer.allocateDirect(v2.length).put(v2).flip(),
                RingProtocolSerializer.RING_STATS_V2));
        assertEquals(RingProtocolSerializer.RING_STATS, serializer.manifest(full), "this release writes RS");
        final byte[] nullEngine = HexFormat.of().parseHex((VERSION + "d8 04 04 06 08 0a 0c 0e 10 01 06 02 00")
                .replace(" ", ""));
        assertThrows(NotSerializableException.class,
                () -> serializer.fromBinary(nullEngine, RingProtocolSerializer.RING_STATS_V2));
        assertThrows(NotSerializableException.class, () -> serializer.fromBinary(
                java.util.Arrays.copyOf(v2, v2.length - 3), RingProtocolSerializer.RING_STATS_V2), "truncated");
    }

    /** A manifest added without golden bytes is a wire format nobody pinned. */
    @Test
    void everyManifestHasGoldenBytes() throws IllegalAccessException {
        final Set<String> manifests = new TreeSet<>();
        for (Field f : RingProtocolSerializer.class.getDeclaredFields()) {
            if (f.getType() == String.class && Modifier.isStatic(f.getModifiers())
                    && Modifier.isFinal(f.getModifiers())) {
                manifests.add((String) f.get(null));
            }
        }
        final Set<String> covered = new TreeSet<>();
        goldens().forEach(g -> covered.add(g.manifest()));
        covered.add(RingProtocolSerializer.RING_STATS_V2); // read only: ringStatsOfTheNextReleaseAreRead
        assertEquals(23, manifests.size(), "manifests: " + manifests);
        assertEquals(manifests, covered);
    }

    private static void assertSameValue(Object expected, Object actual) {
        if (expected instanceof ReplyBatch) {
            final ReplyBatch e = (ReplyBatch) expected;
            final ReplyBatch a = assertInstanceOf(ReplyBatch.class, actual);
            assertArrayEquals(e.acks(), a.acks());
            assertArrayEquals(e.ids(), a.ids());
            assertEquals(e.outcomes().length, a.outcomes().length);
            for (int i = 0; i < e.outcomes().length; i++) {
                assertSameValue(e.outcomes()[i], a.outcomes()[i]);
            }
        } else if (expected instanceof Throwable) {
            assertSameFailure((Throwable) expected, (Throwable) actual);
        } else if (expected instanceof BlockIo) {
            final BlockIo e = (BlockIo) expected;
            final BlockIo a = assertInstanceOf(BlockIo.class, actual);
            assertEquals(e.bytes(), a.bytes());
            if (e.buffer() == null) {
                assertNull(a.buffer());
                return;
            }
            assertEquals(e.buffer().capacity(), a.buffer().capacity());
            assertEquals(e.buffer().alignment(), a.buffer().alignment());
            assertEquals(0, a.buffer().address() % a.buffer().alignment());
            assertEquals(e.buffer().byteBuffer().duplicate().clear(), a.buffer().byteBuffer().duplicate().clear());
        } else {
            assertEquals(expected, actual);
        }
    }

    private static void assertSameFailure(Throwable expected, Throwable actual) {
        assertNotNull(actual);
        assertEquals(expected.getClass(), actual.getClass());
        assertEquals(expected.getMessage(), actual.getMessage());
        if (expected instanceof ErrnoException) {
            assertEquals(((ErrnoException) expected).errno(), ((ErrnoException) actual).errno());
            assertEquals(((ErrnoException) expected).operation(), ((ErrnoException) actual).operation());
        }
        if (expected.getCause() == null) {
            assertNull(actual.getCause());
        } else {
            assertSameFailure(expected.getCause(), actual.getCause());
        }
    }
}
