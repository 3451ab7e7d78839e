package io.uringactor.actor.internal;

import io.uringactor.actor.RingStoppedException;

import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Completes the future of a {@link LocalRequest} that became a dead letter (sent to a ring actor that
 * had stopped, or still in its mailbox when it stopped) with {@link RingStoppedException}. The ring
 * actor answers everything it received; this covers what it never received, so local requests need no
 * per-request timer to be sure of a reply.
 */
public final class DeadLetterGuard implements Extension {
    private static final Id ID = new Id();

    private DeadLetterGuard(ActorSystem<?> system) {
        final ActorRef<DeadLetter> guard = system.systemActorOf(Behaviors.receiveMessage(dead -> {
            if (dead.message() instanceof LocalRequest) {
                ((LocalRequest) dead.message()).reply().completeExceptionally(new RingStoppedException(
                        "the ring actor " + dead.recipient().path() + " is not running"));
            }
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
