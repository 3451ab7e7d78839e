package io.uringactor.actor.internal;

import org.apache.pekko.annotation.InternalApi;
import org.apache.pekko.dispatch.Dispatcher;
import org.apache.pekko.dispatch.ExecutorServiceFactoryProvider;
import org.apache.pekko.dispatch.MessageDispatcherConfigurator;

import scala.concurrent.duration.Duration;
import scala.concurrent.duration.FiniteDuration;

/**
 * Pekko's {@link Dispatcher} on a {@link LoopPool}'s shared executor: what runs on it moves between the pool's
 * loops. Its own class so that a ring actor can tell it was spawned here, where it cannot stay on the loop
 * that drives its ring ({@link RingSetup#hostLoop}).
 */
@InternalApi
public final class SharedLoopsDispatcher extends Dispatcher {
    private final int loops;

    /**
     * As Pekko's {@link Dispatcher}; {@code loops} is the pool's number of loops.
     */
    public SharedLoopsDispatcher(MessageDispatcherConfigurator configurator, String id, int throughput,
                                 Duration throughputDeadlineTime, ExecutorServiceFactoryProvider executor,
                                 FiniteDuration shutdownTimeout, int loops) {
        super(configurator, id, throughput, throughputDeadlineTime, executor, shutdownTimeout);
        this.loops = loops;
    }

    /** The number of loops its actors run on. */
    public int loops() {
        return loops;
    }
}
