package io.uringactor.actor.internal;

import io.uringactor.actor.RingStoppedException;

import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.annotation.InternalApi;

/**
 * Answers every ring request that became a dead letter (sent to a ring actor that had stopped, or still
 * in its mailbox when it stopped) with {@link RingStoppedException}: a local {@link Request}'s future, a
 * plain {@link io.uringactor.actor.RingCommand}'s {@code replyTo} (asked locally or from another node),
 * a block request from another node. The ring actor answers everything it received; this covers what it
 * never received, so no request needs a timer of its own to be sure of a reply. Installed by every ring
 * actor and every {@link io.uringactor.actor.RingClient}.
 */
@InternalApi
public final class DeadLetterGuard implements Extension {
    private static final Id ID = new Id();

    private DeadLetterGuard(ActorSystem<?> system) {
        final ActorRef<DeadLetter> guard = system.systemActorOf(Behaviors.receiveMessage(dead -> {
            Replies.fail(dead.message(), new RingStoppedException(
                    "the ring actor " + dead.recipient().path() + " is not running"));
            return Behaviors.same();
        }), "io-uring-dead-letter-guard", org.apache.pekko.actor.typed.Props.empty());
        system.eventStream().tell(new EventStream.Subscribe<>(DeadLetter.class, guard));
    }

    /** Makes sure the guard runs in {@code system}. */
    public static void install(ActorSystem<?> system) {
        ID.apply(system);
    }

    /** The extension's id. */
    public static final class Id extends ExtensionId<DeadLetterGuard> {
        @Override
        public DeadLetterGuard createExtension(ActorSystem<?> system) {
            return new DeadLetterGuard(system);
        }
    }
}
