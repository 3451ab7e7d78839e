package io.uringactor.actor.serialization;

import static io.uringactor.actor.serialization.RingProtocolSerializer.READ_BLOCK;
import static io.uringactor.actor.serialization.RingProtocolSerializer.WRITE_BLOCK;

import io.uringactor.actor.BlockIo;
import io.uringactor.actor.FileHandle;
import io.uringactor.actor.RingCommand.ReadBlock;
import io.uringactor.actor.RingCommand.WriteBlock;
import io.uringactor.actor.internal.RemoteBlockRequest;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.util.ByteString;

import java.io.NotSerializableException;
import java.time.Duration;

/**
 * The block commands: {@link ReadBlock} and {@link WriteBlock} on the sending node, which decode into a
 * {@link RemoteBlockRequest} on the receiving one. An {@link io.uringactor.ring.AlignedBuffer} is memory of
 * the sender's process, so it travels as its {@link BlockShape}, and a write's buffer as its bytes too:
 *
 * <pre>
 * ReadBlock   file, offset, timeout, replyTo, capacity + 1, alignment
 * WriteBlock  file, offset, timeout, replyTo, capacity + 1, alignment, capacity bytes
 * </pre>
 *
 * (fields as {@link CommandCodec} writes them; a capacity of {@code 0} means no buffer, and then no
 * alignment follows). Decoding allocates no aligned buffer: the ring actor takes one from its budget when
 * it admits the request, so a few bytes on the wire never reserve megabytes; a write's bytes stay the
 * message's heap bytes until then. The capacity is bounded by {@code io-uring-actor.ring.max-io-size} of
 * the receiving node. A block command without a buffer decodes as the block command, for the ring to refuse
 * with a reply. A {@link RemoteBlockRequest} encodes as the block command it came from (same manifest, same
 * bytes), so it can be forwarded.
 */
final class BlockCommandCodec implements MessageCodec {
    private final ActorRefCodec refs;
    private final int maxCapacity;

    BlockCommandCodec(ActorRefCodec refs, int maxCapacity) {
        this.refs = refs;
        this.maxCapacity = maxCapacity;
    }

    @Override
    public String manifest(Object o) {
        if (o instanceof ReadBlock) {
            return READ_BLOCK;
        } else if (o instanceof WriteBlock) {
            return WRITE_BLOCK;
        } else if (o instanceof RemoteBlockRequest) {
            return ((RemoteBlockRequest) o).write() ? WRITE_BLOCK : READ_BLOCK;
        }
        return null;
    }

    @Override
    public void write(Object o, WireOut out) {
        if (o instanceof ReadBlock) {
            final ReadBlock r = (ReadBlock) o;
            head(out, r.file(), r.offset(), r.timeout(), r.replyTo());
            BlockShape.write(out, r.buffer());
        } else if (o instanceof WriteBlock) {
            final WriteBlock w = (WriteBlock) o;
            head(out, w.file(), w.offset(), w.timeout(), w.replyTo());
            BlockShape.write(out, w.buffer());
            if (w.buffer() != null) {
                out.bytes(w.buffer().byteBuffer(), w.buffer().capacity());
            }
        } else if (o instanceof RemoteBlockRequest) {
            remoteBlockRequest(out, (RemoteBlockRequest) o);
        } else {
            throw new IllegalArgumentException("not a block command: " + o.getClass().getName());
        }
    }

    private void head(WireOut out, FileHandle file, long offset, Duration timeout, ActorRef<?> replyTo) {
        CommandCodec.handle(out, file);
        out.sVarLong(offset);
        out.duration(timeout);
        refs.write(out, replyTo);
    }

    /**
     * As the {@link ReadBlock} or {@link WriteBlock} it came from. Only a request this codec could have
     * decoded is written: a write's capacity is its data's size, a read has no data, the alignment is one
     * {@link BlockShape#readAlignment} accepts.
     */
    private void remoteBlockRequest(WireOut out, RemoteBlockRequest r) {
        final int capacity = r.write() ? (r.data() == null ? -1 : r.data().size()) : r.capacity();
        if (capacity < 0 || capacity != r.capacity() || (!r.write() && r.data() != null)) {
            throw new IllegalArgumentException("malformed RemoteBlockRequest: write=" + r.write() + ", capacity="
                    + r.capacity() + ", data=" + (r.data() == null ? "null" : r.data().size() + " bytes"));
        }
        if (!BlockShape.isAlignment(r.alignment())) {
            throw new IllegalArgumentException("malformed RemoteBlockRequest: alignment=" + r.alignment()
                    + " is not a power of two up to " + BlockShape.MAX_ALIGNMENT);
        }
        head(out, r.file(), r.offset(), r.timeout(), r.replyTo());
        BlockShape.write(out, capacity, r.alignment());
        if (r.write()) {
            out.bytes(r.data());
        }
    }

    @Override
    public Object read(String manifest, WireIn in) throws NotSerializableException {
        final boolean write;
        if (READ_BLOCK.equals(manifest)) {
            write = false;
        } else if (WRITE_BLOCK.equals(manifest)) {
            write = true;
        } else {
            throw new NotSerializableException("not a block command manifest: " + manifest);
        }
        final String command = write ? "WriteBlock" : "ReadBlock";
        final FileHandle file = CommandCodec.handle(in);
        final long offset = in.sVarLong();
        final Duration timeout = in.duration();
        final ActorRef<StatusReply<BlockIo>> replyTo = refs.readReplyTo(in, command);
        // A write's capacity is also bounded by the bytes left: they must all be there.
        final int capacity = in.nullableCount(write ? Math.min(maxCapacity, in.remaining()) : maxCapacity);
        if (capacity < 0) {
            return write ? new WriteBlock(file, offset, null, timeout, replyTo)
                    : new ReadBlock(file, offset, null, timeout, replyTo);
        }
        final int alignment = BlockShape.readAlignment(in);
        final ByteString data = write ? in.byteString(capacity) : null;
        return new RemoteBlockRequest(write, file, offset, capacity, alignment, data, timeout, replyTo);
    }
}
