package io.uringactor.actor.internal;

import org.apache.pekko.annotation.InternalApi;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * The ring event loops of one ring group, scheduled as one pool: the executor of the group's dispatcher, on
 * which actors are not placed once but run wherever they are woken.
 * <ul>
 *   <li><b>Affinity to the waker.</b> A task (an actor's mailbox, mostly) scheduled from one of the loops runs
 *       on that loop: a message from an actor to another, or a ring's reply to its caller, wakes nobody, and
 *       a ping and its pong end up on one thread, as on Pekko's fork-join pool. The actor's next file IO then
 *       goes to the ring of the loop it runs on ({@link GroupRouter}), so the request never crosses threads.</li>
 *   <li><b>Spreading.</b> A task from any other thread (remoting, timers, the application's own threads) goes to
 *       the loops in turn.</li>
 *   <li><b>Stealing.</b> A loop with nothing left to run takes a task from a loop whose shared queue holds a
 *       backlog before it sleeps, and a loop that builds a backlog while another sleeps wakes that one to do so
 *       ({@link RingEventLoop#STEAL_BACKLOG}). A single task waiting behind a running one is left where it is,
 *       since moving it would split every ping-pong pair across threads, unless that loop has run nothing
 *       between two looks: one long task holds it. While a task waits elsewhere an idle loop looks again every
 *       {@link RingEventLoop#STUCK_NANOS}; an idle pool sleeps without a timeout.</li>
 * </ul>
 * Tasks pinned to one loop (its ring actor, what is spawned on the loop's own dispatcher) never move.
 *
 * <p>The loops live while any of the pool's executors does: the shared one ({@link #sharedExecutor()}) and
 * one per loop ({@link #pinnedExecutor(int)}), each handed to a Pekko dispatcher, which shuts its executor down
 * when it has had no actor for a while and asks for a new one when it gets one again. When the last is shut
 * down the loops end, and the next executor asked for starts new ones.
 */
@InternalApi
public final class LoopPool {
    private final IntFunction<RingEventLoop> newLoop;
    private final int size;
    /** The running loops, or {@code null} between generations; guarded by {@code this}. */
    private Scheduling loops;
    /** The executors handed out and not shut down yet; guarded by {@code this}. */
    private int users;

    /**
     * @param size    the number of loops
     * @param newLoop makes (and starts) loop {@code i}
     */
    public LoopPool(int size, IntFunction<RingEventLoop> newLoop) {
        if (size < 1) {
            throw new IllegalArgumentException("a loop pool has at least one loop, got " + size);
        }
        this.size = size;
        this.newLoop = newLoop;
    }

    /** The executor of the pool's shared dispatcher: affinity, spreading and stealing (see the class comment). */
    public ExecutorService sharedExecutor() {
        return new SharedExecutor(acquire());
    }

    /** The executor of loop {@code i}'s own dispatcher: its tasks run on that loop and never move. */
    public ExecutorService pinnedExecutor(int i) {
        final Scheduling generation = acquire();
        return new PinnedExecutor(generation, generation.loops[i]);
    }

    private synchronized Scheduling acquire() {
        if (loops == null) {
            final RingEventLoop[] started = new RingEventLoop[size];
            final Scheduling scheduling = new Scheduling(started);
            for (int i = 0; i < size; i++) {
                started[i] = newLoop.apply(i);
            }
            // Each loop runs already, so it learns of the others only once all exist.
            for (int i = 0; i < size; i++) {
                started[i].joinPool(scheduling, i);
            }
            loops = scheduling;
        }
        users++;
        return loops;
    }

    private synchronized void release(Scheduling generation) {
        if (generation != loops || --users > 0) {
            return;
        }
        for (RingEventLoop loop : generation.loops) {
            loop.shutdown();
        }
        loops = null;
    }

    /**
     * What the loops of one generation share for scheduling: each other, and how many of them sleep. Read on
     * every task a loop schedules for itself (the count), so it is a plain field of its own.
     */
    static final class Scheduling {
        final RingEventLoop[] loops;
        /** The loops about to sleep or sleeping; see {@link RingEventLoop#sleep()}. */
        final AtomicInteger sleepers = new AtomicInteger();
        /** Where the next task from outside the loops goes; racy on purpose (a lost update only skews a turn). */
        private int next;

        Scheduling(RingEventLoop[] loops) {
            this.loops = loops;
        }

        /** The loop that a task from a thread outside the pool goes to: the loops in turn. */
        RingEventLoop nextForOutsider() {
            final int n = loops.length;
            int i = next + 1;
            if (i >= n) {
                i = 0;
            }
            next = i;
            return loops[i];
        }

        /** Wakes one sleeping loop other than {@code busy}, to steal from it; nothing if none sleeps. */
        void wakeOneSleeper(RingEventLoop busy) {
            for (RingEventLoop loop : loops) {
                if (loop != busy && loop.wakeIfSleeping()) {
                    return;
                }
            }
        }

        /**
         * A task for {@code thief} from another loop's shared queue ({@link RingEventLoop#stealable}), or
         * {@code null} when none may be taken.
         */
        Runnable steal(RingEventLoop thief) {
            final int n = loops.length;
            final int from = thief.poolIndex();
            for (int k = 1; k < n; k++) {
                final RingEventLoop victim = loops[(from + k) % n];
                final Runnable task = victim.stealable(thief);
                if (task != null) {
                    return task;
                }
            }
            return null;
        }

        /** Whether a task waits in the shared queue of a loop other than {@code thief}: volatile reads only. */
        boolean waitingElsewhere(RingEventLoop thief) {
            for (RingEventLoop loop : loops) {
                if (loop != thief && loop.hasWaiting()) {
                    return true;
                }
            }
            return false;
        }

        /** Whether another loop than {@code thief} has a backlog to steal from: volatile reads only. */
        boolean backlogElsewhere(RingEventLoop thief) {
            for (RingEventLoop loop : loops) {
                if (loop != thief && loop.hasBacklog()) {
                    return true;
                }
            }
            return false;
        }
    }

    /** An executor handed to a Pekko dispatcher: shutting it down releases the pool, once. */
    private abstract class PoolExecutor extends AbstractExecutorService {
        final Scheduling generation;
        private volatile boolean shutdown;

        PoolExecutor(Scheduling generation) {
            this.generation = generation;
        }

        @Override
        public final void shutdown() {
            synchronized (this) {
                if (shutdown) {
                    return;
                }
                shutdown = true;
            }
            release(generation);
        }

        @Override
        public final List<Runnable> shutdownNow() {
            shutdown();
            return List.of(); // queued tasks still run: they are mailboxes that must see their messages out
        }

        @Override
        public final boolean isShutdown() {
            return shutdown;
        }

        @Override
        public final boolean isTerminated() {
            if (!shutdown) {
                return false;
            }
            for (RingEventLoop loop : generation.loops) {
                if (!loop.isTerminated()) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public final boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
            final long deadline = System.nanoTime() + unit.toNanos(timeout);
            for (RingEventLoop loop : generation.loops) {
                if (!loop.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                    return false;
                }
            }
            return true;
        }

        final void rejectIfShutDown() {
            if (shutdown) {
                throw new RejectedExecutionException("the ring event loops' dispatcher executor is shut down");
            }
        }
    }

    private final class SharedExecutor extends PoolExecutor {
        SharedExecutor(Scheduling generation) {
            super(generation);
        }

        @Override
        public void execute(Runnable task) {
            final RingEventLoop current = RingEventLoop.current();
            if (current != null && current.scheduling() == generation) {
                current.executeHere(task);
                return;
            }
            rejectIfShutDown();
            generation.nextForOutsider().executeFromOutside(task);
        }
    }

    private final class PinnedExecutor extends PoolExecutor {
        private final RingEventLoop loop;

        PinnedExecutor(Scheduling generation, RingEventLoop loop) {
            super(generation);
            this.loop = loop;
        }

        @Override
        public void execute(Runnable task) {
            loop.execute(task);
        }
    }
}
