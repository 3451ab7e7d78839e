package io.uringactor.actor;

import com.typesafe.config.Config;

import io.uringactor.actor.internal.GroupLoopDispatcher;

import org.apache.pekko.dispatch.DispatcherPrerequisites;
import org.apache.pekko.dispatch.MessageDispatcher;
import org.apache.pekko.dispatch.MessageDispatcherConfigurator;

import java.util.concurrent.TimeUnit;

import scala.concurrent.duration.Duration;
import scala.concurrent.duration.FiniteDuration;

/**
 * A dispatcher type made of several ring event loops, the loops of a {@link RingGroup}: each loop is a thread
 * of its own that drives one ring of the group ({@link RingEventLoopConfigurator}). Every actor (and every
 * stream island) spawned with the dispatcher goes to the loop that has the fewest actors then, so the actors
 * spread over the group's loops and each stays on one loop: its requests through the group's
 * {@link RingClient} go to that loop's own ring and never cross threads.
 *
 * <p>Named by class as a dispatcher's {@code type}; {@code loops} sets the number of loops (and so of rings):
 * a number, {@code per-processor} (one per available processor) or {@code auto} ({@link #autoLoops()}).
 * Every other setting is the loop dispatcher's. The system's own group runs on
 * {@code io-uring-actor.loop-dispatcher} ({@link RingActor#LOOP_DISPATCHER}).
 */
public final class RingGroupDispatcherConfigurator extends MessageDispatcherConfigurator {
    private final int loops;
    /** The loops' dispatchers; made on first use, since Pekko may make a configurator it then drops. */
    private volatile GroupLoopDispatcher[] dispatchers;

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
     * The loop with the fewest actors, counting those placed there but not attached yet (the first of those,
     * on a tie): where the actor looking the dispatcher up will run. Counting actors rather than taking turns
     * per lookup keeps the loops balanced when actors stop, and whatever the number of islands of the streams
     * materialized (taking turns, every stream of two islands put its file stage on the same one of two loops).
     */
    @Override
    public MessageDispatcher dispatcher() {
        final GroupLoopDispatcher[] all = loops();
        GroupLoopDispatcher fewest = all[0];
        long least = fewest.load();
        for (int i = 1; i < all.length; i++) {
            final long load = all[i].load();
            if (load < least) {
                fewest = all[i];
                least = load;
            }
        }
        fewest.placed();
        return fewest;
    }

    /** The number of loops. */
    int size() {
        return loops;
    }

    /** The dispatcher of loop {@code i}. */
    MessageDispatcher loop(int i) {
        return loops()[i];
    }

    /** The dispatcher id of loop {@code i}, as {@link RingGroup} registers it. */
    String loopId(int i) {
        return config().getString("id") + "-loop-" + i;
    }

    private GroupLoopDispatcher[] loops() {
        GroupLoopDispatcher[] all = dispatchers;
        if (all == null) {
            synchronized (this) {
                all = dispatchers;
                if (all == null) {
                    all = new GroupLoopDispatcher[loops];
                    final Config c = config();
                    final FiniteDuration shutdownTimeout = Duration.create(
                            c.getDuration("shutdown-timeout", TimeUnit.MILLISECONDS), TimeUnit.MILLISECONDS);
                    final Duration deadline = Duration.create(
                            c.getDuration("throughput-deadline-time", TimeUnit.NANOSECONDS), TimeUnit.NANOSECONDS);
                    for (int i = 0; i < loops; i++) {
                        // Each loop's executor is a RingEventLoopConfigurator's (the "executor" setting), one thread.
                        all[i] = new GroupLoopDispatcher(this, loopId(i), c.getInt("throughput"), deadline,
                                configureExecutor(), shutdownTimeout);
                    }
                    dispatchers = all;
                }
            }
        }
        return all;
    }
}
