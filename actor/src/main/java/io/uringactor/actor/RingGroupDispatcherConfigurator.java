package io.uringactor.actor;

import com.typesafe.config.Config;

import io.uringactor.actor.internal.LoopPool;
import io.uringactor.actor.internal.RingEventLoop;
import io.uringactor.actor.internal.SharedLoopsDispatcher;

import org.apache.pekko.dispatch.Dispatcher;
import org.apache.pekko.dispatch.DispatcherPrerequisites;
import org.apache.pekko.dispatch.ExecutorServiceConfigurator;
import org.apache.pekko.dispatch.ExecutorServiceFactory;
import org.apache.pekko.dispatch.ExecutorServiceFactoryProvider;
import org.apache.pekko.dispatch.MessageDispatcher;
import org.apache.pekko.dispatch.MessageDispatcherConfigurator;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import scala.concurrent.duration.Duration;
import scala.concurrent.duration.FiniteDuration;

/**
 * A dispatcher type made of several ring event loops, the loops of a {@link RingGroup}: each loop is a thread
 * of its own that drives one ring of the group ({@link RingEventLoopConfigurator}). The actors (and stream
 * islands) spawned with the dispatcher are not placed on a loop once: an actor woken from a loop (by a
 * message from an actor there, or by its ring's reply) runs on that loop, one woken from any other thread goes
 * to the loops in turn, and a loop with nothing to run takes waiting actors from a busy one before it sleeps.
 * So actors that talk to each other gather on one thread, as on Pekko's fork-join pool, idle loops help busy
 * ones, and an actor's requests through the group's {@link RingClient} go to the ring of the loop it runs on,
 * without crossing threads. Each loop's ring actor, and what is spawned on a loop's own dispatcher
 * ({@link RingGroup#loopDispatcher(int)}), stays on its loop.
 *
 * <p>Named by class as a dispatcher's {@code type}; {@code loops} sets the number of loops (and so of rings):
 * a number, {@code per-processor} (one per available processor) or {@code auto} ({@link #autoLoops()}).
 * Every other setting is the loop dispatcher's. The system's own group runs on
 * {@code io-uring-actor.loop-dispatcher} ({@link RingActor#LOOP_DISPATCHER}).
 */
public final class RingGroupDispatcherConfigurator extends MessageDispatcherConfigurator {
    private final int loops;
    /** The shared dispatcher and the loops' own; made on first use, since Pekko may make a configurator it then drops. */
    private volatile Dispatchers dispatchers;

    /** The group's shared dispatcher on its loops, and each loop's own. */
    private record Dispatchers(MessageDispatcher shared, MessageDispatcher[] pinned) {
    }

    /**
     * Called by Pekko, reflectively, with the dispatcher's configuration.
     *
     * @param config        the dispatcher's configuration block
     * @param prerequisites Pekko's dispatcher prerequisites
     */
    public RingGroupDispatcherConfigurator(Config config, DispatcherPrerequisites prerequisites) {
        super(config, prerequisites);
        this.loops = loopsOf(config);
    }

    /**
     * The number of loops {@code loops = auto} gives: half the available processors, at least 1 and at most 8.
     * A ring's loop keeps a core busy while its ring is busy (the page-cache copies of buffered IO run on it),
     * so one loop per processor would leave nothing for Pekko's default dispatcher, the GC and the kernel's
     * io-wq workers, which do the blocking part of buffered writes; and a single ring already drives a disk at
     * queue depth 32 with a fraction of a core. More loops pay off when the application's actors run on the
     * loops themselves and the data is mostly in the page cache: then choose {@code per-processor}.
     * Each ring holds up to its own {@code max-native-memory}, hence the cap.
     *
     * @return the number of loops for this machine
     */
    public static int autoLoops() {
        return Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors() / 2));
    }

    /** The {@code loops} setting: a number from 1 to 128, {@code per-processor} or {@code auto}. */
    static int loopsOf(Config config) {
        if (!config.hasPath("loops")) {
            return autoLoops();
        }
        final String value = config.getString("loops").trim();
        if (value.equalsIgnoreCase("auto")) {
            return autoLoops();
        }
        if (value.equalsIgnoreCase("per-processor")) {
            return Math.min(RingGroup.MAX_RINGS, Runtime.getRuntime().availableProcessors());
        }
        final int n;
        try {
            n = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("loops must be a number, per-processor or auto, got " + value);
        }
        if (n < 1 || n > RingGroup.MAX_RINGS) {
            throw new IllegalArgumentException("loops must be 1 to " + RingGroup.MAX_RINGS + ", got " + n);
        }
        return n;
    }

    /**
     * The group's shared dispatcher: every actor that looks this dispatcher up runs on the loops, wherever it
     * is woken (see the class comment).
     */
    @Override
    public MessageDispatcher dispatcher() {
        return all().shared();
    }

    /** The number of loops. */
    int size() {
        return loops;
    }

    /** The dispatcher of loop {@code i}: what runs on it stays on that loop. */
    MessageDispatcher loop(int i) {
        return all().pinned()[i];
    }

    /** The dispatcher id of loop {@code i}, as {@link RingGroup} registers it. */
    String loopId(int i) {
        return config().getString("id") + "-loop-" + i;
    }

    private Dispatchers all() {
        Dispatchers all = dispatchers;
        if (all == null) {
            synchronized (this) {
                all = dispatchers;
                if (all == null) {
                    all = newDispatchers();
                    dispatchers = all;
                }
            }
        }
        return all;
    }

    private Dispatchers newDispatchers() {
        final Config c = config();
        // Each loop is what the "executor" setting makes: a RingEventLoopConfigurator's one thread.
        final ExecutorServiceConfigurator loopFactory = configureExecutor();
        final ThreadFactory threads = prerequisites().threadFactory();
        final LoopPool pool = new LoopPool(loops, i -> (RingEventLoop) loopFactory
                .createExecutorServiceFactory(loopId(i), threads).createExecutorService());
        final FiniteDuration shutdownTimeout = Duration.create(
                c.getDuration("shutdown-timeout", TimeUnit.MILLISECONDS), TimeUnit.MILLISECONDS);
        final Duration deadline = Duration.create(
                c.getDuration("throughput-deadline-time", TimeUnit.NANOSECONDS), TimeUnit.NANOSECONDS);
        final int throughput = c.getInt("throughput");
        final MessageDispatcher shared = new SharedLoopsDispatcher(this, c.getString("id"), throughput, deadline,
                provider(pool::sharedExecutor), shutdownTimeout, loops);
        final MessageDispatcher[] pinned = new MessageDispatcher[loops];
        for (int i = 0; i < loops; i++) {
            final int loop = i;
            pinned[i] = new Dispatcher(this, loopId(i), throughput, deadline, provider(() -> pool.pinnedExecutor(loop)),
                    shutdownTimeout);
        }
        return new Dispatchers(shared, pinned);
    }

    /** Hands Pekko an executor of the pool, a new one each time the dispatcher comes back from a shutdown. */
    private static ExecutorServiceFactoryProvider provider(Supplier<ExecutorService> executor) {
        return new ExecutorServiceFactoryProvider() {
            @Override
            public ExecutorServiceFactory createExecutorServiceFactory(String ignoredId, ThreadFactory ignored) {
                return executor::get;
            }
        };
    }
}
