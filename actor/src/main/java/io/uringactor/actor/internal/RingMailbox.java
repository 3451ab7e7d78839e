package io.uringactor.actor.internal;

import com.typesafe.config.Config;

import io.uringactor.actor.RingStoppedException;
import io.uringactor.ring.EventFd;

import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.dispatch.MailboxType;
import org.apache.pekko.dispatch.MessageQueue;
import org.apache.pekko.dispatch.ProducesMessageQueue;
import org.apache.pekko.dispatch.UnboundedMessageQueueSemantics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import scala.Option;

/**
 * The ring actor's mailbox: an unbounded FIFO queue that can wake the actor while it sleeps in
 * {@code io_uring_enter}. With ops in flight and nothing to read, the ring actor waits for completions in
 * the kernel on its own thread (one wake-up per completion batch, no reaper hand-off); a message that
 * arrives meanwhile bumps an eventfd whose read the actor keeps queued on its ring, which ends the wait.
 *
 * <p>Ordering: the actor sets {@code waiting} and then checks the queue; a sender adds to the queue and
 * then checks {@code waiting}. Both are sequentially consistent, so one of them always sees the other
 * and no wake-up is lost.
 */
public final class RingMailbox implements MailboxType, ProducesMessageQueue<RingMailbox.Queue> {
    /** Queues created for ring actors, claimed by the actor when it starts. */
    private static final Map<ActorRef, Queue> UNCLAIMED = new ConcurrentHashMap<>();

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
        final Queue queue = new Queue();
        if (owner.isDefined()) {
            UNCLAIMED.put(owner.get(), queue);
        }
        return queue;
    }

    /** The queue of the actor {@code self}, or {@code null} if it was spawned with another mailbox. */
    static Queue claim(ActorRef self) {
        return UNCLAIMED.remove(self);
    }

    /** The message queue; the wake-up hooks are for the ring actor only. */
    public static final class Queue implements MessageQueue, UnboundedMessageQueueSemantics {
        private final ConcurrentLinkedQueue<Envelope> queue = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean waiting = new AtomicBoolean();
        private volatile EventFd wakeUp;

        @Override
        public void enqueue(ActorRef receiver, Envelope handle) {
            queue.add(handle);
            if (waiting.get() && waiting.compareAndSet(true, false)) {
                // Any sender thread gets here. At stop the ring actor clears wakeUp, then closes the eventfd: a
                // sender that read it just before signals a closed EventFd, which then does nothing.
                final EventFd fd = wakeUp;
                if (fd != null) {
                    fd.signal();
                }
            }
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

        void wakeUpWith(EventFd fd) {
            this.wakeUp = fd;
        }

        /**
         * Announces that the actor is about to sleep in the kernel. Returns {@code false} (and announces
         * nothing) if messages are already waiting, so the caller should not sleep.
         */
        boolean beginWait() {
            waiting.set(true);
            if (!queue.isEmpty()) {
                waiting.set(false);
                return false;
            }
            return true;
        }

        /** The sleep ended (a completion, or a sender's wake-up). */
        void endWait() {
            waiting.set(false);
        }
    }
}
