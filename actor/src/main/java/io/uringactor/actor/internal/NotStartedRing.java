package io.uringactor.actor.internal;

import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingStoppedException;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;

/**
 * What a ring actor becomes when its ring cannot start (io_uring unavailable, the root directory or the
 * bound file cannot be opened): it stays up and answers every request with a {@link RingStoppedException}
 * whose cause is the reason, e.g. an {@link io.uringactor.ring.IoUringUnavailableException} that says
 * which sysctl or seccomp rule forbids io_uring. A Shutdown stops it.
 */
final class NotStartedRing {
    private NotStartedRing() {
    }

    static Behavior<Object> create(Throwable cause) {
        return Behaviors.receive((context, message) -> {
            if (message instanceof RingCommand.Shutdown) {
                Replies.tell(((RingCommand.Shutdown) message).replyTo(), StatusReply.success(Done.getInstance()));
                return Behaviors.stopped();
            }
            Replies.fail(message, new RingStoppedException("the ring actor could not start: " + cause.getMessage(),
                    cause));
            return Behaviors.same();
        });
    }
}
