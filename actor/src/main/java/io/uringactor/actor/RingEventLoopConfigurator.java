package io.uringactor.actor;

import com.typesafe.config.Config;

import io.uringactor.actor.internal.RingEventLoop;

import org.apache.pekko.dispatch.DispatcherPrerequisites;
import org.apache.pekko.dispatch.ExecutorServiceConfigurator;
import org.apache.pekko.dispatch.ExecutorServiceFactory;
import org.apache.pekko.dispatch.MonitorableThreadFactory;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The executor of a ring event loop dispatcher: one thread that runs actors like any dispatcher thread
 * and drives the ring of the ring actor spawned on it, sleeping in that ring when it has nothing to run.
 * Actors and streams on the same dispatcher then talk to the ring without crossing threads: a request and
 * its reply stay on the loop, with no wake-up and no syscall beyond the batch's {@code io_uring_enter}.
 *
 * <p>Named by class in a dispatcher's configuration, as Pekko's {@code executor} setting allows; the
 * library's own loops are {@code io-uring-actor.loop-dispatcher} ({@link RingActor#LOOP_DISPATCHER}, a
 * {@link RingGroupDispatcherConfigurator} of such loops), which the {@link RingExtension}'s rings run on. A
 * loop drives one ring: give another ring actor a loop of its own (e.g.
 * {@code my-loop = ${io-uring-actor.loop-dispatcher} { loops = 1 }} in {@code application.conf}), or use a
 * {@link RingGroup}.
 *
 * <pre>
 * my-loop {
 *   type = Dispatcher
 *   executor = "io.uringactor.actor.RingEventLoopConfigurator"
 *   throughput = 16
 *   blocked-task-warning = 100 ms
 * }
 * </pre>
 *
 * {@code blocked-task-warning}: a task (one actor's turn) that holds the loop longer than this is logged
 * as a warning, at most once a second and not in the loop's first two seconds (a cold JVM's first turns load
 * classes and start the ring: 100-160 ms measured, with no blocking code); {@code off} never logs. Blocking on a loop thread stalls every
 * actor, stream and ring op of that loop. {@code spin-before-sleep} (0, at most 50 µs): after a turn that
 * ran tasks, how long the loop looks for new work before it sleeps, which spares callers on other threads
 * the loop's wake-up when they come back within it; an idle loop never spins.
 */
public final class RingEventLoopConfigurator extends ExecutorServiceConfigurator {
    private final long blockedTaskNanos;
    private final long spinNanos;

    /**
     * Called by Pekko, reflectively, with the dispatcher's configuration.
     *
     * @param config        the dispatcher's configuration block
     * @param prerequisites Pekko's dispatcher prerequisites
     */
    public RingEventLoopConfigurator(Config config, DispatcherPrerequisites prerequisites) {
        super(config, prerequisites);
        this.blockedTaskNanos = !config.hasPath("blocked-task-warning")
                || "off".equalsIgnoreCase(config.getString("blocked-task-warning"))
                ? 0 : config.getDuration("blocked-task-warning", TimeUnit.NANOSECONDS);
        this.spinNanos = config.hasPath("spin-before-sleep")
                ? Math.min(config.getDuration("spin-before-sleep", TimeUnit.NANOSECONDS), MAX_SPIN_NANOS) : 0;
    }

    /** The longest spin before sleeping the configuration may ask for. */
    private static final long MAX_SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

    @Override
    public ExecutorServiceFactory createExecutorServiceFactory(String id, ThreadFactory threadFactory) {
        // Name the thread after the dispatcher, as Pekko's own executors do: "system-io-uring-actor.loop-dispatcher-7".
        final ThreadFactory named = threadFactory instanceof MonitorableThreadFactory
                ? ((MonitorableThreadFactory) threadFactory).withName(((MonitorableThreadFactory) threadFactory).name() + "-" + id)
                : threadFactory;
        return () -> new RingEventLoop(id, named, blockedTaskNanos, spinNanos);
    }
}
