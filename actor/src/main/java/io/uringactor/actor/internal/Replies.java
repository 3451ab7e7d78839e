package io.uringactor.actor.internal;

import io.uringactor.actor.RingCommand;
import io.uringactor.ring.IoUringException;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * The failure replies of the ring protocol, for every shape a request takes ({@link RingCommand},
 * {@link LocalRequest}, {@link RemoteBlockRequest}, {@link RemoteShutdown}); used by the ring actor, by
 * the actor that answers for a ring that could not start, by the ring mailbox at stop and by the
 * {@link DeadLetterGuard}, so that every request gets its one reply wherever it ends.
 */
final class Replies {
    private Replies() {
    }

    /** Whether {@code request} names somewhere to reply to. */
    static boolean canAnswer(Object request) {
        if (request instanceof LocalRequest) {
            final LocalRequest local = (LocalRequest) request;
            return local.reply() != null && local.command() != null;
        }
        if (request instanceof RingCommand) {
            return ((RingCommand) request).replyTo() != null;
        }
        if (request instanceof RemoteBlockRequest) {
            return ((RemoteBlockRequest) request).replyTo() != null;
        }
        return request instanceof RemoteShutdown && ((RemoteShutdown) request).replyTo() != null;
    }

    /**
     * Answers {@code request} with {@code error}; a Shutdown (which the ring, stopped or stopping, obeys
     * anyway) with {@code Done}. Returns whether {@code request} was one of the ring protocol's requests.
     */
    public static boolean fail(Object request, IoUringException error) {
        if (request instanceof LocalRequest) {
            final LocalRequest local = (LocalRequest) request;
            if (local.reply() != null) {
                local.reply().completeExceptionally(error);
            }
            return true;
        }
        if (request instanceof RingCommand.Shutdown) {
            tell(((RingCommand.Shutdown) request).replyTo(), StatusReply.success(Done.getInstance()));
            return true;
        }
        if (request instanceof RemoteShutdown) {
            tell(((RemoteShutdown) request).replyTo(), StatusReply.success(Done.getInstance()));
            return true;
        }
        if (request instanceof RingCommand) {
            tell(((RingCommand) request).replyTo(), StatusReply.error(error));
            return true;
        }
        if (request instanceof RemoteBlockRequest) {
            tell(((RemoteBlockRequest) request).replyTo(), StatusReply.error(error));
            return true;
        }
        return false;
    }

    /** Answers a {@link LocalRequest} or a {@link RingCommand} with {@code value}. */
    static void succeed(Object request, Object value) {
        if (request instanceof LocalRequest) {
            ((LocalRequest) request).reply().complete(value);
        } else {
            tell(((RingCommand) request).replyTo(), StatusReply.success(value));
        }
    }

    /** Tells {@code replyTo} the reply, unless there is no one to tell. */
    @SuppressWarnings("unchecked")
    static void tell(ActorRef<?> replyTo, Object reply) {
        if (replyTo != null) {
            ((ActorRef<Object>) replyTo).tell(reply);
        }
    }
}
