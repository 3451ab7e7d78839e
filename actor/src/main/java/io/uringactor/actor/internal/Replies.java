package io.uringactor.actor.internal;

import io.uringactor.actor.RingCommand;
import io.uringactor.ring.IoUringException;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * Failure replies for messages that never reached a running ring as a {@link Request}: used by the actor
 * that answers for a ring that could not start, by the ring mailbox at stop and by the
 * {@link DeadLetterGuard}, so that every request gets its one reply wherever it ends. A running ring
 * answers through the {@link Request} it decoded.
 */
final class Replies {
    private Replies() {
    }

    /**
     * Answers {@code message} with {@code error} if it is a request of the ring protocol; a Shutdown (which
     * the ring, stopped or stopping, obeys anyway) with {@code Done}. Returns whether it was one.
     */
    public static boolean fail(Object message, IoUringException error) {
        if (message instanceof RingCommand.Shutdown) {
            tell(((RingCommand.Shutdown) message).replyTo(), StatusReply.success(Done.getInstance()));
            return true;
        }
        if (message instanceof RemoteShutdown) {
            tell(((RemoteShutdown) message).replyTo(), StatusReply.success(Done.getInstance()));
            return true;
        }
        if (message instanceof RequestBatch) {
            final RequestBatch batch = (RequestBatch) message;
            final Object[] outcomes = new Object[batch.ids().length];
            java.util.Arrays.fill(outcomes, error);
            tell(batch.replyTo(), new ReplyBatch(new long[] {batch.batchId()}, batch.ids().clone(), outcomes));
            return true;
        }
        final Request request = Request.of(message);
        if (request == null) {
            return false;
        }
        request.fail(error);
        return true;
    }

    /** Tells {@code replyTo} the reply, unless there is no one to tell. */
    @SuppressWarnings("unchecked")
    static void tell(ActorRef<?> replyTo, Object reply) {
        if (replyTo != null) {
            ((ActorRef<Object>) replyTo).tell(reply);
        }
    }
}
