package io.uringactor.actor;

import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The ActorSystem's default ring actor: one io_uring ring per system, created on first use with the
 * {@code io-uring-actor.ring} settings on the shared ring event loop {@link RingActor#LOOP_DISPATCHER}
 * ({@code io-uring-actor.extension-dispatcher}), and stopped gracefully (in-flight ops answered, files closed) in
 * CoordinatedShutdown's {@code service-stop} phase.
 *
 * <pre>{@code
 * RingClient ring = RingExtension.get(system).client();
 * }</pre>
 */
public final class RingExtension implements Extension {
    private static final Id ID = new Id();

    /**
     * The dispatcher id the default ring runs on, and the {@code UringFileIO} stages with it: an alias
     * ({@code io-uring-actor.extension-dispatcher}) of the shared ring event loop {@link RingActor#LOOP_DISPATCHER}
     * unless configured otherwise.
     */
    public static final String DISPATCHER = "io-uring-actor.extension-dispatcher";

    private final ActorRef<RingCommand> ring;
    private final RingClient client;

    private RingExtension(ActorSystem<?> system) {
        final RingSettings settings = RingSettings.create(system).withDispatcher(DISPATCHER);
        this.ring = system.systemActorOf(RingActor.create(settings), "io-uring-ring", RingActor.props(settings));
        this.client = RingClient.create(ring, system, settings.askTimeout());
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceStop(), "io-uring-ring-stop",
                () -> AskPattern.<RingCommand, Done>askWithStatus(ring, RingCommand.Shutdown::new,
                        settings.stopTimeout().plusSeconds(5), system.scheduler()));
    }

    /** The extension of {@code system}, created on first call. */
    public static RingExtension get(ActorSystem<?> system) {
        return ID.apply(system);
    }

    /** The system's default ring actor. */
    public ActorRef<RingCommand> ring() {
        return ring;
    }

    /** A {@link java.util.concurrent.CompletionStage} client of {@link #ring()}. */
    public RingClient client() {
        return client;
    }

    /** The extension's id; use {@link #get}. */
    public static final class Id extends ExtensionId<RingExtension> {
        @Override
        public RingExtension createExtension(ActorSystem<?> system) {
            return new RingExtension(system);
        }
    }
}
