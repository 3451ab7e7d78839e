package io.uringactor.actor.serialization;

import static io.uringactor.actor.serialization.RingProtocolSerializer.REPLY_BATCH;
import static io.uringactor.actor.serialization.RingProtocolSerializer.REQUEST_BATCH;

import io.uringactor.actor.RingCommand;
import io.uringactor.actor.internal.ReplyBatch;
import io.uringactor.actor.internal.RequestBatch;
import io.uringactor.ring.IoUringException;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.util.ByteString;

import java.io.NotSerializableException;

/**
 * Batches of the ring protocol: many requests from one node in one message, and a ring's replies to them in
 * another.
 *
 * <pre>
 * RequestBatch  replyTo, batch id (varint), count, then per entry: id (varint), the command's manifest (a
 *               string), the command as {@link CommandCodec} writes it but without its replyTo
 * ReplyBatch    count of acknowledged batches, each batch id (varint); count of entries, then per entry:
 *               id (varint), a tag and the outcome:
 *               0 a ByteString (length, bytes), 1 an Integer (zig-zag), 2 Done (nothing),
 *               3 a reply value (its {@link ReplyCodec} manifest, then its bytes),
 *               4 a failure (as {@link FailureCodec} writes it)
 * </pre>
 *
 * A request batch holds 1 to {@value #MAX_ENTRIES} entries, a reply batch up to as many entries and as
 * many acknowledgements, at least one of either; an entry that is a Shutdown, a GetStats, a block command
 * or an unknown manifest makes the whole message malformed, as any other malformed field does.
 */
final class BatchCodec implements MessageCodec {
    /** The most entries a batch may hold; a sender's batches stay far below ({@code RemoteCalls}). */
    static final int MAX_ENTRIES = 4096;

    private static final int BYTES = 0;
    private static final int INT = 1;
    private static final int DONE = 2;
    private static final int VALUE = 3;
    private static final int FAILURE = 4;

    private final ActorRefCodec refs;
    private final CommandCodec commands;
    private final ReplyCodec replies;
    private final FailureCodec failures;

    BatchCodec(ActorRefCodec refs, CommandCodec commands, ReplyCodec replies, FailureCodec failures) {
        this.refs = refs;
        this.commands = commands;
        this.replies = replies;
        this.failures = failures;
    }

    @Override
    public String manifest(Object o) {
        if (o instanceof RequestBatch) {
            return REQUEST_BATCH;
        } else if (o instanceof ReplyBatch) {
            return REPLY_BATCH;
        }
        return null;
    }

    @Override
    public void write(Object o, WireOut out) {
        if (o instanceof RequestBatch) {
            final RequestBatch batch = (RequestBatch) o;
            refs.write(out, batch.replyTo());
            out.varLong(batch.batchId());
            out.varInt(batch.ids().length);
            for (int i = 0; i < batch.ids().length; i++) {
                final RingCommand command = batch.commands()[i];
                out.varLong(batch.ids()[i]);
                out.string(commands.manifest(command));
                commands.writeBatchEntry(command, out);
            }
        } else if (o instanceof ReplyBatch) {
            final ReplyBatch batch = (ReplyBatch) o;
            out.varInt(batch.acks().length);
            for (long ack : batch.acks()) {
                out.varLong(ack);
            }
            out.varInt(batch.ids().length);
            for (int i = 0; i < batch.ids().length; i++) {
                out.varLong(batch.ids()[i]);
                outcome(out, batch.outcomes()[i]);
            }
        } else {
            throw new IllegalArgumentException("not a batch: " + o.getClass().getName());
        }
    }

    private void outcome(WireOut out, Object outcome) {
        if (outcome instanceof ByteString) {
            out.u8(BYTES);
            out.byteString((ByteString) outcome);
        } else if (outcome instanceof Integer) {
            out.u8(INT);
            out.sVarInt((Integer) outcome);
        } else if (outcome instanceof Done) {
            out.u8(DONE);
        } else if (outcome instanceof IoUringException) {
            out.u8(FAILURE);
            failures.write(outcome, out);
        } else {
            final String manifest = replies.manifest(outcome);
            if (!ReplyCodec.batchable(manifest)) {
                throw new IllegalArgumentException("not a ring reply value: "
                        + (outcome == null ? "null" : outcome.getClass().getName()));
            }
            out.u8(VALUE);
            out.string(manifest);
            replies.write(outcome, out);
        }
    }

    @Override
    public Object read(String manifest, WireIn in) throws NotSerializableException {
        switch (manifest) {
            case REQUEST_BATCH: {
                final ActorRef<ReplyBatch> replyTo = refs.readReplyTo(in, "a request batch");
                final long batchId = in.varLong();
                final int count = count(in, 1);
                final long[] ids = new long[count];
                final RingCommand[] entries = new RingCommand[count];
                for (int i = 0; i < count; i++) {
                    ids[i] = in.varLong();
                    final String entryManifest = in.string();
                    entries[i] = (RingCommand) commands.readBatchEntry(entryManifest, in, replyTo);
                }
                return new RequestBatch(replyTo, batchId, ids, entries);
            }
            case REPLY_BATCH: {
                final long[] acks = new long[count(in, 0)];
                for (int i = 0; i < acks.length; i++) {
                    acks[i] = in.varLong();
                }
                final int count = count(in, acks.length == 0 ? 1 : 0);
                final long[] ids = new long[count];
                final Object[] outcomes = new Object[count];
                for (int i = 0; i < count; i++) {
                    ids[i] = in.varLong();
                    outcomes[i] = outcome(in);
                }
                return new ReplyBatch(acks, ids, outcomes);
            }
            default:
                throw new NotSerializableException("not a batch manifest: " + manifest);
        }
    }

    /** A count: at least {@code least}, at most {@link #MAX_ENTRIES}, and no more than bytes are left. */
    private static int count(WireIn in, int least) throws NotSerializableException {
        final int count = in.varInt();
        if (count < least || count > MAX_ENTRIES || count > in.remaining()) {
            throw new NotSerializableException("a batch with a count of " + Integer.toUnsignedString(count)
                    + ": a batch holds " + least + " to " + MAX_ENTRIES + ", each at least a byte");
        }
        return count;
    }

    private Object outcome(WireIn in) throws NotSerializableException {
        final int tag = in.u8();
        switch (tag) {
            case BYTES: {
                final ByteString bytes = in.nullableByteString();
                if (bytes == null) {
                    throw new NotSerializableException("a reply batch entry with null bytes");
                }
                return bytes;
            }
            case INT:
                return in.sVarInt();
            case DONE:
                return Done.getInstance();
            case VALUE: {
                final String manifest = in.string();
                if (!ReplyCodec.batchable(manifest)) {
                    throw new NotSerializableException("a reply batch entry of no reply value: " + manifest);
                }
                return replies.read(manifest, in);
            }
            case FAILURE:
                return failures.read(RingProtocolSerializer.FAILURE, in);
            default:
                throw new NotSerializableException("a reply batch entry with the unknown tag " + tag);
        }
    }
}
