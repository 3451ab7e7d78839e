package io.uringactor.actor;

import io.uringactor.actor.internal.RingBehavior;
import io.uringactor.actor.internal.RingEventLoop;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.MailboxSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * Factory of ring actors: each owns one io_uring ring and serves {@link RingCommand}s. A ring actor runs on
 * a ring event loop, which hosts its ring: spawn it with {@link #props(RingSettings)} so that it runs where
 * its settings say, by default on a loop of its own ({@link #RING_LOOP_DISPATCHER}), or on a loop that
 * other actors can run on too. One spawned on any other dispatcher, or on a loop that drives a ring
 * already, does not start: it answers every request with a {@link RingStoppedException} whose cause says
 * where to spawn it.
 *
 * <pre>{@code
 * RingSettings settings = RingSettings.create(context.getSystem());
 * ActorRef<RingCommand> ring = context.spawn(RingActor.create(settings), "disk-ring", RingActor.props(settings));
 * }</pre>
 *
 * Or let {@link RingExtension#get} give you the system's default one.
 *
 * <p>In a cluster, a ring actor registers with the receptionist under {@link #SERVICE_KEY} (unless
 * {@code io-uring-actor.ring.register-with-receptionist = off}), so other nodes find it with
 * {@code Receptionist.find(RingActor.SERVICE_KEY, replyTo)} or {@code Receptionist.subscribe}. Give such a
 * ring a {@link RingSettings#withRootDirectory root directory}: its opens then stay beneath it.
 */
public final class RingActor {
    /**
     * The key ring actors register under with the receptionist, id {@code "io-uring-ring"}: the disk
     * services of the cluster. A graceful {@link RingCommand.Shutdown} deregisters at once.
     */
    public static final ServiceKey<RingCommand> SERVICE_KEY = RingServiceKey.KEY;

    private RingActor() {
    }

    /** A ring actor with the given settings. */
    public static Behavior<RingCommand> create(RingSettings settings) {
        return RingBehavior.create(settings);
    }

    /** A ring actor with the settings of the system's {@code io-uring-actor.ring} configuration. */
    public static Behavior<RingCommand> create() {
        return Behaviors.setup(context -> RingBehavior.create(RingSettings.create(context.getSystem())));
    }

    /**
     * A ring actor bound to one file, like the seed crate's actor per file: it opens {@code path} before it
     * serves anything (if it cannot, every request is answered with a {@link RingStoppedException} caused by
     * the open's {@link io.uringactor.ring.ErrnoException}) and
     * closes it when it stops. Address the file as {@link FileHandle#BOUND}; other files may still be
     * opened through it (beneath the settings' root directory, if any; {@code path} itself is not confined).
     * Such an actor never registers with the receptionist.
     */
    public static Behavior<RingCommand> createForFile(java.nio.file.Path path, OpenOptions options, RingSettings settings) {
        return RingBehavior.createForFile(settings, path.toString(), options);
    }

    /**
     * Props selecting the configured dispatcher ({@code io-uring-actor.ring.dispatcher}: a ring event loop of
     * its own by default; it must name a ring event loop) and the ring mailbox, which answers the requests
     * still queued when the actor stops even while the system terminates.
     */
    public static Props props(RingSettings settings) {
        return DispatcherSelector.fromConfig(settings.dispatcher()).withNext(MailboxSelector.fromConfig(MAILBOX));
    }

    /**
     * Config path of the shared ring event loops that the {@link RingExtension}'s ring group runs on, one ring
     * per loop ({@link RingGroupDispatcherConfigurator}). Spawn actors on it with
     * {@code DispatcherSelector.fromConfig(RingActor.LOOP_DISPATCHER)}: each runs on the loop that wakes it (idle
     * loops take waiting actors from busy ones) and, through {@code RingExtension.get(system).client()}, talks to
     * the ring of the loop it runs on without crossing threads.
     * One ring per loop: spawn other rings on loops of their own, or as a {@link RingGroup}.
     */
    public static final String LOOP_DISPATCHER = "io-uring-actor.loop-dispatcher";

    /**
     * Config path of the default {@code io-uring-actor.ring.dispatcher}: a ring event loop of its own for every
     * ring actor spawned on it ({@link OwnLoopDispatcherConfigurator}).
     */
    public static final String RING_LOOP_DISPATCHER = "io-uring-actor.ring-loop-dispatcher";

    /**
     * Config path of the pinned dispatcher of earlier versions, now a name for {@link #RING_LOOP_DISPATCHER}:
     * a dedicated thread per ring actor, which is its ring's event loop.
     */
    public static final String PINNED_DISPATCHER = "io-uring-actor.pinned-dispatcher";

    /**
     * Whether the calling thread is a ring event loop's: code running there shares the thread with a ring and
     * must not block (a guard or an assertion for code that may run on either kind of thread).
     */
    public static boolean onRingLoopThread() {
        return RingEventLoop.onLoopThread();
    }

    /** Config path of the ring mailbox. */
    public static final String MAILBOX = "io-uring-actor.ring-mailbox";

    /**
     * Starts a ring actor outside any actor, as a system actor named {@code name}, on the dispatcher its
     * settings name, and returns a handle with its ref, a {@link RingClient} and ways to stop it (gracefully or
     * at once). The system's {@link RingExtension} ring is one too; spawn more for more rings (each gets a
     * ring event loop of its own by default).
     *
     * @param system   the actor system to run the ring in
     * @param name     the actor's name, unique among the system's actors
     * @param settings the ring's settings, e.g. {@code RingSettings.create(system).withRootDirectory(dir)}
     * @return the running ring's handle
     * @throws org.apache.pekko.actor.InvalidActorNameException if the name is taken or not a valid actor name
     */
    public static RingHandle spawn(ActorSystem<?> system, String name, RingSettings settings) {
        final ActorRef<RingCommand> ref = system.systemActorOf(create(settings), name, props(settings));
        return new RingHandle(system, ref, RingClient.create(ref, system, settings.askTimeout()));
    }

    /** Spawns a ring actor as a child of {@code context} on the dispatcher its settings name. */
    public static ActorRef<RingCommand> spawn(ActorContext<?> context, String name, RingSettings settings) {
        return context.spawn(create(settings), name, props(settings));
    }
}
