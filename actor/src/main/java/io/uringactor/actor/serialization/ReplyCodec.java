package io.uringactor.actor.serialization;

import static io.uringactor.actor.serialization.RingProtocolSerializer.BLOCK_IO;
import static io.uringactor.actor.serialization.RingProtocolSerializer.BYTE_STRINGS;
import static io.uringactor.actor.serialization.RingProtocolSerializer.FILE_HANDLE;
import static io.uringactor.actor.serialization.RingProtocolSerializer.RING_STATS;
import static io.uringactor.actor.serialization.RingProtocolSerializer.RING_STATS_V2;
import static io.uringactor.actor.serialization.RingProtocolSerializer.STATX;

import io.uringactor.actor.BlockIo;
import io.uringactor.actor.ByteStringList;
import io.uringactor.actor.FileHandle;
import io.uringactor.actor.RingStats;
import io.uringactor.ring.AlignedBuffer;
import io.uringactor.ring.Statx;

import org.apache.pekko.util.ByteString;

import java.io.NotSerializableException;
import java.util.List;

/**
 * The values replies carry (a {@code StatusReply} around them is Pekko's to write), their fields in this
 * order:
 *
 * <pre>
 * FileHandle      id (8 bytes little-endian; never null, so no presence mark)
 * BlockIo         bytes, capacity + 1, alignment, carried + 1, carried bytes  (0 for capacity + 1: no buffer)
 * RingStats       submitted, completed, enterCalls, batches, maxBatch, inFlight, inFlightMax, queued, rejected
 *                 (not refusedInvalid, refusedStopped nor engine: read as 0, 0 and "")
 * RingStats (RS2) the same, then refusedInvalid, refusedStopped, engine (a string, never null); read only:
 *                 the next release writes it, once every node of a cluster reads it
 * Statx           mask (unsigned), size, blockSize, blocks, mode, nlink, uid, gid, inode,
 *                 accessed, modified, changed, born (instants), dioMemAlign, dioOffsetAlign
 * ByteStringList  count + 1, each byte string
 * </pre>
 *
 * Numbers are zig-zag varints unless said otherwise; instants and byte strings as {@link WireOut} writes
 * them. A {@link BlockIo} carries the bytes read and only those, {@code min(bytes, capacity)} of them; the
 * buffer's shape is the asker's, as in {@link BlockShape}.
 */
final class ReplyCodec implements MessageCodec {
    /**
     * A decoded {@link BlockIo} buffer smaller than its alignment is aligned to at most this, or to its largest
     * power of two: the alignment slack stays bounded by the bytes carried, plus this.
     */
    private static final int REPLY_ALIGNMENT_FLOOR = AlignedBuffer.DEFAULT_DIRECT_IO_ALIGNMENT;

    private final int maxCapacity;

    ReplyCodec(int maxCapacity) {
        this.maxCapacity = maxCapacity;
    }

    @Override
    public String manifest(Object o) {
        if (o instanceof FileHandle) {
            return FILE_HANDLE;
        } else if (o instanceof BlockIo) {
            return BLOCK_IO;
        } else if (o instanceof RingStats) {
            return RING_STATS;
        } else if (o instanceof Statx) {
            return STATX;
        } else if (o instanceof ByteStringList) {
            return BYTE_STRINGS;
        }
        return null;
    }

    /**
     * Whether a value of {@code manifest} may be a reply in a batch: a FileHandle, a Statx or a ByteStringList,
     * the values of batchable commands ({@link CommandCodec#batchable}); {@code null} is none.
     */
    static boolean batchable(String manifest) {
        return FILE_HANDLE.equals(manifest) || STATX.equals(manifest) || BYTE_STRINGS.equals(manifest);
    }

    @Override
    public void write(Object o, WireOut out) {
        if (o instanceof FileHandle) {
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
            out.byteStrings((ByteStringList) o);
        } else {
            throw new IllegalArgumentException("not a ring reply value: " + o.getClass().getName());
        }
    }

    @Override
    public Object read(String manifest, WireIn in) throws NotSerializableException {
        switch (manifest) {
            case FILE_HANDLE:
                return new FileHandle(in.i64());
            case BLOCK_IO:
                return blockIo(in);
            case RING_STATS:
                return new RingStats(in.sVarLong(), in.sVarLong(), in.sVarLong(), in.sVarLong(), in.sVarInt(),
                        in.sVarInt(), in.sVarInt(), in.sVarInt(), in.sVarLong());
            case RING_STATS_V2: {
                final RingStats v1 = new RingStats(in.sVarLong(), in.sVarLong(), in.sVarLong(), in.sVarLong(),
                        in.sVarInt(), in.sVarInt(), in.sVarInt(), in.sVarInt(), in.sVarLong());
                final long refusedInvalid = in.sVarLong();
                final long refusedStopped = in.sVarLong();
                final String engine = in.string();
                if (engine == null) {
                    throw new NotSerializableException("a RingStats engine is never null");
                }
                return new RingStats(v1.submitted(), v1.completed(), v1.enterCalls(), v1.batches(), v1.maxBatch(),
                        v1.inFlight(), v1.inFlightMax(), v1.queued(), v1.rejected(), refusedInvalid, refusedStopped,
                        engine);
            }
            case STATX:
                return new Statx(in.varInt(), in.sVarLong(), in.sVarInt(), in.sVarLong(), in.sVarInt(),
                        in.sVarInt(), in.sVarInt(), in.sVarInt(), in.sVarLong(), in.instant(), in.instant(),
                        in.instant(), in.instant(), in.sVarInt(), in.sVarInt());
            case BYTE_STRINGS: {
                final List<ByteString> list = in.byteStrings();
                if (list == null || list.contains(null)) {
                    throw new NotSerializableException("a ByteStringList is never null and holds no null");
                }
                return ByteStringList.of(list);
            }
            default:
                throw new NotSerializableException("not a ring reply manifest: " + manifest);
        }
    }

    /** The bytes read travel, and only those: {@code min(bytes, capacity)} of them. */
    private static void blockIo(WireOut out, BlockIo io) {
        out.sVarInt(io.bytes());
        final AlignedBuffer buffer = io.buffer();
        BlockShape.write(out, buffer);
        if (buffer != null) {
            final int n = Math.max(0, Math.min(io.bytes(), buffer.capacity()));
            out.nullableCount(n);
            out.bytes(buffer.byteBuffer(), n);
        }
    }

    /**
     * A block reply, in a fresh buffer of exactly the bytes it carries: the capacity on the wire (the
     * remote buffer's) is only checked. The buffer keeps the alignment sent, unless it is smaller than that
     * alignment: then no O_DIRECT op of that alignment fits in it, and it is aligned to the largest power of
     * two it holds (at least {@link #REPLY_ALIGNMENT_FLOOR}, the page size), so that its slack stays proportional.
     */
    private BlockIo blockIo(WireIn in) throws NotSerializableException {
        final int bytes = in.sVarInt();
        if (bytes < 0) {
            throw new NotSerializableException("a BlockIo moves no negative count of bytes, got " + bytes);
        }
        final int capacity = in.nullableCount(maxCapacity);
        if (capacity < 0) {
            return new BlockIo(null, bytes);
        }
        final int sentAlignment = BlockShape.readAlignment(in);
        final int carried = in.nullableCount(Math.min(capacity, bytes));
        if (carried < 0) {
            // No bytes: how an older version answered a remote write, which now has no buffer.
            return new BlockIo(null, bytes);
        }
        // Checked before allocating: the buffer is never bigger than the bytes that arrived.
        in.require(carried);
        final int alignment = Math.min(sentAlignment, Math.max(REPLY_ALIGNMENT_FLOOR, Integer.highestOneBit(carried)));
        final AlignedBuffer buffer = AlignedBuffer.allocate(carried, alignment);
        in.copyTo(buffer.byteBuffer(), carried);
        return new BlockIo(buffer, bytes);
    }

    private static void statx(WireOut out, Statx s) {
        out.varInt(s.mask());
        out.sVarLong(s.size());
        out.sVarInt(s.blockSize());
        out.sVarLong(s.blocks());
        out.sVarInt(s.mode());
        out.sVarInt(s.nlink());
        out.sVarInt(s.uid());
        out.sVarInt(s.gid());
        out.sVarLong(s.inode());
        out.instant(s.accessed());
        out.instant(s.modified());
        out.instant(s.changed());
        out.instant(s.born());
        out.sVarInt(s.dioMemAlign());
        out.sVarInt(s.dioOffsetAlign());
    }
}
