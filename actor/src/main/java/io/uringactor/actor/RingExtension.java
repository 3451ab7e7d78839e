package io.uringactor.actor;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * The ActorSystem's default rings: a {@link RingGroup} created on first use with the {@code io-uring-actor.ring}
 * settings on the loops of {@link RingActor#LOOP_DISPATCHER} ({@code io-uring-actor.extension-dispatcher}),
 * one ring per loop, and stopped gracefully (in-flight ops answered, files closed) in CoordinatedShutdown's
 * {@code service-stop} phase.
 *
 * <pre>{@code
 * RingClient ring = RingExtension.get(system).client();
 * }</pre>
 *
 * <p>How many rings: {@code io-uring-actor.loop-dispatcher.loops}, by default {@code auto}, which is half the
 * available processors (1 to 8; see {@link RingGroupDispatcherConfigurator#autoLoops()} for why), so a
 * 2-processor machine has one ring and a 32-processor node 8. Set {@code loops = per-processor} when the
 * application's actors run on the loops ({@code DispatcherSelector.fromConfig(RingActor.LOOP_DISPATCHER)}, which
 * spreads them over the loops) and its data is mostly in the page cache; set a number to choose.
 */
public final class RingExtension implements Extension {
    private static final Id ID = new Id();

    /**
     * The dispatcher id the default rings run on, and the {@code UringFileIO} stages with them: an alias
     * ({@code io-uring-actor.extension-dispatcher}) of the shared ring event loops {@link RingActor#LOOP_DISPATCHER}
     * unless configured otherwise (a dispatcher that is no {@link RingGroupDispatcherConfigurator} gets one ring).
     */
    public static final String DISPATCHER = "io-uring-actor.extension-dispatcher";

    private final RingGroup group;

    private RingExtension(ActorSystem<?> system) {
        final RingSettings settings = RingSettings.create(system);
        this.group = RingGroup.onDispatcher(system, "io-uring-ring", DISPATCHER, settings); // stopped by CoordinatedShutdown
    }

    /** The extension of {@code system}, created on first call. */
    public static RingExtension get(ActorSystem<?> system) {
        return ID.apply(system);
    }

    /** The system's default rings. */
    public RingGroup group() {
        return group;
    }

    /**
     * The first of the system's default rings (the only one with {@code loops = 1}). Like every ring of the
     * group it serves every file the group opened; {@link #client()} picks the ring for each request.
     */
    public ActorRef<RingCommand> ring() {
        return group.ring(0);
    }

    /** A {@link java.util.concurrent.CompletionStage} client of the default rings ({@link RingGroup#client()}). */
    public RingClient client() {
        return group.client();
    }

    /**
     * The classpath resource that runs a whole ActorSystem on the ring event loops: Pekko's default
     * dispatcher becomes the loops ({@code loops = per-processor}) and the default rings run on them, so every
     * actor spawned the plain way, and every stream island, talks to its own loop's ring without crossing
     * threads. In {@code application.conf}: {@code include classpath("io-uring-actor/system-on-loops.conf")}.
     */
    public static final String SYSTEM_ON_LOOPS = "io-uring-actor/system-on-loops.conf";

    /**
     * {@code config} with the settings of {@link #SYSTEM_ON_LOOPS} over it, resolved: pass it to
     * {@code ActorSystem.create} to run the whole system on the ring event loops, e.g.
     * {@code ActorSystem.create(guardian, "app", RingExtension.systemOnLoops(ConfigFactory.load()))}.
     *
     * @param config the application's config, such as {@code ConfigFactory.load()}
     * @return the config to create the system with
     */
    public static com.typesafe.config.Config systemOnLoops(com.typesafe.config.Config config) {
        return com.typesafe.config.ConfigFactory.parseResources(RingExtension.class.getClassLoader(), SYSTEM_ON_LOOPS)
                .withFallback(config).resolve();
    }

    /** The extension's id; use {@link #get}. */
    public static final class Id extends ExtensionId<RingExtension> {
        @Override
        public RingExtension createExtension(ActorSystem<?> system) {
            return new RingExtension(system);
        }
    }
}
