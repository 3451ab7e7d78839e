package io.uringactor.actor.serialization;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.NotSerializableException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/** Round trips of every message of the ring protocol, and a fuzz of the decoder. */
class RingProtocolSerializerTest {
    private static final ActorTestKit testKit = ActorTestKit.create("serializer-test", ConfigFactory.parseString(
            "io-uring-actor.ring.max-io-size = 1 MiB\n"
                    + "pekko.actor.serialize-messages = off\n"));
    private static Serialization serialization;
    private static RingProtocolSerializer serializer;
    private static ActorRef<StatusReply<FileHandle>> openReplies;
    private static ActorRef<StatusReply<Done>> doneReplies;
    private static ActorRef<StatusReply<ByteString>> readReplies;
    private static ActorRef<StatusReply<Integer>> writeReplies;
    private static ActorRef<StatusReply<List<ByteString>>> readvReplies;
    private static ActorRef<StatusReply<BlockIo>> blockReplies;
    private static ActorRef<StatusReply<Statx>> statReplies;
    private static ActorRef<StatusReply<RingStats>> statsReplies;
    private static ActorRef<StatusReply<Done>> shutdownReplies;
    private static ActorRef<ReplyBatch> batchReceiver;

    @TempDir
    static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
        openReplies = testKit.<StatusReply<FileHandle>>createTestProbe().ref();
        doneReplies = testKit.<StatusReply<Done>>createTestProbe().ref();
        readReplies = testKit.<StatusReply<ByteString>>createTestProbe().ref();
        writeReplies = testKit.<StatusReply<Integer>>createTestProbe().ref();
        readvReplies = testKit.<StatusReply<List<ByteString>>>createTestProbe().ref();
        blockReplies = testKit.<StatusReply<BlockIo>>createTestProbe().ref();
        statReplies = testKit.<StatusReply<Statx>>createTestProbe().ref();
        statsReplies = testKit.<StatusReply<RingStats>>createTestProbe().ref();
        shutdownReplies = testKit.<StatusReply<Done>>createTestProbe().ref();
        batchReceiver = testKit.<ReplyBatch>createTestProbe().ref();
        serializer = (RingProtocolSerializer) serialization.serializerFor(RingCommand.Close.class);
    }

    @AfterAll
    static void tearDown() {
        testKit.shutdownTestKit();
    }

    private static ByteString randomBytes(int n, long seed) {
        final byte[] bytes = new byte[n];
        new Random(seed).nextBytes(bytes);
        return ByteString.fromArrayUnsafe(bytes);
    }

    private static AlignedBuffer randomBuffer(int capacity, int alignment, long seed) {
        final AlignedBuffer buffer = AlignedBuffer.allocate(capacity, alignment);
        buffer.byteBuffer().put(0, randomBytes(capacity, seed).toArray());
        return buffer;
    }

    private static final FileHandle FILE = new FileHandle(0x1234_5678_0000_0003L);

    /** Every record of the protocol whose fields have equals, with nulls and extreme values. */
    private static List<Object> records() throws Exception {
        final Statx statx = Statx.of(Files.write(dir.resolve("statx"), new byte[1234]));
        return List.of(
                new Open("data/file.bin", OpenOptions.readWrite().withCreate().withDsync(), openReplies),
                new Open("ünïcödé/../ファイル", new OpenOptions(false, true, true, true, true, true, true, false), openReplies),
                new Open(null, null, openReplies),
                new Close(FILE, doneReplies),
                new Close(null, doneReplies),
                new Read(FILE, 0, 4096, readReplies),
                new Read(FILE, Long.MAX_VALUE, Integer.MIN_VALUE, Duration.ofSeconds(-3, 999_999_999), readReplies),
                new Write(FILE, 1L << 40, randomBytes(10_000, 1), Duration.ofMillis(1500), writeReplies),
                new Write(FILE, 7, randomBytes(100, 2).concat(randomBytes(50, 3)), writeReplies),
                new Write(FILE, -1, ByteString.emptyByteString(), writeReplies),
                new Write(FILE, 0, null, writeReplies),
                new ReadV(FILE, 4096, List.of(1, 0, 65536, -5), Duration.ofNanos(1), readvReplies),
                new ReadV(FILE, 0, null, readvReplies),
                new WriteV(FILE, 12, List.of(randomBytes(7, 4), ByteString.emptyByteString(), randomBytes(300, 5)), writeReplies),
                new WriteV(FILE, 12, null, writeReplies),
                new Trim(FILE, 4096, 1L << 33, doneReplies),
                new Fsync(FILE, true, doneReplies),
                new Fsync(FileHandle.BOUND, false, doneReplies),
                new Stat(FILE, statReplies),
                new GetStats(statsReplies),
                new RemoteShutdown(shutdownReplies), // a Shutdown decodes as one: see aShutdownArrivesMarkedAsRemote
                FILE,
                FileHandle.BOUND,
                new FileHandle(0),
                new RingStats(1, 2, 3, 4, 5, 6, 7, 8, Long.MAX_VALUE),
                new RingStats(0, 0, 0, 0, 0, 0, 0, 0, 0),
                statx,
                new Statx(-1, Long.MIN_VALUE, 4096, 8, 0100644, 1, 1000, 1000, -7L,
                        Instant.ofEpochSecond(-100, 5), Instant.EPOCH, Instant.ofEpochSecond(1_700_000_000L, 999_999_999),
                        null, 512, 4096),
                ByteStringList.of(List.of(randomBytes(3, 6), ByteString.emptyByteString(), randomBytes(5000, 7))),
                ByteStringList.of(List.of()));
    }

    private static List<IoUringException> failures() {
        return List.of(
                new ErrnoException("openat2(../x, OpenOptions[...]) beneath root-directory /r (the path escapes the root directory)", Errno.EXDEV),
                new ErrnoException("read(fd=3, offset=0, length=4096)", -Errno.EIO),
                new ErrnoException(null, 4000),
                new InvalidRequestException("unknown or closed file handle FileHandle[id=3]"),
                new InvalidRequestException(null),
                new RingOverloadedException("ring actor overloaded"),
                new RingTimeoutException("read(...) timed out after PT1S and was cancelled"),
                new RingStoppedException("the ring actor is stopping"),
                new RingStoppedException("the ring failed: boom", new ErrnoException("io_uring_enter", Errno.EBADF)),
                new RingStoppedException("nested", new RingStoppedException("inner", new IllegalStateException("foreign"))),
                new IoUringException("the kernel does not accept submissions"));
    }

    private static Object roundTrip(Object o) throws NotSerializableException {
        final Serializer found = serialization.findSerializerFor(o);
        assertEquals(RingProtocolSerializer.IDENTIFIER, found.identifier(), "serializer bound to " + o.getClass());
        final String manifest = serializer.manifest(o);
        final byte[] bytes = serializer.toBinary(o);
        final Object fromArray = serializer.fromBinary(bytes, manifest);
        // Artery's path: straight into and out of a (direct, pooled) buffer
        final ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length + 16);
        serializer.toBinary(o, buffer);
        assertEquals(bytes.length, buffer.position(), "both paths write the same bytes for " + o);
        buffer.flip();
        final byte[] again = new byte[bytes.length];
        buffer.duplicate().get(again);
        assertArrayEquals(bytes, again, "both paths write the same bytes for " + o);
        final Object fromBuffer = serializer.fromBinary(buffer, manifest);
        assertFalse(buffer.hasRemaining());
        assertSameValue(fromArray, fromBuffer);
        return fromArray;
    }

    private static void assertSameValue(Object expected, Object actual) {
        if (expected instanceof ReplyBatch) {
            final ReplyBatch e = (ReplyBatch) expected;
            final ReplyBatch a = (ReplyBatch) actual;
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
            final BlockIo a = (BlockIo) actual;
            assertEquals(e.bytes(), a.bytes());
            if (e.buffer() == null) {
                assertNull(a.buffer());
                return;
            }
            // a fresh buffer of the bytes carried, aligned as sent (these buffers are not smaller than that)
            final int n = Math.min(e.bytes(), e.buffer().capacity());
            assertEquals(n, a.buffer().capacity());
            assertEquals(e.buffer().alignment(), a.buffer().alignment());
            assertEquals(0, a.buffer().address() % a.buffer().alignment());
            assertEquals(e.buffer().byteBuffer().duplicate().clear().limit(n), a.buffer().byteBuffer().duplicate().clear());
        } else if (expected instanceof WriteBlock) {
            final WriteBlock e = (WriteBlock) expected;
            final WriteBlock a = (WriteBlock) actual;
            assertEquals(Arrays.asList(e.file(), e.offset(), e.timeout(), e.replyTo()),
                    Arrays.asList(a.file(), a.offset(), a.timeout(), a.replyTo()));
            assertSameBuffer(e.buffer(), a.buffer(), true);
        } else if (expected instanceof ReadBlock) {
            final ReadBlock e = (ReadBlock) expected;
            final ReadBlock a = (ReadBlock) actual;
            assertEquals(Arrays.asList(e.file(), e.offset(), e.timeout(), e.replyTo()),
                    Arrays.asList(a.file(), a.offset(), a.timeout(), a.replyTo()));
            assertSameBuffer(e.buffer(), a.buffer(), false);
        } else {
            assertEquals(expected, actual);
        }
    }

    private static void assertSameBuffer(AlignedBuffer expected, AlignedBuffer actual, boolean sameBytes) {
        if (expected == null) {
            assertNull(actual);
            return;
        }
        assertNotSame(expected, actual);
        assertEquals(expected.capacity(), actual.capacity());
        assertEquals(expected.alignment(), actual.alignment());
        assertEquals(0, actual.address() % actual.alignment());
        if (sameBytes) {
            assertEquals(expected.byteBuffer().duplicate().clear(), actual.byteBuffer().duplicate().clear());
        }
    }

    private static void assertSameFailure(Throwable expected, Throwable actual) {
        assertNotNull(actual);
        if (expected instanceof IoUringException) {
            assertEquals(expected.getClass(), actual.getClass());
        } else {
            // A foreign cause arrives as an IoUringException naming its type.
            assertEquals(IoUringException.class, actual.getClass());
            assertEquals(expected.getClass().getName() + ": " + expected.getMessage(), actual.getMessage());
            return;
        }
        assertEquals(expected.getMessage(), actual.getMessage());
        if (expected instanceof ErrnoException) {
            assertEquals(((ErrnoException) expected).errno(), ((ErrnoException) actual).errno());
            assertEquals(((ErrnoException) expected).errnoName(), ((ErrnoException) actual).errnoName());
            assertEquals(((ErrnoException) expected).operation(), ((ErrnoException) actual).operation());
        }
        if (expected.getCause() != null) {
            assertSameFailure(expected.getCause(), actual.getCause());
        } else {
            assertNull(actual.getCause());
        }
    }

    @Test
    void recordsRoundTrip() throws Exception {
        for (Object o : records()) {
            assertEquals(o, roundTrip(o), "round trip of " + o);
        }
    }

    /** A batch of every batchable command, each answered to the batch's receiver. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static RequestBatch requestBatch() {
        final ActorRef receiver = batchReceiver;
        final RingCommand[] entries = {
                new Open("data/ünï.bin", OpenOptions.readWrite().withCreate(), receiver),
                new Close(FILE, receiver),
                new Read(FILE, 1L << 40, 4096, Duration.ofMillis(20), receiver),
                new Write(FILE, 7, randomBytes(5000, 21), receiver),
                new ReadV(FILE, 0, List.of(1, 4096), receiver),
                new WriteV(FILE, 12, List.of(randomBytes(7, 22), ByteString.emptyByteString()), receiver),
                new Trim(FILE, 4096, 1L << 33, receiver),
                new CopyRange(FILE, 1, FileHandle.BOUND, 2, 65536, null, receiver),
                new Fsync(FILE, true, receiver),
                new Stat(null, receiver)};
        final long[] ids = new long[entries.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i == 0 ? Long.MAX_VALUE : i * 1_000_003L;
        }
        return new RequestBatch(batchReceiver, Long.MAX_VALUE - 1, ids, entries);
    }

    /** A reply batch of every kind of outcome. */
    private static ReplyBatch replyBatch() throws Exception {
        final List<Object> outcomes = new ArrayList<>(List.of(randomBytes(4096, 23), ByteString.emptyByteString(),
                Integer.MIN_VALUE, 4096, Done.getInstance(), FILE,
                Statx.of(Files.write(dir.resolve("batched-statx"), new byte[77])),
                ByteStringList.of(List.of(randomBytes(3, 24), ByteString.emptyByteString()))));
        outcomes.addAll(failures());
        final long[] ids = new long[outcomes.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 1L << (i * 2);
        }
        return new ReplyBatch(new long[] {1, Long.MAX_VALUE}, ids, outcomes.toArray());
    }

    @Test
    void batchesCarryTheirEntriesAndEachOutcomeTyped() throws Exception {
        final RequestBatch requests = requestBatch();
        final RequestBatch decoded = (RequestBatch) roundTrip(requests);
        assertEquals(requests.replyTo(), decoded.replyTo());
        assertEquals(requests.batchId(), decoded.batchId());
        assertArrayEquals(requests.ids(), decoded.ids());
        assertEquals(Arrays.asList(requests.commands()), Arrays.asList(decoded.commands()),
                "each entry as sent, answered to the batch's receiver");
        final ReplyBatch replies = replyBatch();
        assertSameValue(replies, roundTrip(replies));
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void aBatchOfWhatTravelsAloneOrOfNothingIsRefused() {
        final ActorRef receiver = batchReceiver;
        for (RingCommand alone : List.<RingCommand>of(new GetStats(receiver), new Shutdown(receiver))) {
            final RequestBatch batch = new RequestBatch(batchReceiver, 1, new long[] {1}, new RingCommand[] {alone});
            final byte[] bytes = serializer.toBinary(batch);
            final NotSerializableException e = assertThrows(NotSerializableException.class,
                    () -> serializer.fromBinary(bytes, serializer.manifest(batch)));
            assertTrue(e.getMessage().contains("no batchable command"), e.getMessage());
        }
        final RequestBatch empty = new RequestBatch(batchReceiver, 1, new long[0], new RingCommand[0]);
        final NotSerializableException e = assertThrows(NotSerializableException.class,
                () -> serializer.fromBinary(serializer.toBinary(empty), serializer.manifest(empty)));
        assertTrue(e.getMessage().contains("a batch holds 1 to"), e.getMessage());
        final ReplyBatch nothing = new ReplyBatch(new long[0], new long[0], new Object[0]);
        final NotSerializableException none = assertThrows(NotSerializableException.class,
                () -> serializer.fromBinary(serializer.toBinary(nothing), serializer.manifest(nothing)));
        assertTrue(none.getMessage().contains("a batch holds 1 to"), none.getMessage());
    }

    @Test
    void actorRefsResolveBack() throws Exception {
        final Open open = (Open) roundTrip(new Open("f", OpenOptions.readOnly(), openReplies));
        assertEquals(openReplies.path(), open.replyTo().path());
        assertEquals(openReplies, open.replyTo());
        // and the resolved ref delivers
        final var probe = testKit.<StatusReply<FileHandle>>createTestProbe();
        final Open viaProbe = (Open) roundTrip(new Open("f", OpenOptions.readOnly(), probe.ref()));
        viaProbe.replyTo().tell(StatusReply.success(FILE));
        assertEquals(FILE, probe.receiveMessage().getValue());
    }

    @Test
    void blockCommandsTravelAsTheirShapeAndRepliesAsTheirBytes() throws Exception {
        // a write's bytes travel once; the remote ring allocates the aligned buffer when it admits the request
        final AlignedBuffer toWrite = randomBuffer(8192, 4096, 8);
        final WriteBlock write = new WriteBlock(FILE, 4096, toWrite, Duration.ofSeconds(2), blockReplies);
        assertEquals(new RemoteBlockRequest(true, FILE, 4096, 8192, 4096,
                        ByteString.fromByteBuffer(toWrite.byteBuffer().duplicate().clear()), Duration.ofSeconds(2), blockReplies),
                roundTrip(write));

        // a read sends its buffer's shape
        final ReadBlock read = new ReadBlock(FILE, 0, AlignedBuffer.allocate(4096, 512), blockReplies);
        final byte[] readBytes = serializer.toBinary(read);
        assertTrue(readBytes.length < 200, "a block read sends no buffer bytes: " + readBytes.length);
        assertEquals(new RemoteBlockRequest(false, FILE, 0, 4096, 512, null, null, blockReplies), roundTrip(read));

        // replies: a read's carries the bytes read; the ring answers a remote write without a buffer
        final BlockIo readReply = new BlockIo(randomBuffer(4096, 512, 9), 1000);
        assertSameValue(readReply, roundTrip(readReply));
        final int readReplySize = serializer.toBinary(readReply).length;
        assertTrue(readReplySize > 1000 && readReplySize < 1100, "only the bytes read travel: " + readReplySize);
        final BlockIo writeReply = (BlockIo) roundTrip(new BlockIo(null, 8192));
        assertNull(writeReply.buffer());
        assertEquals(8192, writeReply.bytes());
        final BlockIo local = new BlockIo(toWrite, 8192);
        assertSameValue(local, roundTrip(local));
        // null buffers are the actor's business to refuse
        assertNull(((ReadBlock) roundTrip(new ReadBlock(FILE, 0, null, blockReplies))).buffer());
        assertNull(((WriteBlock) roundTrip(new WriteBlock(FILE, 0, null, blockReplies))).buffer());
    }

    @Test
    void payloadsAreWrittenOnce() throws Exception {
        final ByteString data = randomBytes(100_000, 10);
        final Write write = new Write(FILE, 0, data, writeReplies);
        final byte[] bytes = serializer.toBinary(write);
        final int overhead = bytes.length - data.size();
        assertTrue(overhead > 0 && overhead < 120, "overhead " + overhead + " bytes");
        assertEquals(1, indexOf(bytes, data.toArray()) >= 0 ? 1 : 0, "the payload is in the message verbatim");
        final Read read = new Read(FILE, 0, 4096, readReplies);
        assertTrue(serializer.toBinary(read).length < 100);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void failuresRoundTripTyped() throws Exception {
        for (IoUringException e : failures()) {
            assertSameFailure(e, (Throwable) roundTrip(e));
        }
        final ErrnoException exdev = (ErrnoException) roundTrip(failures().get(0));
        assertEquals(Errno.EXDEV, exdev.errno());
        assertEquals("EXDEV", exdev.errnoName());
    }

    /** StatusReply is pekko-remote's business; it writes the value or exception with the bound serializer. */
    @Test
    void statusRepliesCarryTheirValuesAndTypedFailures() throws Exception {
        final List<Object> values = new ArrayList<>(List.of(ByteString.fromString("bytes"), 42, Done.getInstance(),
                FILE, new RingStats(1, 2, 3, 4, 5, 6, 7, 8, 9),
                ByteStringList.of(List.of(ByteString.fromString("a"), ByteString.fromString("bc")))));
        values.add(Statx.of(Files.write(dir.resolve("reply"), new byte[77])));
        for (Object value : values) {
            final StatusReply<?> back = statusReplyRoundTrip(StatusReply.success(value));
            assertTrue(back.isSuccess());
            assertEquals(value, back.getValue());
        }
        final BlockIo io = new BlockIo(randomBuffer(4096, 4096, 11), 4096);
        assertSameValue(io, statusReplyRoundTrip(StatusReply.success(io)).getValue());
        for (IoUringException e : failures()) {
            final StatusReply<?> back = statusReplyRoundTrip(StatusReply.error(e));
            assertTrue(back.isError());
            assertSameFailure(e, back.getError());
        }
    }

    private static StatusReply<?> statusReplyRoundTrip(StatusReply<?> reply) throws NotSerializableException {
        final Serializer s = serialization.findSerializerFor(reply);
        final byte[] bytes = serialization.serialize(reply).get();
        return (StatusReply<?>) serialization.deserialize(bytes, s.identifier(), Serializers.manifestFor(s, reply)).get();
    }

    @Test
    void blockCapacityIsBoundedByMaxIoSize() {
        final ReadBlock huge = new ReadBlock(FILE, 0, AlignedBuffer.allocate(2 << 20, 4096), blockReplies);
        final NotSerializableException e = assertThrows(NotSerializableException.class,
                () -> serializer.fromBinary(serializer.toBinary(huge), serializer.manifest(huge)));
        assertTrue(e.getMessage().contains("over the limit"), e.getMessage());
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final BufferPoolMXBean DIRECT = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)
            .stream().filter(pool -> pool.getName().equals("direct")).findFirst().orElseThrow();

    /**
     * What decoding {@code inputLength} bytes may allocate, heap and direct memory together: a small multiple
     * of the input, plus a constant for resolving an ActorRef, an exception with its stack trace and a
     * buffer's alignment slack (at most 4 KiB).
     */
    private static long allocationLimit(int inputLength) {
        return 16L * inputLength + (32 << 10);
    }

    /** A valid encoding of every manifest, with its manifest. */
    private static List<Map.Entry<String, byte[]>> validEncodings() throws Exception {
        final List<Object> samples = new ArrayList<>(records());
        samples.addAll(failures());
        samples.add(new ReadBlock(FILE, 0, AlignedBuffer.allocate(512, 512), blockReplies));
        samples.add(new WriteBlock(FILE, 0, randomBuffer(1024, 512, 12), blockReplies));
        samples.add(new RemoteBlockRequest(false, FILE, 4096, 8192, 4096, null, Duration.ofSeconds(1), blockReplies));
        samples.add(new RemoteBlockRequest(true, FILE, 0, 300, 512, randomBytes(300, 15), null, blockReplies));
        samples.add(new BlockIo(randomBuffer(1024, 512, 13), 100));
        samples.add(new BlockIo(randomBuffer(4096, 4096, 14), 4096));
        samples.add(new BlockIo(null, 100));
        samples.add(requestBatch());
        samples.add(replyBatch());
        final List<Map.Entry<String, byte[]>> encodings = new ArrayList<>();
        for (Object o : samples) {
            final String manifest = serializer.manifest(o);
            final byte[] bytes = serializer.toBinary(o);
            assertNotNull(serializer.fromBinary(bytes, manifest));
            encodings.add(Map.entry(manifest, bytes));
        }
        return encodings;
    }

    /**
     * Decodes {@code input} (from a direct buffer, Artery's way, or from the array) and fails unless the
     * result is a value or a {@link NotSerializableException}, and, when {@code measured}, unless decoding
     * allocated at most {@link #allocationLimit} of the input. Returns whether it decoded.
     */
    private static boolean decodesWithinLimits(byte[] input, String manifest, boolean viaBuffer, boolean measured,
                                               Supplier<String> context) {
        final ByteBuffer direct = viaBuffer ? directCopy(input) : null;
        Object o = null;
        final long heapBefore = THREADS.getCurrentThreadAllocatedBytes();
        final long directBefore = DIRECT.getMemoryUsed();
        try {
            o = viaBuffer ? serializer.fromBinary(direct, manifest) : serializer.fromBinary(input, manifest);
            assertNotNull(o);
        } catch (NotSerializableException expected) {
            // refused
        } catch (Throwable t) {
            throw new AssertionError(context.get() + ": manifest \"" + manifest + "\", input "
                    + Arrays.toString(input) + " threw " + t, t);
        }
        // The decoded value is still reachable, so its direct memory is still counted.
        final long allocated = THREADS.getCurrentThreadAllocatedBytes() - heapBefore
                + Math.max(0, DIRECT.getMemoryUsed() - directBefore);
        Reference.reachabilityFence(o);
        if (measured && allocated > allocationLimit(input.length)) {
            throw new AssertionError(context.get() + ": manifest \"" + manifest + "\", " + input.length + " bytes "
                    + Arrays.toString(Arrays.copyOf(input, Math.min(input.length, 200))) + " allocated " + allocated
                    + " bytes (limit " + allocationLimit(input.length) + "), decoded " + o);
        }
        return o != null;
    }

    /** Counts and lengths as large varints, written over each of the first bytes of every valid encoding. */
    @Test
    void largeCountsAndLengthsAllocateNoMoreThanTheInput() throws Exception {
        assumeTrue(THREADS.isThreadAllocatedMemorySupported(), "needs per-thread allocation counters");
        THREADS.setThreadAllocatedMemoryEnabled(true);
        final long[] values = {1 << 14, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 1 << 21, Integer.MAX_VALUE, 1L << 32};
        for (boolean measured : new boolean[] {false, true}) { // the first pass warms up class loading and the JIT
            for (Map.Entry<String, byte[]> e : validEncodings()) {
                final byte[] valid = e.getValue();
                for (int position = 0; position < Math.min(valid.length, 80); position++) {
                    for (long value : values) {
                        final int at = position;
                        decodesWithinLimits(overwriteWithVarint(valid, position, value), e.getKey(),
                                (position & 1) == 0, measured, () -> value + " at " + at);
                    }
                }
            }
        }
    }

    /**
     * Random, truncated, mutated and mis-labelled input: a value or a NotSerializableException, nothing else,
     * and never more memory than {@link #allocationLimit} of the input.
     */
    @Test
    void malformedInputOnlyThrowsNotSerializableException() throws Exception {
        assumeTrue(THREADS.isThreadAllocatedMemorySupported(), "needs per-thread allocation counters");
        THREADS.setThreadAllocatedMemoryEnabled(true);
        final long seed = Long.getLong("fuzz.seed", System.nanoTime());
        final Random random = new Random(seed);
        final List<Map.Entry<String, byte[]>> encodings = validEncodings();
        final List<String> allManifests = new ArrayList<>();
        encodings.forEach(e -> allManifests.add(e.getKey()));
        allManifests.addAll(List.of("", "Q", "RBX", "e", "\u0000", "OO"));
        int decoded = 0;
        final int warmUp = 1000; // class loading and the JIT allocate too
        final int runs = warmUp + Integer.getInteger("fuzz.runs", 12_000);
        for (int i = 0; i < runs; i++) {
            final Map.Entry<String, byte[]> pick = encodings.get(random.nextInt(encodings.size()));
            final byte[] valid = pick.getValue();
            String manifest = pick.getKey();
            final byte[] input;
            final int kind = random.nextInt(5);
            if (kind == 0) {
                input = new byte[random.nextInt(64)];
                random.nextBytes(input);
                if (input.length > 0 && random.nextBoolean()) {
                    input[0] = RingProtocolSerializer.FORMAT_VERSION; // past the version check, to the codecs
                }
                manifest = allManifests.get(random.nextInt(allManifests.size()));
            } else if (kind == 1) {
                input = Arrays.copyOf(valid, valid.length == 0 ? 0 : random.nextInt(valid.length));
            } else if (kind == 2) {
                input = valid.clone();
                for (int m = 1 + random.nextInt(3); m > 0 && input.length > 0; m--) {
                    // random bytes, and the varint edges: a continuation, the largest single byte, zero
                    input[random.nextInt(input.length)] = (byte) (random.nextBoolean() ? random.nextInt(256)
                            : new int[] {0x00, 0x01, 0x7F, 0x80, 0xFF}[random.nextInt(5)]);
                }
            } else if (kind == 3) {
                input = valid;
                manifest = allManifests.get(random.nextInt(allManifests.size()));
            } else {
                // a large count or length where the encoding has a small one
                input = overwriteWithVarint(valid, random.nextInt(Math.min(valid.length, 80) + 1),
                        (1L << random.nextInt(33)) + random.nextInt(3) - 1);
            }
            final int run = i;
            if (decodesWithinLimits(input, manifest, random.nextBoolean(), i >= warmUp,
                    () -> "seed " + seed + " (rerun with -Dfuzz.seed=" + seed + "), run " + run)) {
                decoded++;
            }
        }
        assertTrue(runs - decoded > runs / 2, "seed " + seed + ": most malformed input is refused, got "
                + (runs - decoded));
    }

    /** {@code bytes} with an unsigned LEB128 {@code value} written at {@code position}, growing it if need be. */
    private static byte[] overwriteWithVarint(byte[] bytes, int position, long value) {
        final byte[] varint = new byte[10];
        int n = 0;
        for (long v = value; ; v >>>= 7) {
            if ((v & ~0x7FL) == 0) {
                varint[n++] = (byte) v;
                break;
            }
            varint[n++] = (byte) ((v & 0x7F) | 0x80);
        }
        final byte[] result = Arrays.copyOf(bytes, Math.max(bytes.length, position + n));
        System.arraycopy(varint, 0, result, position, n);
        return result;
    }

    private static ByteBuffer directCopy(byte[] bytes) {
        final ByteBuffer b = ByteBuffer.allocateDirect(bytes.length);
        b.put(bytes).flip();
        return b;
    }

    @Test
    void aShutdownArrivesMarkedAsRemote() throws Exception {
        final Shutdown shutdown = new Shutdown(shutdownReplies);
        final Object decoded = serializer.fromBinary(serializer.toBinary(shutdown), serializer.manifest(shutdown));
        assertEquals(new RemoteShutdown(shutdownReplies), decoded,
                "the ring must be able to tell a Shutdown from another node from a local one");
    }
}
