package io.uringactor.actor.internal;

import org.apache.pekko.annotation.InternalApi;
import org.apache.pekko.dispatch.Mailbox;
import org.jctools.queues.atomic.MpmcAtomicArrayQueue;
import org.jctools.queues.atomic.MpscUnboundedAtomicArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A single-threaded executor whose thread is a ring event loop: it runs tasks (Pekko mailboxes) like any
 * dispatcher thread and, between batches of tasks, drives the ring of the ring actor that runs on it
 * ({@link LoopIo}). With nothing to run it sleeps in that ring's {@code io_uring_enter(GETEVENTS)}, so a
 * completion wakes it as well as a task from another thread does (through an eventfd whose read the ring
 * keeps queued); without a ring it parks.
 *
 * <p>Tasks submitted on the loop's own thread for the loop itself (its ring actor, what is pinned to it) go
 * to a plain deque: no atomic, no wake-up, no syscall. Tasks from other threads go to a many-to-one queue, and
 * the sender wakes the loop only when it sleeps and nobody has woken it yet: one eventfd write (or one
 * unpark) per sleep, however many senders. A loop of a {@link LoopPool} has a third queue, shared with the
 * pool's other loops, for the tasks of the pool's dispatcher: they run here unless an idle loop takes them
 * ({@link #stealable}), and this loop takes theirs before it sleeps.
 *
 * <p>The sleep protocol: the loop publishes {@code SLEEPING}, then looks at its queues once more, then
 * sleeps; a sender enqueues, then reads the state. Both are volatile (sequentially consistent), so either
 * the loop sees the task or the sender sees {@code SLEEPING} and wakes it: no wake-up is lost.
 *
 * <p>Fairness: at most {@link #TASKS_PER_TURN} tasks run between two polls of the ring, so a flood of
 * co-located actors cannot keep completions waiting; a task that holds the thread longer than the
 * configured threshold (blocking code on a loop is the user's mistake) is logged, at most once a second.
 */
@InternalApi
public final class RingEventLoop extends AbstractExecutorService {
    /** Tasks run between two polls of the ring, and tasks moved from the remote queue per turn. */
    static final int TASKS_PER_TURN = 64;
    /**
     * The tasks that must wait in a loop's shared queue before another loop of its pool takes one: 2, so that
     * the one task due next behind the running one (a ping-pong pair's other half) stays, and a queue that
     * grows beyond that is shared with a loop that would otherwise sleep.
     */
    static final int STEAL_BACKLOG = 2;
    /**
     * How long an idle loop of a pool sleeps at most while another loop has a task waiting: if that loop has
     * run no task meanwhile (it is held by a long one), the task is taken ({@link #stealable}).
     */
    static final long STUCK_NANOS = TimeUnit.MICROSECONDS.toNanos(250);
    /** The tasks a loop's shared queue holds; more go to its own queues, where they still run, unshared. */
    private static final int SHARED_CAPACITY = 4096;
    private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How long after its start a loop does not warn of blocked tasks. */
    static final long WARM_UP_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final Logger LOG = LoggerFactory.getLogger(RingEventLoop.class);
    private static final ThreadLocal<RingEventLoop> CURRENT = new ThreadLocal<>();

    private static final int AWAKE = 0;
    private static final int SLEEPING = 1;
    private static final int WOKEN = 2;
    private static final VarHandle STATE;
    private static final VarHandle TASKS_RUN;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(RingEventLoop.class, "state", int.class);
            TASKS_RUN = MethodHandles.lookup().findVarHandle(RingEventLoop.class, "tasksRun", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final Thread thread;
    private final long blockedTaskNanos;
    /** How long the loop spins for new work after a busy turn before it sleeps; 0 sleeps at once. */
    private final long spinNanos;
    /** Tasks from the loop's own thread; touched by that thread only. */
    private final ArrayDeque<Runnable> local = new ArrayDeque<>();
    /** Tasks from other threads: JCTools' lock-free many-to-one queue, in chunks (no node per task). */
    private final MpscUnboundedAtomicArrayQueue<Runnable> remote = new MpscUnboundedAtomicArrayQueue<>(256);
    /**
     * Tasks of the pool's shared dispatcher scheduled on this loop (by its own thread, or by an outsider):
     * many-to-many, since the pool's other loops steal from it ({@link LoopPool}). Empty without a pool.
     */
    private final MpmcAtomicArrayQueue<Runnable> shared = new MpmcAtomicArrayQueue<>(SHARED_CAPACITY);
    /** The pool this loop belongs to, or {@code null}; written once, early, by the pool ({@link #joinPool}). */
    private volatile LoopPool.Scheduling scheduling;
    /** This loop's number in its pool; written before {@link #scheduling}. */
    private int poolIndex;
    /**
     * The tasks this loop has run: written by its thread (opaque: a plain store), read by the pool's other loops
     * to tell a loop held by one long task from a busy one.
     */
    @SuppressWarnings("unused")
    private long tasksRun;
    /** For each loop of the pool, its {@link #tasksRun} when this loop last looked; loop thread only. */
    private long[] seenTasksRun;
    private final CountDownLatch terminated = new CountDownLatch(1);
    /** {@link #AWAKE}, {@link #SLEEPING} or {@link #WOKEN}; see the class comment. */
    @SuppressWarnings("unused")
    private volatile int state;
    /**
     * The ring the loop drives; written by the loop thread only, read by senders after {@link #state}. Volatile
     * only so that a sender never sees a half-made driver; a stale value costs a spurious wake-up at most.
     */
    private volatile LoopIo io;
    private volatile boolean shutdown;
    /**
     * Senders on other threads between their look at {@link #shutdown} and their task's offer. A loop that shuts
     * down ends only when none is, and its queues are empty after that: so a task is either refused (the sender
     * saw the shutdown) or run, never left in a queue nobody reads.
     */
    private final AtomicInteger entering = new AtomicInteger();
    /** The group of the ring this loop drives, and its number there; loop thread only. */
    private SharedFiles group;
    private int groupRing;
    private long lastWarningNanos;
    /** No blocked-task warning before this {@link System#nanoTime()}: see the constructor. */
    private final long warnFromNanos;
    /** Whether the loop has spun since it last ran a task; see {@link #spinForWork}. */
    private boolean spunSinceWork;

    /**
     * A loop and its started thread.
     *
     * @param name             names the loop in logs
     * @param threadFactory    makes the loop's thread (Pekko's, for the dispatcher's thread names)
     * @param blockedTaskNanos a task running longer than this is logged; 0 never logs
     * @param spinNanos        after a turn that ran tasks, how long to look for new work before sleeping (a
     *                         sleeping loop costs its wakers a thread wake-up); 0 never spins
     */
    public RingEventLoop(String name, ThreadFactory threadFactory, long blockedTaskNanos, long spinNanos) {
        this(name, threadFactory, blockedTaskNanos, spinNanos, WARM_UP_NANOS);
    }

    /**
     * A loop that warns of blocked tasks only once {@code warmUpNanos} have passed since it started: its first
     * turns in a cold JVM (a ring actor's start, loading its classes, opening its ring) take 100-160 ms
     * measured here without any blocking code, and a warning then would be a false alarm.
     */
    RingEventLoop(String name, ThreadFactory threadFactory, long blockedTaskNanos, long spinNanos, long warmUpNanos) {
        this.warnFromNanos = System.nanoTime() + warmUpNanos;
        this.name = name;
        this.blockedTaskNanos = blockedTaskNanos;
        this.spinNanos = spinNanos;
        this.thread = threadFactory.newThread(this::run);
        thread.start();
    }

    /** The loop whose thread calls this, or {@code null} on any other thread. */
    static RingEventLoop current() {
        return CURRENT.get();
    }

    /**
     * Makes this loop number {@code index} of a pool; once, by the pool, before it hands out any executor.
     */
    void joinPool(LoopPool.Scheduling pool, int index) {
        this.poolIndex = index;
        this.seenTasksRun = new long[pool.loops.length];
        this.scheduling = pool;
    }

    /** This loop's number in its pool. */
    int poolIndex() {
        return poolIndex;
    }

    /** The pool this loop belongs to, or {@code null}. */
    LoopPool.Scheduling scheduling() {
        return scheduling;
    }

    /**
     * A task of the pool's shared dispatcher scheduled by this loop's own thread: it runs here (affinity to
     * the waker) unless another loop steals it. A backlog while another loop sleeps wakes that loop to steal.
     */
    void executeHere(Runnable task) {
        assert Thread.currentThread() == thread;
        if (!shared.offer(task)) {
            local.addLast(task);
            return;
        }
        final LoopPool.Scheduling pool = scheduling;
        if (pool.sleepers.get() > 0 && shared.size() >= STEAL_BACKLOG) {
            pool.wakeOneSleeper(this);
        }
    }

    /** A task of the pool's shared dispatcher from a thread outside the pool, which chose this loop for it. */
    void executeFromOutside(Runnable task) {
        enter();
        try {
            if (!shared.offer(task)) {
                remote.offer(task);
            }
        } finally {
            entering.decrementAndGet();
        }
        if (!wakeIfSleeping()) {
            final LoopPool.Scheduling pool = scheduling;
            if (pool.sleepers.get() > 0 && shared.size() >= STEAL_BACKLOG) {
                pool.wakeOneSleeper(this); // this loop is busy: another takes the backlog
            }
        }
    }

    /**
     * One task of this loop's shared queue for {@code thief}, or {@code null}: taken when the queue holds a
     * backlog, or when a task waits and this loop has run no task since the thief last looked (it is held by
     * one long task). Thief's thread only.
     */
    Runnable stealable(RingEventLoop thief) {
        final int waiting = shared.size();
        if (waiting == 0) {
            return null;
        }
        if (waiting >= STEAL_BACKLOG) {
            return shared.poll();
        }
        final long ran = (long) TASKS_RUN.getOpaque(this);
        final long seen = thief.seenTasksRun[poolIndex];
        thief.seenTasksRun[poolIndex] = ran;
        return ran == seen ? shared.poll() : null;
    }

    /** Whether a task waits in this loop's shared queue. */
    boolean hasWaiting() {
        return !shared.isEmpty();
    }

    /** Whether this loop's shared queue holds a backlog that another loop may take. */
    boolean hasBacklog() {
        return shared.size() >= STEAL_BACKLOG;
    }

    /** Whether the calling thread is a ring event loop's. */
    public static boolean onLoopThread() {
        return CURRENT.get() != null;
    }

    /**
     * Makes {@code ringIo} the ring this loop drives and sleeps in; loop thread only. Returns {@code false}
     * if the loop drives another ring already (one ring per loop).
     */
    boolean attach(LoopIo ringIo) {
        assert Thread.currentThread() == thread;
        if (io != null) {
            return false;
        }
        io = ringIo;
        return true;
    }

    /**
     * Names the ring group and the ring number of the ring this loop drives, so that a group's client on
     * this thread sends to it; loop thread only.
     */
    void memberOf(SharedFiles group, int ring) {
        assert Thread.currentThread() == thread;
        this.group = group;
        this.groupRing = ring;
    }

    /**
     * The number, in {@code group}, of the ring that the calling thread's loop drives, or -1 when the caller
     * is not on a loop of that group. A thread-local read.
     */
    public static int ringOfThisThread(SharedFiles group) {
        final RingEventLoop loop = CURRENT.get();
        return loop != null && loop.group == group && loop.io != null ? loop.groupRing : -1;
    }

    /** Whether the loop drives a ring; loop thread only. */
    boolean isDriving() {
        return io != null;
    }

    /** The ring stops being driven by this loop; loop thread only. */
    void detach(LoopIo ringIo) {
        assert Thread.currentThread() == thread;
        if (io == ringIo) {
            io = null;
            group = null;
        }
    }

    @Override
    public void execute(Runnable task) {
        if (Thread.currentThread() == thread) {
            local.addLast(task);
            return;
        }
        enter();
        try {
            remote.offer(task);
        } finally {
            entering.decrementAndGet();
        }
        wakeIfSleeping();
    }

    /** A sender on another thread is about to offer a task: refused if the loop is shut down ({@link #entering}). */
    private void enter() {
        entering.incrementAndGet();
        if (shutdown) {
            entering.decrementAndGet();
            throw new RejectedExecutionException("the ring event loop " + name + " is shut down");
        }
    }

    /** Ends the loop's sleep if it sleeps and nobody has ended it yet; whether this call ended it. */
    boolean wakeIfSleeping() {
        if ((int) STATE.getVolatile(this) == SLEEPING && STATE.compareAndSet(this, SLEEPING, WOKEN)) {
            // The loop sleeps in the ring if it drives one, else it parks: wake it the way it sleeps. A loop that
            // woke meanwhile for another reason gets a spurious wake-up at worst.
            final LoopIo ringIo = io;
            if (ringIo != null) {
                ringIo.wakeUp();
            } else {
                LockSupport.unpark(thread);
            }
            return true;
        }
        return false;
    }

    /** Whether a task waits in any of the loop's queues; loop thread only. */
    private boolean tasksQueued() {
        return !local.isEmpty() || !remote.isEmpty() || !shared.isEmpty();
    }

    private void run() {
        CURRENT.set(this);
        try {
            while (true) {
                final int ran = runTasks();
                final LoopIo ringIo = io;
                if (tasksQueued()) {
                    // More to run: submit this batch and answer what completed before the next one, so that a
                    // flood of tasks cannot keep completions waiting.
                    if (ringIo != null) {
                        ringIo.poll();
                    }
                    spunSinceWork = false;
                    continue;
                }
                if (ran > 0) {
                    spunSinceWork = false;
                }
                if (shutdown) {
                    if (ringIo != null) {
                        ringIo.poll();
                    }
                    // A sender that saw no shutdown yet may still be offering: end only once none is and,
                    // after that, nothing is queued (see entering).
                    if (!tasksQueued() && entering.get() == 0 && !tasksQueued()) {
                        final LoopIo last = io;
                        if (last != null) {
                            last.loopEnding(); // a stop still finishing (its ops in the kernel): finish it here
                        }
                        return;
                    }
                    continue;
                }
                // Nothing queued here: take work from a loop of the pool that has more than it can run.
                final LoopPool.Scheduling pool = scheduling;
                if (pool != null) {
                    final Runnable stolen = pool.steal(this);
                    if (stolen != null) {
                        local.addLast(stolen);
                        continue;
                    }
                }
                // Nothing queued. What the batch prepared goes in with the sleep's own io_uring_enter, one
                // syscall for both; a completion already there, or one a spin catches, is answered without any.
                if (ringIo == null || !ringIo.submissionsPending()) {
                    if (ringIo != null && ringIo.completionsWaiting()) {
                        ringIo.poll();
                        continue;
                    }
                    if (!spunSinceWork && spinNanos > 0) {
                        spunSinceWork = true;
                        if (spinForWork(ringIo)) {
                            if (ringIo != null) {
                                ringIo.poll();
                            }
                            continue;
                        }
                    }
                }
                sleep();
                if (ringIo != null) {
                    ringIo.poll(); // what ended the sleep (completions inside it, for cached reads)
                }
            }
        } finally {
            terminated.countDown();
        }
    }

    /**
     * Runs up to {@link #TASKS_PER_TURN} of the loop's own tasks (its own thread's first, then those from other
     * threads), then up to as many of its shared queue's.
     */
    private int runTasks() {
        Runnable task;
        for (int moved = 0; moved < TASKS_PER_TURN && (task = remote.poll()) != null; moved++) {
            local.addLast(task);
        }
        long before = blockedTaskNanos > 0 ? System.nanoTime() : 0;
        int ran = 0;
        while (ran < TASKS_PER_TURN && (task = local.pollFirst()) != null) {
            before = runOne(task, before);
            ran++;
        }
        for (int fromShared = 0; fromShared < TASKS_PER_TURN && (task = shared.poll()) != null; fromShared++) {
            before = runOne(task, before);
            ran++;
        }
        return ran;
    }

    /** Runs one task; returns the time it ended when blocked tasks are timed. */
    private long runOne(Runnable task, long before) {
        TASKS_RUN.setOpaque(this, tasksRun + 1);
        try {
            task.run();
        } catch (Throwable t) {
            // Pekko's mailboxes catch their actors' failures; anything else must not end the loop.
            LOG.error("A task on the ring event loop {} failed", name, t);
        }
        if (blockedTaskNanos > 0) {
            final long after = System.nanoTime();
            if (after - before > blockedTaskNanos) {
                warnBlocked(task, after - before, after);
            }
            return after;
        }
        return 0;
    }

    private void warnBlocked(Runnable task, long nanos, long now) {
        if (now - warnFromNanos < 0 || (now - lastWarningNanos < WARN_INTERVAL_NANOS && lastWarningNanos != 0)) {
            return;
        }
        lastWarningNanos = now;
        final Object who = task instanceof Mailbox && ((Mailbox) task).actor() != null
                ? ((Mailbox) task).actor().self().path() : task;
        LOG.warn("{} held the ring event loop {} for {} ms: every actor, stream and ring op on that loop waited"
                + " meanwhile. Do not block on a ring event loop: run blocking code on another dispatcher.",
                who, name, TimeUnit.NANOSECONDS.toMillis(nanos));
    }

    /**
     * Spins up to {@link #spinNanos} for a task from another thread or a completion; whether one came. Once per
     * idle period only (after a turn that ran tasks), so an idle loop never spins.
     */
    private boolean spinForWork(LoopIo ringIo) {
        final long deadline = System.nanoTime() + spinNanos;
        do {
            if (!remote.isEmpty() || !shared.isEmpty() || (ringIo != null && ringIo.completionsWaiting())) {
                return true;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() < deadline);
        return false;
    }

    private void sleep() {
        // The pool's count of sleepers goes up before the state, so that a loop that builds a backlog either sees
        // this loop sleeping (and wakes it) or has its backlog seen by the check below.
        final LoopPool.Scheduling pool = scheduling;
        if (pool != null) {
            pool.sleepers.incrementAndGet();
        }
        STATE.setVolatile(this, SLEEPING);
        try {
            if (!remote.isEmpty() || !shared.isEmpty() || shutdown || (pool != null && pool.backlogElsewhere(this))) {
                return;
            }
            // While another loop has a task waiting, sleep only so long that one held by a long task is not left
            // there: the next look takes it if that loop has run nothing meanwhile.
            final long timeout = pool != null && pool.waitingElsewhere(this) ? STUCK_NANOS : 0;
            final LoopIo ringIo = io;
            if (ringIo != null) {
                ringIo.await(timeout);
            } else if (timeout > 0) {
                LockSupport.parkNanos(this, timeout);
            } else {
                LockSupport.park(this);
            }
        } finally {
            STATE.setVolatile(this, AWAKE);
            if (pool != null) {
                pool.sleepers.decrementAndGet();
            }
        }
    }

    @Override
    public void shutdown() {
        shutdown = true;
        if (Thread.currentThread() != thread) {
            STATE.setVolatile(this, WOKEN);
            // wake it however it sleeps
            LockSupport.unpark(thread);
            final LoopIo ringIo = io;
            if (ringIo != null) {
                ringIo.wakeUp();
            }
        }
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown();
        return List.of(); // the queued tasks still run: they are mailboxes that must see their messages out
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return terminated.getCount() == 0;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return terminated.await(timeout, unit);
    }

    @Override
    public String toString() {
        return "RingEventLoop(" + name + ")";
    }
}
