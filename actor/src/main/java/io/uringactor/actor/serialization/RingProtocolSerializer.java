package io.uringactor.actor.serialization;

import io.uringactor.actor.BlockIo;
import io.uringactor.actor.ByteStringList;
import io.uringactor.actor.FileHandle;
import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingCommand.ReadBlock;
import io.uringactor.actor.RingCommand.WriteBlock;
import io.uringactor.actor.RingStats;
import io.uringactor.actor.RingStoppedException;
import io.uringactor.actor.internal.RemoteBlockRequest;
import io.uringactor.ring.ErrnoException;
import io.uringactor.ring.IoUringException;
import io.uringactor.ring.Statx;

import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.serialization.ByteBufferSerializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;

import java.io.NotSerializableException;
import java.nio.ByteBuffer;

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
 * <p>This class picks the codec of a message's family and does what is common to all of them; the
 * families' wire layouts are documented on their codecs:
 *
 * <ul>
 *   <li>{@link CommandCodec}: {@code O} Open, {@code C} Close, {@code R} Read, {@code W} Write, {@code RV}
 *       ReadV, {@code WV} WriteV, {@code T} Trim, {@code CR} CopyRange, {@code F} Fsync, {@code S} Stat, {@code G} GetStats,
 *       {@code X} Shutdown;</li>
 *   <li>{@link BlockCommandCodec}: {@code RB} ReadBlock, {@code WB} WriteBlock (and RemoteBlockRequest);</li>
 *   <li>{@link ReplyCodec}: {@code H} FileHandle, {@code B} BlockIo, {@code RS} RingStats ({@code RS2}, with
 *       the refusals by reason and the engine: read, not written yet), {@code SX} Statx,
 *       {@code L} ByteStringList;</li>
 *   <li>{@link FailureCodec}: {@code E} IoUringException and its subclasses;</li>
 *   <li>{@link BatchCodec}: {@code QB} a batch of requests from one node, {@code PB} a ring's replies to
 *       them.</li>
 * </ul>
 *
 * Their primitives are in {@link WireOut} and {@link WireIn}: varints (zig-zag for signed values), file
 * handles as 8 fixed bytes, strings as UTF-8 with a length, nullable fields with a presence mark, ActorRefs
 * in {@link ActorRefResolver} format ({@link ActorRefCodec}). A read or write payload is copied once, as raw
 * bytes, into the message; a decoded one from a {@code byte[]} is a view of that array, not a copy. Artery
 * serializes straight into its frame buffers ({@link ByteBufferSerializer}): a payload bigger than
 * {@code pekko.remote.artery.advanced.maximum-frame-size} (256 KiB by default) needs that limit raised.
 *
 * <p>Block IO across the wire copies: a {@link ReadBlock}/{@link WriteBlock} decodes into a
 * {@link RemoteBlockRequest}, and allocates no aligned buffer until the ring admits it (see
 * {@link BlockCommandCodec}). A {@link BlockIo} reply travels with the bytes that were read, and the asker
 * gets exactly those bytes in a fresh buffer of that size (see {@link ReplyCodec}).
 *
 * <h2>Format version and compatibility</h2>
 *
 * The first byte of every payload is the format version: {@value #FORMAT_VERSION}, the only one so far.
 * So that nodes on two versions of this library can talk during a rolling upgrade:
 * <ul>
 *   <li>A manifest never changes meaning and is never reused: a new message type gets a new manifest.</li>
 *   <li>Any change to the bytes of an existing manifest (a new field, a new failure kind, another encoding)
 *       is a new format version, and the codec that changed reads the old version as well as the new.</li>
 *   <li>This library reads every format version from {@value #OLDEST_READ_VERSION} to
 *       {@value #FORMAT_VERSION}; any other is a {@link NotSerializableException} naming the version seen
 *       and the versions read.</li>
 *   <li>A version is written only once every node reads it: the release that introduces version N reads it
 *       but still writes N - 1, and a later one writes N.</li>
 *   <li>The golden bytes of every version stay in {@code RingProtocolGoldenBytesTest}, decoding: changing
 *       them is a wire-format change.</li>
 * </ul>
 *
 * <p>Decoding is strict, from any sender: a command without a {@code replyTo}, a count or length over the
 * bytes left or over its cap, an alignment that is not a power of two, an unknown code, truncated input or
 * trailing bytes, an unknown manifest or format version throw {@link NotSerializableException}, and
 * nothing else throws. Values that are well-formed but wrong (a negative offset, an unknown or {@code null}
 * file handle, a {@code null} path) decode as they are: the ring refuses them with a reply. No input makes
 * decoding allocate more than a small multiple of its size.
 */
public final class RingProtocolSerializer extends SerializerWithStringManifest implements ByteBufferSerializer {
    /** The serializer's identifier: {@code "iurg"} in ASCII. */
    public static final int IDENTIFIER = 0x69757267;

    // The manifests: what each payload is. They never change meaning (see the class comment).
    static final String OPEN = "O";
    static final String CLOSE = "C";
    static final String READ = "R";
    static final String WRITE = "W";
    static final String READV = "RV";
    static final String WRITEV = "WV";
    static final String READ_BLOCK = "RB";
    static final String WRITE_BLOCK = "WB";
    static final String TRIM = "T";
    static final String COPY_RANGE = "CR";
    static final String FSYNC = "F";
    static final String STAT = "S";
    static final String GET_STATS = "G";
    static final String SHUTDOWN = "X";
    static final String FILE_HANDLE = "H";
    static final String BLOCK_IO = "B";
    static final String RING_STATS = "RS";
    /**
     * {@link RingStats} with the refusals by reason and the engine: read since this release, written from the
     * next, so that a node of this release understands one of the next while a rolling upgrade runs.
     */
    static final String RING_STATS_V2 = "RS2";
    static final String STATX = "SX";
    static final String BYTE_STRINGS = "L";
    static final String FAILURE = "E";
    static final String REQUEST_BATCH = "QB";
    static final String REPLY_BATCH = "PB";

    /** The format version written: the first byte of every payload. */
    static final int FORMAT_VERSION = 1;
    /** The oldest format version read; every one from it to {@link #FORMAT_VERSION} is. */
    static final int OLDEST_READ_VERSION = 1;

    private final CommandCodec commands;
    private final BlockCommandCodec blocks;
    private final ReplyCodec replies;
    private final FailureCodec failures;
    private final BatchCodec batches;
    /** Looked up in this order when writing: the data path's batches and commands first. */
    private final MessageCodec[] codecs;

    /**
     * Made by Pekko's serialization extension from the binding in {@code reference.conf}; {@code system}
     * resolves the {@code replyTo} refs and gives {@code io-uring-actor.ring.max-io-size}, the largest block
     * a remote request may carry.
     */
    public RingProtocolSerializer(ExtendedActorSystem system) {
        final ActorRefCodec refs = new ActorRefCodec(system);
        final int maxCapacity = BlockShape.maxCapacity(system.settings().config());
        this.commands = new CommandCodec(refs);
        this.blocks = new BlockCommandCodec(refs, maxCapacity);
        this.replies = new ReplyCodec(maxCapacity);
        this.failures = new FailureCodec();
        this.batches = new BatchCodec(refs, commands, replies, failures);
        this.codecs = new MessageCodec[] {batches, commands, blocks, replies, failures};
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public String manifest(Object o) {
        return codecFor(o).manifest(o);
    }

    private MessageCodec codecFor(Object o) {
        for (MessageCodec codec : codecs) {
            if (codec.manifest(o) != null) {
                return codec;
            }
        }
        throw new IllegalArgumentException("RingProtocolSerializer cannot serialize "
                + (o == null ? "null" : o.getClass().getName()));
    }

    /** The codec that reads {@code manifest}, or {@code null} for a manifest of no message. */
    private MessageCodec codecFor(String manifest) {
        if (CommandCodec.reads(manifest)) {
            return commands;
        }
        switch (manifest) {
            case READ_BLOCK:
            case WRITE_BLOCK:
                return blocks;
            case FILE_HANDLE:
            case BLOCK_IO:
            case RING_STATS:
            case RING_STATS_V2:
            case STATX:
            case BYTE_STRINGS:
                return replies;
            case FAILURE:
                return failures;
            case REQUEST_BATCH:
            case REPLY_BATCH:
                return batches;
            default:
                return null;
        }
    }

    // ---------------------------------------------------------------- writing

    @Override
    public byte[] toBinary(Object o) {
        final MessageCodec codec = codecFor(o);
        final WireOut.Sizer sizer = new WireOut.Sizer();
        sizer.u8(FORMAT_VERSION);
        codec.write(o, sizer);
        final byte[] bytes = new byte[sizer.size()];
        final WireOut.ToBuffer out = new WireOut.ToBuffer(ByteBuffer.wrap(bytes));
        out.u8(FORMAT_VERSION);
        codec.write(o, out);
        if (out.hasRemaining()) {
            throw new IllegalStateException("size pass and write pass disagree for " + o.getClass().getName());
        }
        return bytes;
    }

    @Override
    public void toBinary(Object o, ByteBuffer buffer) {
        final MessageCodec codec = codecFor(o);
        final WireOut.ToBuffer out = new WireOut.ToBuffer(buffer);
        out.u8(FORMAT_VERSION);
        codec.write(o, out);
    }

    // ---------------------------------------------------------------- reading

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        if (bytes == null) {
            throw new NotSerializableException("no bytes to read a " + manifest + " from");
        }
        return read(new WireIn(ByteBuffer.wrap(bytes), true), manifest);
    }

    @Override
    public Object fromBinary(ByteBuffer buffer, String manifest) throws NotSerializableException {
        // Artery's buffer is pooled: payloads are copied out of it.
        return read(new WireIn(buffer, false), manifest);
    }

    private Object read(WireIn in, String manifest) throws NotSerializableException {
        if (manifest == null) {
            throw new NotSerializableException("the ring protocol needs a manifest");
        }
        final MessageCodec codec = codecFor(manifest);
        if (codec == null) {
            throw new NotSerializableException("unknown " + manifestName(manifest));
        }
        readVersion(in, manifest);
        final Object result;
        try {
            result = codec.read(manifest, in);
        } catch (NotSerializableException e) {
            throw e;
        } catch (RuntimeException e) {
            // Codecs check what they can; whatever else a value's constructor refuses is malformed input too.
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

    /**
     * Reads the format version, and refuses one this library does not read. Every version read is read by
     * the same code so far; a later version is passed on to the codecs that changed.
     */
    private static void readVersion(WireIn in, String manifest) throws NotSerializableException {
        if (in.remaining() == 0) {
            throw new NotSerializableException("empty " + manifestName(manifest)
                    + " of the ring protocol: not even a format version");
        }
        final int version = in.u8();
        if (version < OLDEST_READ_VERSION || version > FORMAT_VERSION) {
            throw new NotSerializableException(manifestName(manifest) + " of the ring protocol in format version "
                    + version + ": this library reads " + (OLDEST_READ_VERSION == FORMAT_VERSION
                    ? "version " + FORMAT_VERSION : "versions " + OLDEST_READ_VERSION + " to " + FORMAT_VERSION));
        }
    }

    /** The manifest for a message, cut short: it came from the sender. */
    private static String manifestName(String manifest) {
        if (manifest == null) {
            return "message (no manifest)";
        }
        return "message (manifest \"" + (manifest.length() > 16 ? manifest.substring(0, 16) + "..." : manifest) + "\")";
    }
}
