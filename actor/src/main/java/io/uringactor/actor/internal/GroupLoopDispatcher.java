package io.uringactor.actor.internal;

import org.apache.pekko.actor.ActorCell;
import org.apache.pekko.annotation.InternalApi;
import org.apache.pekko.dispatch.Dispatcher;
import org.apache.pekko.dispatch.ExecutorServiceFactoryProvider;
import org.apache.pekko.dispatch.MessageDispatcherConfigurator;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import scala.concurrent.duration.Duration;
import scala.concurrent.duration.FiniteDuration;

/**
 * The dispatcher of one loop of a ring group: Pekko's {@link Dispatcher} on a ring event loop, which also
 * knows how loaded it is for placing the next actor. Pekko attaches a new actor to its dispatcher
 * asynchronously, some time after it chose the dispatcher, so the attached count ({@code inhabitants}) alone
 * would put a burst of new actors all on the same loop: the load also counts the actors placed here whose
 * attach has not come yet.
 */
@InternalApi
public final class GroupLoopDispatcher extends Dispatcher {
    /** After this long without a placement, none is still waiting to attach (a lookup need not attach at all). */
    private static final long PENDING_FOR_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final AtomicInteger pending = new AtomicInteger();
    private volatile long lastPlacedNanos;

    /** As Pekko's {@link Dispatcher}; see there. */
    public GroupLoopDispatcher(MessageDispatcherConfigurator configurator, String id, int throughput,
                               Duration throughputDeadlineTime, ExecutorServiceFactoryProvider executor,
                               FiniteDuration shutdownTimeout) {
        super(configurator, id, throughput, throughputDeadlineTime, executor, shutdownTimeout);
    }

    /** This loop was chosen for an actor, which Pekko attaches shortly. */
    public void placed() {
        lastPlacedNanos = System.nanoTime();
        pending.incrementAndGet();
    }

    /** The actors attached here, and those placed here lately whose attach has not come yet. */
    public long load() {
        if (System.nanoTime() - lastPlacedNanos > PENDING_FOR_NANOS) {
            pending.set(0);
        }
        return inhabitants() + pending.get();
    }

    /**
     * An actor attaches. One spawned on this loop's own id (its ring actor, a stream pinned to the loop) was
     * never placed, so it leaves the placed-but-not-attached count alone.
     */
    @Override
    public void register(ActorCell actor) {
        super.register(actor);
        if (!id().equals(actor.props().dispatcher())) {
            pending.updateAndGet(p -> p > 0 ? p - 1 : 0);
        }
    }
}
