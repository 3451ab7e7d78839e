package io.uringactor.actor.internal;

import org.apache.pekko.annotation.InternalApi;
import io.uringactor.actor.RingCommand;
import io.uringactor.ring.IoUringException;

import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

import java.util.concurrent.CompletableFuture;

/**
 * A request as the ring serves it, decoded once: its {@link CommandKind}, its command, and where its one
 * reply goes. A {@link io.uringactor.actor.RingClient} in the same JVM sends this shape itself
 * ({@link #local}: the ring completes the caller's future, no ask actor, no timer, no allocation beyond
 * this); a {@link RingCommand} asked from an actor or another node, and a {@link RemoteBlockRequest}, are
 * decoded into it when the ring actor receives them ({@link #of}), and so is each entry of a
 * {@link RequestBatch} from another node ({@link #batched}: its reply joins a {@link ReplyBatch}).
 * Admission, memory accounting, the SQE writer, the completer and every refusal read this, never the
 * message's class again.
 *
 * <p>The reply is given on the ring actor's thread, or by the mailbox, the {@link DeadLetterGuard} or the
 * {@link ShutdownWatch} when the request never reaches a running ring; a future's first completion wins.
 */
@InternalApi
public final class Request {
    final CommandKind kind;
    /** The command; for a block request from another node, {@code null} until the ring gives it a buffer. */
    final RingCommand command;
    /** A block request from another node, else {@code null}. */
    final RemoteBlockRequest remoteBlock;
    /** A local caller's reply, or {@code null}. */
    private final CompletableFuture<Object> future;
    /** Otherwise who is told the reply; {@code null} when the request names no one. */
    private final ActorRef<StatusReply<?>> replyTo;
    /** For an entry of a {@link RequestBatch}: the ring's gatherer of batched replies, else {@code null}. */
    private final BatchReplies batchReplies;
    /** For an entry of a {@link RequestBatch}: the asking node's receiver of replies. */
    private final ActorRef<ReplyBatch> batchReplyTo;
    /** For an entry of a {@link RequestBatch}: the asker's id of the entry. */
    private final long batchId;

    private Request(CommandKind kind, RingCommand command, RemoteBlockRequest remoteBlock,
                    CompletableFuture<Object> future, ActorRef<?> replyTo) {
        this(kind, command, remoteBlock, future, replyTo, null, null, 0);
    }

    @SuppressWarnings("unchecked")
    private Request(CommandKind kind, RingCommand command, RemoteBlockRequest remoteBlock,
                    CompletableFuture<Object> future, ActorRef<?> replyTo, BatchReplies batchReplies,
                    ActorRef<ReplyBatch> batchReplyTo, long batchId) {
        this.kind = kind;
        this.command = command;
        this.remoteBlock = remoteBlock;
        this.future = future;
        this.replyTo = (ActorRef<StatusReply<?>>) replyTo;
        this.batchReplies = batchReplies;
        this.batchReplyTo = batchReplyTo;
        this.batchId = batchId;
    }

    /**
     * A request of a {@code RingClient} in this JVM: {@code reply} is completed with the reply's value, or
     * exceptionally with an {@link IoUringException}; {@code command}'s own {@code replyTo} is never told.
     */
    public static Request local(RingCommand command, CompletableFuture<Object> reply) {
        return new Request(command == null ? null : CommandKind.of(command), command, null, reply, null);
    }

    /**
     * Entry {@code i} of a batch from another node: its reply goes into {@code replies}, which sends it to the
     * batch's {@code replyTo} with the other replies ready at the same time.
     */
    static Request batched(RequestBatch batch, int i, BatchReplies replies) {
        final RingCommand command = batch.commands()[i];
        return new Request(command == null ? null : CommandKind.of(command), command, null, null, null, replies,
                batch.replyTo(), batch.ids()[i]);
    }

    /**
     * {@code message} as a request of the ring protocol, or {@code null} when it is none (a Shutdown from
     * another node is no request: the ring actor decides on it first).
     */
    static Request of(Object message) {
        if (message instanceof Request) {
            return (Request) message;
        }
        if (message instanceof RingCommand) {
            final RingCommand command = (RingCommand) message;
            return new Request(CommandKind.of(command), command, null, null, command.replyTo());
        }
        if (message instanceof RemoteBlockRequest) {
            final RemoteBlockRequest block = (RemoteBlockRequest) message;
            return new Request(block.write() ? CommandKind.WRITE_BLOCK : CommandKind.READ_BLOCK, null, block, null,
                    block.replyTo());
        }
        return null;
    }

    /**
     * The node that made the request when it is another node (its reply goes there), else {@code null}: the
     * owner of a file it opens ({@link OpenFiles}), whose files close when that node is gone.
     */
    Address remoteNode() {
        final ActorRef<?> answered = batchReplyTo != null ? batchReplyTo : replyTo;
        if (answered == null) {
            return null;
        }
        final Address address = answered.path().address();
        return address.hasGlobalScope() ? address : null;
    }

    /** Whether the request names somewhere to reply to (a message from the wire may not). */
    boolean canAnswer() {
        return future != null || replyTo != null || batchReplyTo != null;
    }

    /** Answers the request with {@code value}. */
    void succeed(Object value) {
        if (future != null) {
            future.complete(value);
        } else if (batchReplyTo != null) {
            batchReplies.add(batchReplyTo, batchId, value);
        } else if (replyTo != null) {
            replyTo.tell(StatusReply.success(value));
        }
    }

    /** Answers the request with {@code error}. */
    void fail(IoUringException error) {
        if (future != null) {
            future.completeExceptionally(error);
        } else if (batchReplyTo != null) {
            batchReplies.add(batchReplyTo, batchId, error);
        } else if (replyTo != null) {
            replyTo.tell(StatusReply.error(error));
        }
    }

    @Override
    public String toString() {
        return String.valueOf(remoteBlock != null ? remoteBlock : command);
    }
}
