package io.uringactor.actor.serialization;

import static io.uringactor.actor.serialization.RingProtocolSerializer.CLOSE;
import static io.uringactor.actor.serialization.RingProtocolSerializer.FSYNC;
import static io.uringactor.actor.serialization.RingProtocolSerializer.GET_STATS;
import static io.uringactor.actor.serialization.RingProtocolSerializer.OPEN;
import static io.uringactor.actor.serialization.RingProtocolSerializer.READ;
import static io.uringactor.actor.serialization.RingProtocolSerializer.READV;
import static io.uringactor.actor.serialization.RingProtocolSerializer.SHUTDOWN;
import static io.uringactor.actor.serialization.RingProtocolSerializer.STAT;
import static io.uringactor.actor.serialization.RingProtocolSerializer.TRIM;
import static io.uringactor.actor.serialization.RingProtocolSerializer.COPY_RANGE;
import static io.uringactor.actor.serialization.RingProtocolSerializer.WRITE;
import static io.uringactor.actor.serialization.RingProtocolSerializer.WRITEV;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingCommand.*;
import io.uringactor.actor.internal.RemoteShutdown;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.util.ByteString;

import java.io.NotSerializableException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The ring commands but the block ones ({@link BlockCommandCodec}), their fields in this order:
 *
 * <pre>
 * Open      path, options, replyTo
 * Close     file, replyTo
 * Read      file, offset, length, timeout, replyTo
 * Write     file, offset, timeout, replyTo, data
 * ReadV     file, offset, timeout, replyTo, lengths
 * WriteV    file, offset, timeout, replyTo, data (a list of byte strings)
 * Trim      file, offset, length, replyTo
 * CopyRange source, sourceOffset, target, targetOffset, length, timeout, replyTo
 * Fsync     file, dataOnly (a boolean byte), replyTo
 * Stat      file, replyTo
 * GetStats  replyTo
 * Shutdown  replyTo  (and RemoteShutdown, which a Shutdown decodes into)
 * </pre>
 *
 * A {@code file} is a presence mark, then the handle's id as 8 bytes little-endian; offsets and lengths
 * are zig-zag varints; {@code lengths} a nullable count, then each length zig-zag; {@code options} one byte,
 * {@code 0} for {@code null}, else {@code 1 | read 2 | write 4 | create 8 | createNew 16 | truncate 32 |
 * append 64 | direct 128}, then a byte {@code dsync 1}; {@code replyTo} as {@link ActorRefCodec} writes it,
 * and required. Strings, byte strings and timeouts as {@link WireOut} writes them.
 */
final class CommandCodec implements MessageCodec {
    private final ActorRefCodec refs;

    CommandCodec(ActorRefCodec refs) {
        this.refs = refs;
    }

    @Override
    public String manifest(Object o) {
        // The data path first: this runs for every message.
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
        } else if (o instanceof Trim) {
            return TRIM;
        } else if (o instanceof CopyRange) {
            return COPY_RANGE;
        } else if (o instanceof Fsync) {
            return FSYNC;
        } else if (o instanceof Stat) {
            return STAT;
        } else if (o instanceof GetStats) {
            return GET_STATS;
        } else if (o instanceof Shutdown || o instanceof RemoteShutdown) {
            return SHUTDOWN;
        }
        return null;
    }

    @Override
    public void write(Object o, WireOut out) {
        write(o, out, true);
    }

    /**
     * Writes a command as an entry of a {@link BatchCodec request batch}: without its {@code replyTo}, which the
     * batch names once for all its entries.
     */
    void writeBatchEntry(Object o, WireOut out) {
        write(o, out, false);
    }

    private void write(Object o, WireOut out, boolean withReplyTo) {
        if (o instanceof Read) {
            final Read r = (Read) o;
            handle(out, r.file());
            out.sVarLong(r.offset());
            out.sVarInt(r.length());
            out.duration(r.timeout());
            replyTo(out, r.replyTo(), withReplyTo);
        } else if (o instanceof Write) {
            final Write w = (Write) o;
            handle(out, w.file());
            out.sVarLong(w.offset());
            out.duration(w.timeout());
            replyTo(out, w.replyTo(), withReplyTo);
            out.byteString(w.data());
        } else if (o instanceof Open) {
            final Open open = (Open) o;
            out.string(open.path());
            options(out, open.options());
            replyTo(out, open.replyTo(), withReplyTo);
        } else if (o instanceof Close) {
            handle(out, ((Close) o).file());
            replyTo(out, ((Close) o).replyTo(), withReplyTo);
        } else if (o instanceof ReadV) {
            final ReadV r = (ReadV) o;
            handle(out, r.file());
            out.sVarLong(r.offset());
            out.duration(r.timeout());
            replyTo(out, r.replyTo(), withReplyTo);
            lengths(out, r.lengths());
        } else if (o instanceof WriteV) {
            final WriteV w = (WriteV) o;
            handle(out, w.file());
            out.sVarLong(w.offset());
            out.duration(w.timeout());
            replyTo(out, w.replyTo(), withReplyTo);
            out.byteStrings(w.data());
        } else if (o instanceof Trim) {
            final Trim t = (Trim) o;
            handle(out, t.file());
            out.sVarLong(t.offset());
            out.sVarLong(t.length());
            replyTo(out, t.replyTo(), withReplyTo);
        } else if (o instanceof CopyRange) {
            final CopyRange c = (CopyRange) o;
            handle(out, c.source());
            out.sVarLong(c.sourceOffset());
            handle(out, c.target());
            out.sVarLong(c.targetOffset());
            out.sVarLong(c.length());
            out.duration(c.timeout());
            replyTo(out, c.replyTo(), withReplyTo);
        } else if (o instanceof Fsync) {
            handle(out, ((Fsync) o).file());
            out.bool(((Fsync) o).dataOnly());
            replyTo(out, ((Fsync) o).replyTo(), withReplyTo);
        } else if (o instanceof Stat) {
            handle(out, ((Stat) o).file());
            replyTo(out, ((Stat) o).replyTo(), withReplyTo);
        } else if (o instanceof GetStats) {
            replyTo(out, ((GetStats) o).replyTo(), withReplyTo);
        } else if (o instanceof Shutdown) {
            replyTo(out, ((Shutdown) o).replyTo(), withReplyTo);
        } else if (o instanceof RemoteShutdown) {
            replyTo(out, ((RemoteShutdown) o).replyTo(), withReplyTo);
        } else {
            throw new IllegalArgumentException("not a ring command: " + o.getClass().getName());
        }
    }

    @Override
    public Object read(String manifest, WireIn in) throws NotSerializableException {
        return read(manifest, in, null);
    }

    /**
     * Reads an entry of a {@link BatchCodec request batch}, which has no {@code replyTo} of its own: the command
     * gets the batch's, {@code batchReplyTo}. Shutdown and GetStats are never batched ({@link #batchable}).
     */
    Object readBatchEntry(String manifest, WireIn in, ActorRef<?> batchReplyTo) throws NotSerializableException {
        if (!batchable(manifest)) {
            throw new NotSerializableException("a request batch entry of no batchable command: "
                    + (manifest == null ? "no manifest" : "\"" + manifest + "\""));
        }
        return read(manifest, in, batchReplyTo);
    }

    /** Whether {@code manifest} is one of this codec's commands. */
    static boolean reads(String manifest) {
        switch (manifest) {
            case OPEN:
            case CLOSE:
            case READ:
            case WRITE:
            case READV:
            case WRITEV:
            case TRIM:
            case COPY_RANGE:
            case FSYNC:
            case STAT:
            case GET_STATS:
            case SHUTDOWN:
                return true;
            default:
                return false;
        }
    }

    /** Whether a command of {@code manifest} may be an entry of a batch: all but Shutdown and GetStats. */
    static boolean batchable(String manifest) {
        return manifest != null && reads(manifest) && !GET_STATS.equals(manifest) && !SHUTDOWN.equals(manifest);
    }

    private Object read(String manifest, WireIn in, ActorRef<?> batchReplyTo) throws NotSerializableException {
        switch (manifest) {
            case READ: {
                final FileHandle file = handle(in);
                final long offset = in.sVarLong();
                final int length = in.sVarInt();
                final Duration timeout = in.duration();
                return new Read(file, offset, length, timeout, replyTo(in, "Read", batchReplyTo));
            }
            case WRITE: {
                final FileHandle file = handle(in);
                final long offset = in.sVarLong();
                final Duration timeout = in.duration();
                final ActorRef<StatusReply<Integer>> replyTo = replyTo(in, "Write", batchReplyTo);
                return new Write(file, offset, in.nullableByteString(), timeout, replyTo);
            }
            case OPEN: {
                final String path = in.string();
                final OpenOptions options = options(in);
                return new Open(path, options, replyTo(in, "Open", batchReplyTo));
            }
            case CLOSE: {
                final FileHandle file = handle(in);
                return new Close(file, replyTo(in, "Close", batchReplyTo));
            }
            case READV: {
                final FileHandle file = handle(in);
                final long offset = in.sVarLong();
                final Duration timeout = in.duration();
                final ActorRef<StatusReply<List<ByteString>>> replyTo = replyTo(in, "ReadV", batchReplyTo);
                return new ReadV(file, offset, lengths(in), timeout, replyTo);
            }
            case WRITEV: {
                final FileHandle file = handle(in);
                final long offset = in.sVarLong();
                final Duration timeout = in.duration();
                final ActorRef<StatusReply<Integer>> replyTo = replyTo(in, "WriteV", batchReplyTo);
                return new WriteV(file, offset, in.byteStrings(), timeout, replyTo);
            }
            case COPY_RANGE: {
                final FileHandle source = handle(in);
                final long sourceOffset = in.sVarLong();
                final FileHandle target = handle(in);
                final long targetOffset = in.sVarLong();
                final long length = in.sVarLong();
                if (length != (int) length) {
                    throw new NotSerializableException("CopyRange length out of range: " + length);
                }
                final Duration timeout = in.duration();
                return new CopyRange(source, sourceOffset, target, targetOffset, (int) length, timeout,
                        replyTo(in, "CopyRange", batchReplyTo));
            }
            case TRIM: {
                final FileHandle file = handle(in);
                final long offset = in.sVarLong();
                final long length = in.sVarLong();
                return new Trim(file, offset, length, replyTo(in, "Trim", batchReplyTo));
            }
            case FSYNC: {
                final FileHandle file = handle(in);
                final boolean dataOnly = in.bool();
                return new Fsync(file, dataOnly, replyTo(in, "Fsync", batchReplyTo));
            }
            case STAT: {
                final FileHandle file = handle(in);
                return new Stat(file, replyTo(in, "Stat", batchReplyTo));
            }
            case GET_STATS:
                return new GetStats(replyTo(in, "GetStats", batchReplyTo));
            case SHUTDOWN:
                // Marked as having crossed the wire: the ring obeys it only with allow-remote-shutdown.
                return new RemoteShutdown(replyTo(in, "Shutdown", batchReplyTo));
            default:
                throw new NotSerializableException("not a ring command manifest: " + manifest);
        }
    }

    private void replyTo(WireOut out, ActorRef<?> replyTo, boolean withReplyTo) {
        if (withReplyTo) {
            refs.write(out, replyTo);
        }
    }

    @SuppressWarnings("unchecked")
    private <T> ActorRef<T> replyTo(WireIn in, String command, ActorRef<?> batchReplyTo)
            throws NotSerializableException {
        return batchReplyTo != null ? (ActorRef<T>) batchReplyTo : refs.readReplyTo(in, command);
    }

    /** A nullable {@link FileHandle}: a presence mark, then 8 bytes little-endian. */
    static void handle(WireOut out, FileHandle handle) {
        if (handle == null) {
            out.bool(false);
        } else {
            out.bool(true);
            out.i64(handle.id());
        }
    }

    static FileHandle handle(WireIn in) throws NotSerializableException {
        return in.bool() ? new FileHandle(in.i64()) : null;
    }

    private static void options(WireOut out, OpenOptions o) {
        if (o == null) {
            out.u8(0);
            return;
        }
        out.u8(1 | (o.read() ? 2 : 0) | (o.write() ? 4 : 0) | (o.create() ? 8 : 0) | (o.createNew() ? 16 : 0)
                | (o.truncate() ? 32 : 0) | (o.append() ? 64 : 0) | (o.direct() ? 128 : 0));
        out.u8(o.dsync() ? 1 : 0);
    }

    private static OpenOptions options(WireIn in) throws NotSerializableException {
        final int bits = in.u8();
        if (bits == 0) {
            return null;
        }
        final int more = in.u8();
        if ((bits & 1) == 0 || (more & ~1) != 0) {
            throw new NotSerializableException("malformed open options: bits=" + bits + ", more=" + more);
        }
        try {
            return new OpenOptions((bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0, (bits & 16) != 0,
                    (bits & 32) != 0, (bits & 64) != 0, (bits & 128) != 0, (more & 1) != 0);
        } catch (IllegalArgumentException e) { // neither read nor write, or a flag that needs write without it
            throw new NotSerializableException("malformed open options: bits=" + bits + ", more=" + more + ": "
                    + e.getMessage());
        }
    }

    private static void lengths(WireOut out, List<Integer> lengths) {
        if (lengths == null) {
            out.absent();
            return;
        }
        out.nullableCount(lengths.size());
        for (Integer length : lengths) {
            if (length == null) {
                throw new IllegalArgumentException("ReadV lengths must not hold null: " + lengths);
            }
            out.sVarInt(length);
        }
    }

    private static List<Integer> lengths(WireIn in) throws NotSerializableException {
        final int count = in.nullableCount(); // each length takes a byte at least
        if (count < 0) {
            return null;
        }
        final Integer[] array = new Integer[count];
        for (int i = 0; i < count; i++) {
            array[i] = in.sVarInt();
        }
        return Collections.unmodifiableList(Arrays.asList(array));
    }
}
