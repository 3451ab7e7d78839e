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
        if (o instanceof Read) {
            final Read r = (Read) o;
            handle(out, r.file());
            out.sVarLong(r.offset());
            out.sVarInt(r.length());
            out.duration(r.timeout());
            refs.write(out, r.replyTo());
        } else if (o instanceof Write) {
            final Write w = (Write) o;
            handle(out, w.file());
            out.sVarLong(w.offset());
            out.duration(w.timeout());
            refs.write(out, w.replyTo());
            out.byteString(w.data());
        } else if (o instanceof Open) {
            final Open open = (Open) o;
            out.string(open.path());
            options(out, open.options());
            refs.write(out, open.replyTo());
        } else if (o instanceof Close) {
            handle(out, ((Close) o).file());
            refs.write(out, ((Close) o).replyTo());
        } else if (o instanceof ReadV) {
            final ReadV r = (ReadV) o;
            handle(out, r.file());
            out.sVarLong(r.offset());
            out.duration(r.timeout());
            refs.write(out, r.replyTo());
            lengths(out, r.lengths());
        } else if (o instanceof WriteV) {
            final WriteV w = (WriteV) o;
            handle(out, w.file());
            out.sVarLong(w.offset());
            out.duration(w.timeout());
            refs.write(out, w.replyTo());
            out.byteStrings(w.data());
        } else if (o instanceof Trim) {
            final Trim t = (Trim) o;
            handle(out, t.file());
            out.sVarLong(t.offset());
            out.sVarLong(t.length());
            refs.write(out, t.replyTo());
        } else if (o instanceof CopyRange) {
            final CopyRange c = (CopyRange) o;
            handle(out, c.source());
            out.sVarLong(c.sourceOffset());
            handle(out, c.target());
            out.sVarLong(c.targetOffset());
            out.sVarLong(c.length());
            out.duration(c.timeout());
            refs.write(out, c.replyTo());
        } else if (o instanceof Fsync) {
            handle(out, ((Fsync) o).file());
            out.bool(((Fsync) o).dataOnly());
            refs.write(out, ((Fsync) o).replyTo());
        } else if (o instanceof Stat) {
            handle(out, ((Stat) o).file());
            refs.write(out, ((Stat) o).replyTo());
        } else if (o instanceof GetStats) {
            refs.write(out, ((GetStats) o).replyTo());
        } else if (o instanceof Shutdown) {
            refs.write(out, ((Shutdown) o).replyTo());
        } else if (o instanceof RemoteShutdown) {
            refs.write(out, ((RemoteShutdown) o).replyTo());
        } else {
            throw new IllegalArgumentException("not a ring command: " + o.getClass().getName());
        }
    }

    @Override
    public Object read(String manifest, WireIn in) throws NotSerializableException {
        switch (manifest) {
            case READ: {
                final FileHandle file = handle(in);
                final long offset = in.sVarLong();
                final int length = in.sVarInt();
                final Duration timeout = in.duration();
                return new Read(file, offset, length, timeout, refs.readReplyTo(in, "Read"));
            }
            case WRITE: {
                final FileHandle file = handle(in);
                final long offset = in.sVarLong();
                final Duration timeout = in.duration();
                final ActorRef<StatusReply<Integer>> replyTo = refs.readReplyTo(in, "Write");
                return new Write(file, offset, in.nullableByteString(), timeout, replyTo);
            }
            case OPEN: {
                final String path = in.string();
                final OpenOptions options = options(in);
                return new Open(path, options, refs.readReplyTo(in, "Open"));
            }
            case CLOSE: {
                final FileHandle file = handle(in);
                return new Close(file, refs.readReplyTo(in, "Close"));
            }
            case READV: {
                final FileHandle file = handle(in);
                final long offset = in.sVarLong();
                final Duration timeout = in.duration();
                final ActorRef<StatusReply<List<ByteString>>> replyTo = refs.readReplyTo(in, "ReadV");
                return new ReadV(file, offset, lengths(in), timeout, replyTo);
            }
            case WRITEV: {
                final FileHandle file = handle(in);
                final long offset = in.sVarLong();
                final Duration timeout = in.duration();
                final ActorRef<StatusReply<Integer>> replyTo = refs.readReplyTo(in, "WriteV");
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
                        refs.readReplyTo(in, "CopyRange"));
            }
            case TRIM: {
                final FileHandle file = handle(in);
                final long offset = in.sVarLong();
                final long length = in.sVarLong();
                return new Trim(file, offset, length, refs.readReplyTo(in, "Trim"));
            }
            case FSYNC: {
                final FileHandle file = handle(in);
                final boolean dataOnly = in.bool();
                return new Fsync(file, dataOnly, refs.readReplyTo(in, "Fsync"));
            }
            case STAT: {
                final FileHandle file = handle(in);
                return new Stat(file, refs.readReplyTo(in, "Stat"));
            }
            case GET_STATS:
                return new GetStats(refs.readReplyTo(in, "GetStats"));
            case SHUTDOWN:
                // Marked as having crossed the wire: the ring obeys it only with allow-remote-shutdown.
                return new RemoteShutdown(refs.readReplyTo(in, "Shutdown"));
            default:
                throw new NotSerializableException("not a ring command manifest: " + manifest);
        }
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
