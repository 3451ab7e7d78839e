package io.uringactor.actor;

import com.typesafe.config.Config;

import org.apache.pekko.dispatch.DispatcherConfigurator;
import org.apache.pekko.dispatch.DispatcherPrerequisites;
import org.apache.pekko.dispatch.MessageDispatcher;
import org.apache.pekko.dispatch.MessageDispatcherConfigurator;

/**
 * A dispatcher type that gives every actor spawned with it a ring event loop of its own, as Pekko's
 * {@code PinnedDispatcher} gives every actor a thread of its own: each lookup makes a new dispatcher on a
 * new loop ({@link RingEventLoopConfigurator}). It is what ring actors run on by default
 * ({@code io-uring-actor.ring-loop-dispatcher}), so that every ring has the loop to itself however many
 * rings a system spawns. Actors cannot join such a loop; to run actors on a ring's loop, spawn the ring on
 * a shared loop dispatcher instead (the {@link RingExtension}'s ring runs on {@link RingActor#LOOP_DISPATCHER}).
 *
 * <p>Named by class as a dispatcher's {@code type}; every other setting is the loop dispatcher's.
 */
public final class OwnLoopDispatcherConfigurator extends MessageDispatcherConfigurator {
    /**
     * Called by Pekko, reflectively, with the dispatcher's configuration.
     *
     * @param config        the dispatcher's configuration block
     * @param prerequisites Pekko's dispatcher prerequisites
     */
    public OwnLoopDispatcherConfigurator(Config config, DispatcherPrerequisites prerequisites) {
        super(config, prerequisites);
    }

    /** A new dispatcher, on a new loop, for every actor that looks this dispatcher up. */
    @Override
    public MessageDispatcher dispatcher() {
        return new DispatcherConfigurator(config(), prerequisites()).dispatcher();
    }
}
