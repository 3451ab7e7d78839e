package io.uringactor.actor.serialization;

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
import io.uringactor.ring.AlignedBuffer;
import io.uringactor.ring.ErrnoException;
import io.uringactor.ring.IoUringException;
import io.uringactor.ring.Statx;

import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.serialization.ByteBufferSerializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.apache.pekko.util.ByteString;

import java.io.NotSerializableException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The binary serializer of the ring protocol, for ring actors used across a cluster: every
 * {@link RingCommand}, the values replies carry ({@link FileHandle}, {@link BlockIo}, {@link Statx},
 * {@link RingStats}, {@link ByteStringList}) and the failures ({@link IoUringException} and its subclasses:
 * type, errno and operation of an {@link ErrnoException}, message, and the cause of a
 * {@link RingStoppedException}). No Java serialization. Registered in the actor module's
 * {@code reference.conf} as {@code io-uring-ring} with identifier {@value #IDENTIFIER}.
 *
 * <p>{@code StatusReply} wrappers, {@code ByteString}, {@code Integer} and {@code Done} are Pekko's own
 * serializers' business ({@code pekko-remote}'s {@code MiscMessageSerializer} writes a StatusReply's value
 * or exception with the serializer bound to its class, i.e. this one for the types above), so a remote
 * asker gets the same typed value or exception as a local one. Exceptions travel without stack traces.
 *
 * <p>Encoding: varints (zig-zag for signed values), file handles as 8 fixed bytes, strings as UTF-8 with a
 * length, nullable fields with a presence mark, ActorRefs in {@link ActorRefResolver} format. A read or
 * write payload is copied once, as raw bytes, into the message; a decoded one from a {@code byte[]} is
 * a view of that array, not a copy. Artery serializes straight into its frame buffers
 * ({@link ByteBufferSerializer}): a payload bigger than {@code pekko.remote.artery.advanced.maximum-frame-size}
 * (256 KiB by default) needs that limit raised.
 *
 * <p>Block IO across the wire copies: a {@link ReadBlock}/{@link WriteBlock} holds an {@link AlignedBuffer}
 * of the sender's process, so it travels as the buffer's capacity and alignment (and, for a write, its
 * bytes). The receiving node decodes it into a {@link RemoteBlockRequest} and allocates nothing: the ring
 * actor takes the aligned buffer from its budget when it admits the request, so a few bytes on the wire
 * never reserve megabytes. A remote write's bytes stay the heap bytes of the message until then. (A block
 * command without a buffer stays the block command, for the ring to refuse with a reply.) A
 * {@link RemoteBlockRequest} encodes as the block command it came from, so it can be forwarded. A block's
 * capacity is bounded by {@code io-uring-actor.ring.max-io-size} on the receiving node.
 *
 * <p>A {@link BlockIo} reply travels with the bytes that were read, and the asker gets exactly those bytes in
 * a fresh buffer of that size, aligned as sent (or, when the buffer is smaller than that alignment, to
 * {@code max(4096, its largest power of two)}: every O_DIRECT op its bytes can hold, with at most 4 KiB of
 * slack). The ring answers a remote write with no buffer (the asker has the bytes).
 *
 * <p>Decoding is strict, from any sender: a command without a {@code replyTo}, a count or length over the
 * bytes left or over its cap, an alignment that is not a power of two, an unknown code, truncated input or
 * trailing bytes, an unknown manifest throw {@link NotSerializableException}, and nothing else throws.
 * Values that are well-formed but wrong (a negative offset, an unknown or {@code null} file handle, a
 * {@code null} path) decode as they are: the ring refuses them with a reply. No input makes decoding
 * allocate more than a small multiple of its size.
 */
public final class RingProtocolSerializer extends SerializerWithStringManifest implements ByteBufferSerializer {
    /** The serializer's identifier: {@code "iurg"} in ASCII. */
    public static final int IDENTIFIER = 0x69757267;

    static final String OPEN = "O";
    static final String CLOSE = "C";
    static final String READ = "R";
    static final String WRITE = "W";
    static final String READV = "RV";
    static final String WRITEV = "WV";
    static final String READ_BLOCK = "RB";
    static final String WRITE_BLOCK = "WB";
    static final String TRIM = "T";
    static final String FSYNC = "F";
    static final String STAT = "S";
    static final String GET_STATS = "G";
    static final String SHUTDOWN = "X";
    static final String FILE_HANDLE = "H";
    static final String BLOCK_IO = "B";
    static final String RING_STATS = "RS";
    static final String STATX = "SX";
    static final String BYTE_STRINGS = "L";
    static final String FAILURE = "E";

    private static final int ERRNO = 1;
    private static final int INVALID_REQUEST = 2;
    private static final int OVERLOADED = 3;
    private static final int STOPPED = 4;
    private static final int TIMED_OUT = 5;
    private static final int OTHER = 6;
    /** Causes deeper than this are left out when writing, and refused when reading. */
    private static final int MAX_CAUSE_DEPTH = 8;
    private static final int MAX_ALIGNMENT = 1 << 20;

    /**
     * A decoded {@link BlockIo} buffer smaller than its alignment is aligned to at most this, or to its largest
     * power of two: the alignment slack stays bounded by the bytes carried, plus this.
     */
    private static final int REPLY_ALIGNMENT_FLOOR = AlignedBuffer.DEFAULT_DIRECT_IO_ALIGNMENT;

    private final ExtendedActorSystem system;
    private final int maxBlockSize;
    private volatile ActorRefResolver resolver;

    public RingProtocolSerializer(ExtendedActorSystem system) {
        this.system = system;
        final String path = "io-uring-actor.ring.max-io-size";
        this.maxBlockSize = system.settings().config().hasPath(path)
                ? (int) Math.min(Integer.MAX_VALUE - MAX_ALIGNMENT, system.settings().config().getBytes(path))
                : 16 << 20;
    }

    private ActorRefResolver resolver() {
        ActorRefResolver r = resolver;
        if (r == null) {
            // Lazily: serializers are created while the system starts, before its extensions may be.
            r = ActorRefResolver.get(Adapter.toTyped(system));
            resolver = r;
        }
        return r;
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public String manifest(Object o) {
        if (o instanceof Read) {
            return READ;
        } else if (o instanceof Write) {
            return WRITE;
        } else if (o instanceof Open) {
            return OPEN;
        } else if (o instanceof Close) {
            return CLOSE;
        } else if (o instanceof ReadV) {
            return READV;
        } else if (o instanceof WriteV) {
            return WRITEV;
        } else if (o instanceof ReadBlock) {
            return READ_BLOCK;
        } else if (o instanceof WriteBlock) {
            return WRITE_BLOCK;
        } else if (o instanceof RemoteBlockRequest) {
            return ((RemoteBlockRequest) o).write() ? WRITE_BLOCK : READ_BLOCK;
        } else if (o instanceof Trim) {
            return TRIM;
        } else if (o instanceof Fsync) {
            return FSYNC;
        } else if (o instanceof Stat) {
            return STAT;
        } else if (o instanceof GetStats) {
            return GET_STATS;
        } else if (o instanceof Shutdown || o instanceof RemoteShutdown) {
            return SHUTDOWN;
        } else if (o instanceof FileHandle) {
            return FILE_HANDLE;
        } else if (o instanceof BlockIo) {
            return BLOCK_IO;
        } else if (o instanceof RingStats) {
            return RING_STATS;
        } else if (o instanceof Statx) {
            return STATX;
        } else if (o instanceof ByteStringList) {
            return BYTE_STRINGS;
        } else if (o instanceof IoUringException) {
            return FAILURE;
        }
        throw new IllegalArgumentException("RingProtocolSerializer cannot serialize " + describeClass(o));
    }

    // ---------------------------------------------------------------- writing

    @Override
    public byte[] toBinary(Object o) {
        final Sizer sizer = new Sizer();
        write(o, sizer);
        final byte[] bytes = new byte[sizer.size];
        final BufferOut out = new BufferOut(ByteBuffer.wrap(bytes));
        write(o, out);
        if (out.buffer.hasRemaining()) {
            throw new IllegalStateException("size pass and write pass disagree for " + describeClass(o));
        }
        return bytes;
    }

    @Override
    public void toBinary(Object o, ByteBuffer buffer) {
        write(o, new BufferOut(buffer));
    }

    private void write(Object o, Out out) {
        if (o instanceof Read) {
            final Read r = (Read) o;
            handle(out, r.file());
            out.sVarLong(r.offset());
            out.sVarInt(r.length());
            duration(out, r.timeout());
            ref(out, r.replyTo());
        } else if (o instanceof Write) {
            final Write w = (Write) o;
            handle(out, w.file());
            out.sVarLong(w.offset());
            duration(out, w.timeout());
            ref(out, w.replyTo());
            byteString(out, w.data());
        } else if (o instanceof Open) {
            final Open open = (Open) o;
            string(out, open.path());
            options(out, open.options());
            ref(out, open.replyTo());
        } else if (o instanceof Close) {
            handle(out, ((Close) o).file());
            ref(out, ((Close) o).replyTo());
        } else if (o instanceof ReadV) {
            final ReadV r = (ReadV) o;
            handle(out, r.file());
            out.sVarLong(r.offset());
            duration(out, r.timeout());
            ref(out, r.replyTo());
            if (r.lengths() == null) {
                out.varInt(0);
            } else {
                out.varInt(r.lengths().size() + 1);
                for (Integer length : r.lengths()) {
                    if (length == null) {
                        throw new IllegalArgumentException("ReadV lengths must not hold null: " + r.lengths());
                    }
                    out.sVarInt(length);
                }
            }
        } else if (o instanceof WriteV) {
            final WriteV w = (WriteV) o;
            handle(out, w.file());
            out.sVarLong(w.offset());
            duration(out, w.timeout());
            ref(out, w.replyTo());
            byteStrings(out, w.data());
        } else if (o instanceof ReadBlock) {
            final ReadBlock r = (ReadBlock) o;
            handle(out, r.file());
            out.sVarLong(r.offset());
            duration(out, r.timeout());
            ref(out, r.replyTo());
            bufferShape(out, r.buffer());
        } else if (o instanceof WriteBlock) {
            final WriteBlock w = (WriteBlock) o;
            handle(out, w.file());
            out.sVarLong(w.offset());
            duration(out, w.timeout());
            ref(out, w.replyTo());
            bufferShape(out, w.buffer());
            if (w.buffer() != null) {
                out.bytes(w.buffer().byteBuffer(), w.buffer().capacity());
            }
        } else if (o instanceof RemoteBlockRequest) {
            remoteBlockRequest(out, (RemoteBlockRequest) o);
        } else if (o instanceof Trim) {
            final Trim t = (Trim) o;
            handle(out, t.file());
            out.sVarLong(t.offset());
            out.sVarLong(t.length());
            ref(out, t.replyTo());
        } else if (o instanceof Fsync) {
            handle(out, ((Fsync) o).file());
            out.u8(((Fsync) o).dataOnly() ? 1 : 0);
            ref(out, ((Fsync) o).replyTo());
        } else if (o instanceof Stat) {
            handle(out, ((Stat) o).file());
            ref(out, ((Stat) o).replyTo());
        } else if (o instanceof GetStats) {
            ref(out, ((GetStats) o).replyTo());
        } else if (o instanceof Shutdown) {
            ref(out, ((Shutdown) o).replyTo());
        } else if (o instanceof RemoteShutdown) {
            ref(out, ((RemoteShutdown) o).replyTo());
        } else if (o instanceof FileHandle) {
            out.i64(((FileHandle) o).id());
        } else if (o instanceof BlockIo) {
            blockIo(out, (BlockIo) o);
        } else if (o instanceof RingStats) {
            final RingStats s = (RingStats) o;
            out.sVarLong(s.submitted());
            out.sVarLong(s.completed());
            out.sVarLong(s.enterCalls());
            out.sVarLong(s.batches());
            out.sVarInt(s.maxBatch());
            out.sVarInt(s.inFlight());
            out.sVarInt(s.inFlightMax());
            out.sVarInt(s.queued());
            out.sVarLong(s.rejected());
        } else if (o instanceof Statx) {
            statx(out, (Statx) o);
        } else if (o instanceof ByteStringList) {
            byteStrings(out, (ByteStringList) o);
        } else if (o instanceof IoUringException) {
            failure(out, (IoUringException) o, 0);
        } else {
            throw new IllegalArgumentException("RingProtocolSerializer cannot serialize " + describeClass(o));
        }
    }

    private static void handle(Out out, FileHandle handle) {
        if (handle == null) {
            out.u8(0);
        } else {
            out.u8(1);
            out.i64(handle.id());
        }
    }

    private void ref(Out out, ActorRef<?> ref) {
        string(out, ref == null ? null : resolver().toSerializationFormat(ref));
    }

    private static void string(Out out, String s) {
        if (s == null) {
            out.varInt(0);
        } else {
            final byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            out.varInt(utf8.length + 1);
            out.bytes(utf8);
        }
    }

    private static void duration(Out out, Duration d) {
        if (d == null) {
            out.u8(0);
        } else {
            out.u8(1);
            out.sVarLong(d.getSeconds());
            out.varInt(d.getNano());
        }
    }

    private static void options(Out out, OpenOptions o) {
        if (o == null) {
            out.u8(0);
            return;
        }
        out.u8(1 | (o.read() ? 2 : 0) | (o.write() ? 4 : 0) | (o.create() ? 8 : 0) | (o.createNew() ? 16 : 0)
                | (o.truncate() ? 32 : 0) | (o.append() ? 64 : 0) | (o.direct() ? 128 : 0));
        out.u8(o.dsync() ? 1 : 0);
    }

    private static void byteString(Out out, ByteString data) {
        if (data == null) {
            out.varInt(0);
        } else {
            out.varInt(data.size() + 1);
            out.bytes(data);
        }
    }

    private static void byteStrings(Out out, List<ByteString> list) {
        if (list == null) {
            out.varInt(0);
            return;
        }
        out.varInt(list.size() + 1);
        for (ByteString b : list) {
            byteString(out, b);
        }
    }

    /** Capacity and alignment of a block buffer; its bytes, when they travel, follow separately. */
    private static void bufferShape(Out out, AlignedBuffer buffer) {
        if (buffer == null) {
            out.varInt(0);
        } else {
            out.varInt(buffer.capacity() + 1);
            out.varInt(buffer.alignment());
        }
    }

    /** As the {@link ReadBlock} or {@link WriteBlock} it came from: same manifest, same bytes. */
    private void remoteBlockRequest(Out out, RemoteBlockRequest r) {
        final int capacity = r.write() ? (r.data() == null ? -1 : r.data().size()) : r.capacity();
        if (capacity < 0 || capacity != r.capacity() || (!r.write() && r.data() != null)) {
            throw new IllegalArgumentException("malformed RemoteBlockRequest: write=" + r.write() + ", capacity="
                    + r.capacity() + ", data=" + (r.data() == null ? "null" : r.data().size() + " bytes"));
        }
        if (r.alignment() <= 0 || r.alignment() > MAX_ALIGNMENT || Integer.bitCount(r.alignment()) != 1) {
            throw new IllegalArgumentException("malformed RemoteBlockRequest: alignment=" + r.alignment()
                    + " is not a power of two up to " + MAX_ALIGNMENT);
        }
        handle(out, r.file());
        out.sVarLong(r.offset());
        duration(out, r.timeout());
        ref(out, r.replyTo());
        out.varInt(capacity + 1);
        out.varInt(r.alignment());
        if (r.write()) {
            out.bytes(r.data());
        }
    }

    /** The bytes read travel, and only those: {@code min(bytes, capacity)} of them. */
    private static void blockIo(Out out, BlockIo io) {
        out.sVarInt(io.bytes());
        final AlignedBuffer buffer = io.buffer();
        bufferShape(out, buffer);
        if (buffer != null) {
            final int n = Math.max(0, Math.min(io.bytes(), buffer.capacity()));
            out.varInt(n + 1);
            out.bytes(buffer.byteBuffer(), n);
        }
    }

    private static void statx(Out out, Statx s) {
        out.varInt(s.mask());
        out.sVarLong(s.size());
        out.sVarInt(s.blockSize());
        out.sVarLong(s.blocks());
        out.sVarInt(s.mode());
        out.sVarInt(s.nlink());
        out.sVarInt(s.uid());
        out.sVarInt(s.gid());
        out.sVarLong(s.inode());
        instant(out, s.accessed());
        instant(out, s.modified());
        instant(out, s.changed());
        instant(out, s.born());
        out.sVarInt(s.dioMemAlign());
        out.sVarInt(s.dioOffsetAlign());
    }

    private static void instant(Out out, Instant t) {
        if (t == null) {
            out.u8(0);
        } else {
            out.u8(1);
            out.sVarLong(t.getEpochSecond());
            out.varInt(t.getNano());
        }
    }

    private static void failure(Out out, Throwable t, int depth) {
        if (t instanceof ErrnoException) {
            final ErrnoException e = (ErrnoException) t;
            out.u8(ERRNO);
            string(out, e.operation());
            out.varInt(e.errno());
            return;
        }
        if (t instanceof InvalidRequestException) {
            out.u8(INVALID_REQUEST);
        } else if (t instanceof RingOverloadedException) {
            out.u8(OVERLOADED);
        } else if (t instanceof RingTimeoutException) {
            out.u8(TIMED_OUT);
        } else if (t instanceof RingStoppedException) {
            out.u8(STOPPED);
        } else {
            // The base class, a subclass without a public constructor, or a foreign cause: its type goes
            // into the message.
            out.u8(OTHER);
            string(out, t.getClass() == IoUringException.class ? t.getMessage()
                    : t.getClass().getName() + (t.getMessage() == null ? "" : ": " + t.getMessage()));
            cause(out, t, depth);
            return;
        }
        string(out, t.getMessage());
        if (t instanceof RingStoppedException) {
            cause(out, t, depth);
        }
    }

    private static void cause(Out out, Throwable t, int depth) {
        final Throwable cause = t.getCause();
        if (cause == null || cause == t || depth + 1 >= MAX_CAUSE_DEPTH) {
            out.u8(0);
        } else {
            out.u8(1);
            failure(out, cause, depth + 1);
        }
    }

    // ---------------------------------------------------------------- reading

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        if (bytes == null) {
            throw new NotSerializableException("no bytes to read a " + manifest + " from");
        }
        return read(new In(ByteBuffer.wrap(bytes), true), manifest);
    }

    @Override
    public Object fromBinary(ByteBuffer buffer, String manifest) throws NotSerializableException {
        // Artery's buffer is pooled: payloads are copied out of it.
        return read(new In(buffer, false), manifest);
    }

    private Object read(In in, String manifest) throws NotSerializableException {
        final Object result;
        try {
            result = decode(in, manifest);
        } catch (NotSerializableException e) {
            throw e;
        } catch (RuntimeException e) {
            final NotSerializableException n = new NotSerializableException(
                    "malformed " + manifestName(manifest) + " of the ring protocol: " + e);
            n.initCause(e);
            throw n;
        }
        if (in.remaining() != 0) {
            throw new NotSerializableException("malformed " + manifestName(manifest) + " of the ring protocol: "
                    + in.remaining() + " bytes left over");
        }
        return result;
    }

    private static String manifestName(String manifest) {
        if (manifest == null) {
            return "message (no manifest)";
        }
        return "message (manifest \"" + (manifest.length() > 16 ? manifest.substring(0, 16) + "..." : manifest) + "\")";
    }

    private Object decode(In in, String manifest) throws NotSerializableException {
        if (manifest == null) {
            throw new NotSerializableException("the ring protocol needs a manifest");
        }
        switch (manifest) {
            case READ: {
                final FileHandle file = handle(in);
                final long offset = in.sVarLong();
                final int length = in.sVarInt();
                final Duration timeout = duration(in);
                return new Read(file, offset, length, timeout, replyTo(in, "Read"));
            }
            case WRITE: {
                final FileHandle file = handle(in);
                final long offset = in.sVarLong();
                final Duration timeout = duration(in);
                final ActorRef<StatusReply<Integer>> replyTo = replyTo(in, "Write");
                return new Write(file, offset, byteString(in), timeout, replyTo);
            }
            case OPEN: {
                final String path = string(in);
                final OpenOptions options = options(in);
                return new Open(path, options, replyTo(in, "Open"));
            }
            case CLOSE: {
                final FileHandle file = handle(in);
                return new Close(file, replyTo(in, "Close"));
            }
            case READV: {
                final FileHandle file = handle(in);
                final long offset = in.sVarLong();
                final Duration timeout = duration(in);
                final ActorRef<StatusReply<List<ByteString>>> replyTo = replyTo(in, "ReadV");
                final int count = in.nullableCount(); // each length takes a byte at least
                List<Integer> lengths = null;
                if (count >= 0) {
                    final Integer[] array = new Integer[count];
                    for (int i = 0; i < count; i++) {
                        array[i] = in.sVarInt();
                    }
                    lengths = Collections.unmodifiableList(Arrays.asList(array));
                }
                return new ReadV(file, offset, lengths, timeout, replyTo);
            }
            case WRITEV: {
                final FileHandle file = handle(in);
                final long offset = in.sVarLong();
                final Duration timeout = duration(in);
                final ActorRef<StatusReply<Integer>> replyTo = replyTo(in, "WriteV");
                return new WriteV(file, offset, byteStrings(in), timeout, replyTo);
            }
            case READ_BLOCK:
            case WRITE_BLOCK:
                return blockCommand(in, manifest.equals(WRITE_BLOCK));
            case TRIM: {
                final FileHandle file = handle(in);
                final long offset = in.sVarLong();
                final long length = in.sVarLong();
                return new Trim(file, offset, length, replyTo(in, "Trim"));
            }
            case FSYNC: {
                final FileHandle file = handle(in);
                final boolean dataOnly = in.bool();
                return new Fsync(file, dataOnly, replyTo(in, "Fsync"));
            }
            case STAT: {
                final FileHandle file = handle(in);
                return new Stat(file, replyTo(in, "Stat"));
            }
            case GET_STATS:
                return new GetStats(replyTo(in, "GetStats"));
            case SHUTDOWN:
                // Marked as having crossed the wire: the ring obeys it only with allow-remote-shutdown.
                return new RemoteShutdown(replyTo(in, "Shutdown"));
            case FILE_HANDLE:
                return new FileHandle(in.i64());
            case BLOCK_IO:
                return blockIo(in);
            case RING_STATS:
                return new RingStats(in.sVarLong(), in.sVarLong(), in.sVarLong(), in.sVarLong(), in.sVarInt(),
                        in.sVarInt(), in.sVarInt(), in.sVarInt(), in.sVarLong());
            case STATX:
                return statx(in);
            case BYTE_STRINGS: {
                final List<ByteString> list = byteStrings(in);
                if (list == null || list.contains(null)) {
                    throw new NotSerializableException("a ByteStringList is never null and holds no null");
                }
                return ByteStringList.of(list);
            }
            case FAILURE:
                return failure(in, 0);
            default:
                throw new NotSerializableException("unknown " + manifestName(manifest));
        }
    }

    private static FileHandle handle(In in) throws NotSerializableException {
        return in.bool() ? new FileHandle(in.i64()) : null;
    }

    /**
     * The {@code replyTo} of a {@code command}: required, since a command nobody can be told about is
     * refused here rather than by the ring. A path of no actor resolves to dead letters, as Pekko does.
     */
    private <T> ActorRef<T> replyTo(In in, String command) throws NotSerializableException {
        final String path = string(in);
        if (path == null) {
            throw new NotSerializableException(command + " without a replyTo: nobody could be answered");
        }
        try {
            return resolver().resolveActorRef(path);
        } catch (RuntimeException e) {
            final NotSerializableException n = new NotSerializableException(
                    command + " with an unresolvable replyTo: " + e);
            n.initCause(e);
            throw n;
        }
    }

    /**
     * A {@link ReadBlock} or {@link WriteBlock} from the wire, as a {@link RemoteBlockRequest}: its capacity
     * is checked against {@code max-io-size}, no buffer is allocated; a write's bytes are those of the
     * message. Without a buffer it stays the block command, which the ring refuses with a reply.
     */
    private Object blockCommand(In in, boolean write) throws NotSerializableException {
        final String command = write ? "WriteBlock" : "ReadBlock";
        final FileHandle file = handle(in);
        final long offset = in.sVarLong();
        final Duration timeout = duration(in);
        final ActorRef<StatusReply<BlockIo>> replyTo = replyTo(in, command);
        final int capacity = in.nullableCount(write ? Math.min(maxBlockSize, in.remaining()) : maxBlockSize);
        if (capacity < 0) {
            return write ? new WriteBlock(file, offset, null, timeout, replyTo)
                    : new ReadBlock(file, offset, null, timeout, replyTo);
        }
        final int alignment = alignment(in);
        final ByteString data = write ? in.byteString(capacity) : null;
        return new RemoteBlockRequest(write, file, offset, capacity, alignment, data, timeout, replyTo);
    }

    private static String string(In in) throws NotSerializableException {
        final int length = in.nullableCount();
        return length < 0 ? null : in.utf8(length);
    }

    private static Duration duration(In in) throws NotSerializableException {
        if (!in.bool()) {
            return null;
        }
        final long seconds = in.sVarLong();
        return Duration.ofSeconds(seconds, nanos(in));
    }

    private static int nanos(In in) throws NotSerializableException {
        final int nanos = in.varInt();
        if (nanos < 0 || nanos > 999_999_999) {
            throw new NotSerializableException("nanoseconds out of range: " + nanos);
        }
        return nanos;
    }

    private static OpenOptions options(In in) throws NotSerializableException {
        final int bits = in.u8();
        if (bits == 0) {
            return null;
        }
        final int more = in.u8();
        if ((bits & 1) == 0 || (more & ~1) != 0 || (bits & 6) == 0) {
            throw new NotSerializableException("malformed open options: bits=" + bits + ", more=" + more);
        }
        return new OpenOptions((bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0, (bits & 16) != 0,
                (bits & 32) != 0, (bits & 64) != 0, (bits & 128) != 0, (more & 1) != 0);
    }

    private static ByteString byteString(In in) throws NotSerializableException {
        final int length = in.nullableCount();
        return length < 0 ? null : in.byteString(length);
    }

    private static List<ByteString> byteStrings(In in) throws NotSerializableException {
        final int count = in.nullableCount();
        if (count < 0) {
            return null;
        }
        final List<ByteString> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            list.add(byteString(in));
        }
        return Collections.unmodifiableList(list);
    }

    private static int alignment(In in) throws NotSerializableException {
        final int alignment = in.varInt();
        if (alignment <= 0 || alignment > MAX_ALIGNMENT || Integer.bitCount(alignment) != 1) {
            throw new NotSerializableException("block alignment must be a power of two up to " + MAX_ALIGNMENT
                    + ", got " + alignment);
        }
        return alignment;
    }

    /**
     * A block reply, in a fresh buffer of exactly the bytes it carries: the capacity on the wire (the
     * remote buffer's) is only checked. The buffer keeps the alignment sent, unless it is smaller than that
     * alignment: then no O_DIRECT op of that alignment fits in it, and it is aligned to the largest power of
     * two it holds (at least {@value #REPLY_ALIGNMENT_FLOOR}), so that its slack stays proportional.
     */
    private BlockIo blockIo(In in) throws NotSerializableException {
        final int bytes = in.sVarInt();
        if (bytes < 0) {
            throw new NotSerializableException("a BlockIo moves no negative count of bytes, got " + bytes);
        }
        final int capacity = in.nullableCount(maxBlockSize);
        if (capacity < 0) {
            return new BlockIo(null, bytes);
        }
        final int sentAlignment = alignment(in);
        final int carried = in.nullableCount(Math.min(capacity, bytes));
        if (carried < 0) {
            // No bytes: how an older version answered a remote write, which now has no buffer.
            return new BlockIo(null, bytes);
        }
        in.require(carried);
        final int alignment = Math.min(sentAlignment, Math.max(REPLY_ALIGNMENT_FLOOR, Integer.highestOneBit(carried)));
        final AlignedBuffer buffer = AlignedBuffer.allocate(carried, alignment);
        in.copyTo(buffer.byteBuffer(), carried);
        return new BlockIo(buffer, bytes);
    }

    private static Statx statx(In in) throws NotSerializableException {
        return new Statx(in.varInt(), in.sVarLong(), in.sVarInt(), in.sVarLong(), in.sVarInt(), in.sVarInt(),
                in.sVarInt(), in.sVarInt(), in.sVarLong(), instant(in), instant(in), instant(in), instant(in),
                in.sVarInt(), in.sVarInt());
    }

    private static Instant instant(In in) throws NotSerializableException {
        if (!in.bool()) {
            return null;
        }
        final long seconds = in.sVarLong();
        if (seconds < Instant.MIN.getEpochSecond() || seconds > Instant.MAX.getEpochSecond()) {
            throw new NotSerializableException("instant out of range: " + seconds + " s");
        }
        return Instant.ofEpochSecond(seconds, nanos(in));
    }

    private static IoUringException failure(In in, int depth) throws NotSerializableException {
        if (depth >= MAX_CAUSE_DEPTH) {
            throw new NotSerializableException("failure causes nested deeper than " + MAX_CAUSE_DEPTH);
        }
        final int kind = in.u8();
        switch (kind) {
            case ERRNO: {
                final String operation = string(in);
                final int errno = in.varInt();
                if (errno <= 0 || errno > 4095) {
                    throw new NotSerializableException("errno out of range: " + errno);
                }
                return new ErrnoException(operation, errno);
            }
            case INVALID_REQUEST:
                return new InvalidRequestException(string(in));
            case OVERLOADED:
                return new RingOverloadedException(string(in));
            case TIMED_OUT:
                return new RingTimeoutException(string(in));
            case STOPPED: {
                final String message = string(in);
                final IoUringException cause = in.bool() ? failure(in, depth + 1) : null;
                return cause == null ? new RingStoppedException(message) : new RingStoppedException(message, cause);
            }
            case OTHER: {
                final String message = string(in);
                final IoUringException cause = in.bool() ? failure(in, depth + 1) : null;
                return cause == null ? new IoUringException(message) : new IoUringException(message, cause);
            }
            default:
                throw new NotSerializableException("unknown failure kind " + kind);
        }
    }

    private static String describeClass(Object o) {
        return o == null ? "null" : o.getClass().getName();
    }

    // ---------------------------------------------------------------- wire primitives

    /** Where encoded bytes go: a {@link Sizer} that only counts them, or a buffer. */
    private abstract static class Out {
        abstract void u8(int v);

        abstract void bytes(byte[] b);

        abstract void bytes(ByteString b);

        /** The first {@code length} bytes of {@code b}, whatever its position. */
        abstract void bytes(ByteBuffer b, int length);

        /** 8 bytes, little-endian, whatever the buffer's byte order. */
        void i64(long v) {
            for (int i = 0; i < Long.BYTES; i++) {
                u8((int) (v >>> (8 * i)));
            }
        }

        /** Unsigned LEB128. */
        void varLong(long v) {
            while ((v & ~0x7FL) != 0) {
                u8((int) (v & 0x7F) | 0x80);
                v >>>= 7;
            }
            u8((int) v);
        }

        void varInt(int v) {
            varLong(v & 0xFFFFFFFFL);
        }

        void sVarLong(long v) {
            varLong((v << 1) ^ (v >> 63));
        }

        void sVarInt(int v) {
            varInt((v << 1) ^ (v >> 31));
        }
    }

    private static final class Sizer extends Out {
        int size;

        @Override
        void u8(int v) {
            size = Math.addExact(size, 1);
        }

        @Override
        void bytes(byte[] b) {
            size = Math.addExact(size, b.length);
        }

        @Override
        void bytes(ByteString b) {
            size = Math.addExact(size, b.size());
        }

        @Override
        void bytes(ByteBuffer b, int length) {
            size = Math.addExact(size, length);
        }
    }

    private static final class BufferOut extends Out {
        final ByteBuffer buffer;

        BufferOut(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        void u8(int v) {
            buffer.put((byte) v);
        }

        @Override
        void bytes(byte[] b) {
            buffer.put(b);
        }

        @Override
        void bytes(ByteString b) {
            if (buffer.remaining() < b.size()) {
                throw new java.nio.BufferOverflowException();
            }
            b.copyToBuffer(buffer);
        }

        @Override
        void bytes(ByteBuffer b, int length) {
            buffer.put(b.duplicate().clear().limit(length));
        }
    }

    /** Reads the wire format, checking every length against what is left. */
    private static final class In {
        private final ByteBuffer buffer;
        /** Whether the bytes are ours to keep (a {@code byte[]} message): payloads are then views, not copies. */
        private final boolean owned;

        In(ByteBuffer buffer, boolean owned) {
            this.buffer = buffer;
            this.owned = owned && buffer.hasArray();
        }

        int remaining() {
            return buffer.remaining();
        }

        void require(int n) throws NotSerializableException {
            if (n < 0 || n > buffer.remaining()) {
                throw new NotSerializableException("needs " + n + " more bytes, has " + buffer.remaining());
            }
        }

        int u8() throws NotSerializableException {
            require(1);
            return buffer.get() & 0xFF;
        }

        boolean bool() throws NotSerializableException {
            final int b = u8();
            if (b > 1) {
                throw new NotSerializableException("not a boolean: " + b);
            }
            return b == 1;
        }

        long i64() throws NotSerializableException {
            require(Long.BYTES);
            long v = 0;
            for (int i = 0; i < Long.BYTES; i++) {
                v |= (buffer.get() & 0xFFL) << (8 * i);
            }
            return v;
        }

        long varLong() throws NotSerializableException {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                final int b = u8();
                if (shift == 63 && (b & 0x7E) != 0) {
                    throw new NotSerializableException("varint overflows 64 bits");
                }
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new NotSerializableException("varint longer than 10 bytes");
        }

        int varInt() throws NotSerializableException {
            final long v = varLong();
            if ((v & ~0xFFFFFFFFL) != 0) {
                throw new NotSerializableException("varint overflows 32 bits: " + v);
            }
            return (int) v;
        }

        long sVarLong() throws NotSerializableException {
            final long v = varLong();
            return (v >>> 1) ^ -(v & 1);
        }

        int sVarInt() throws NotSerializableException {
            final int v = varInt();
            return (v >>> 1) ^ -(v & 1);
        }

        /** A count or length written as n+1 (0 for null): -1 for null, else at most the bytes left. */
        int nullableCount() throws NotSerializableException {
            return nullableCount(buffer.remaining());
        }

        /** As {@link #nullableCount()}, bounded by {@code max} instead of the bytes left. */
        int nullableCount(int max) throws NotSerializableException {
            final long v = varLong();
            if (v == 0) {
                return -1;
            }
            if (v - 1 > max || v - 1 < 0) {
                throw new NotSerializableException("length " + (v - 1) + " is over the limit of " + max);
            }
            return (int) (v - 1);
        }

        String utf8(int length) throws NotSerializableException {
            require(length);
            final String s;
            if (buffer.hasArray()) {
                s = new String(buffer.array(), buffer.arrayOffset() + buffer.position(), length, StandardCharsets.UTF_8);
                buffer.position(buffer.position() + length);
            } else {
                final byte[] bytes = new byte[length];
                buffer.get(bytes);
                s = new String(bytes, StandardCharsets.UTF_8);
            }
            return s;
        }

        ByteString byteString(int length) throws NotSerializableException {
            require(length);
            if (length == 0) {
                return ByteString.emptyByteString();
            }
            if (owned) {
                final ByteString view = ByteString.fromArrayUnsafe(buffer.array(),
                        buffer.arrayOffset() + buffer.position(), length);
                buffer.position(buffer.position() + length);
                return view;
            }
            final byte[] bytes = new byte[length];
            buffer.get(bytes);
            return ByteString.fromArrayUnsafe(bytes);
        }

        /** Copies {@code length} bytes to the start of {@code target}. */
        void copyTo(ByteBuffer target, int length) throws NotSerializableException {
            require(length);
            final ByteBuffer slice = buffer.duplicate();
            slice.limit(slice.position() + length);
            target.duplicate().clear().put(slice);
            buffer.position(buffer.position() + length);
        }
    }
}
