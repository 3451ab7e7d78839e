package io.uringactor.actor.internal;

import com.typesafe.config.Config;
import io.uringactor.actor.RingStoppedException;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.annotation.InternalApi;
import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.dispatch.MailboxType;
import org.apache.pekko.dispatch.MessageQueue;
import org.apache.pekko.dispatch.ProducesMessageQueue;
import org.apache.pekko.dispatch.UnboundedMessageQueueSemantics;
import java.util.concurrent.ConcurrentLinkedQueue;
import scala.Option;

/**
 * The ring actor's mailbox: an unbounded FIFO queue that, when the actor has stopped, answers the requests
 * still in it with {@link RingStoppedException} itself. Pekko's own mailboxes hand them to the dead
 * letters, where the {@link DeadLetterGuard} answers them, but the guard may be gone already while the
 * system terminates; this answers them whenever the actor stops.
 */
@InternalApi
public final class RingMailbox implements MailboxType, ProducesMessageQueue<RingMailbox.Queue> {
    /**
     * Called by Pekko, reflectively, for the mailbox configured at {@link io.uringactor.actor.RingActor#MAILBOX}.
     *
     * @param settings the actor system's settings (unused)
     * @param config   the mailbox's configuration (unused)
     */
    public RingMailbox(ActorSystem.Settings settings, Config config) {
        // Pekko instantiates mailbox types reflectively with this signature; nothing to configure.
    }

    @Override
    public MessageQueue create(Option<ActorRef> owner, Option<ActorSystem> system) {
        return new Queue();
    }

    /** The message queue. */
    public static final class Queue implements MessageQueue, UnboundedMessageQueueSemantics {
        private final ConcurrentLinkedQueue<Envelope> queue = new ConcurrentLinkedQueue<>();

        @Override
        public void enqueue(ActorRef receiver, Envelope handle) {
            queue.add(handle);
        }

        @Override
        public Envelope dequeue() {
            return queue.poll();
        }

        @Override
        public int numberOfMessages() {
            return queue.size();
        }

        @Override
        public boolean hasMessages() {
            return !queue.isEmpty();
        }

        /**
         * The actor stopped: answer the requests still queued here at once, also while the system terminates
         * (when the dead-letter guard may be gone already); anything else goes to the dead letters.
         */
        @Override
        public void cleanUp(ActorRef owner, MessageQueue deadLetters) {
            Envelope envelope;
            while ((envelope = queue.poll()) != null) {
                if (!Replies.fail(envelope.message(), new RingStoppedException("the ring actor " + owner.path()
                        + " stopped before it read this request"))) {
                    deadLetters.enqueue(owner, envelope);
                }
            }
        }
    }
}
