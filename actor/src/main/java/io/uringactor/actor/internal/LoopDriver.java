package io.uringactor.actor.internal;

import static io.uringactor.ring.IoUringConstants.IORING_FEAT_EXT_ARG;
import static io.uringactor.ring.IoUringConstants.IORING_SETUP_DEFER_TASKRUN;
import static io.uringactor.ring.IoUringConstants.IORING_SETUP_TASKRUN_FLAG;
import static io.uringactor.ring.IoUringConstants.IORING_SQ_TASKRUN;

import io.uringactor.ring.IoUring;
import io.uringactor.ring.SubmissionQueue;

import org.apache.pekko.actor.typed.ActorRef;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * How a ring actor's ring is driven: by the {@link RingEventLoop} the actor runs on, which is the ring's one
 * host (a ring actor starts only on a loop that drives no other ring). The loop, not the actor, submits
 * and waits. A request only writes its SQE; between batches of tasks the loop calls {@link #poll()}, which submits
 * everything the batch prepared with one {@code io_uring_enter} and answers what completed, on the same
 * thread as the callers that run on the loop. With nothing to run the loop sleeps in {@link #await()}: the
 * ring's own wait, with a read of an eventfd queued so that a task from another thread ends it.
 *
 * <p>With {@code DEFER_TASKRUN} the kernel posts completions only when this thread asks for events. With
 * {@code TASKRUN_FLAG} it also raises {@code IORING_SQ_TASKRUN} when such work waits, so a poll reads one
 * flag instead of entering the kernel; without the flag a poll with ops in flight enters every time.
 */
final class LoopDriver implements LoopIo {
    private final RingEventLoop loop;
    private final IoUring ring;
    private final SubmissionQueue sq;
    /** Signalled to end a sleep in the ring; its read stays queued while the loop sleeps. */
    private final WakeUpRead wakeUp;
    private final boolean deferredCompletions;
    private final boolean taskrunFlag;
    /** Whether io_uring_enter bounds a wait ({@code IORING_FEAT_EXT_ARG}). */
    private final boolean boundedWaits;
    private final SqeWriter sqes;
    private final Completer completer;
    private final Intake intake;
    private final OpTable ops;
    private final RingCounters counters;
    /** Tells the actor when a poll leaves it something to do (finish a stop, trim the pool). */
    private final Runnable afterPoll;
    private final ActorRef<Object> actor;
    private boolean stopped;
    /** A stop finishing from the loop's turns ({@link #drainThen}): what runs once it is drained, else null. */
    private Runnable whenDrained;
    private long drainDeadline;

    /**
     * Wakes a loop whose stop must finish at its deadline though nothing completes, or whose bounded sleep the
     * kernel cannot bound; its thread ends when idle.
     */
    private static final ScheduledThreadPoolExecutor DEADLINES = deadlines();

    LoopDriver(RingEventLoop loop, IoUring ring, WakeUpRead wakeUp, SqeWriter sqes, Completer completer, Intake intake,
               OpTable ops, RingCounters counters, Runnable afterPoll, ActorRef<Object> actor) {
        this.loop = loop;
        this.wakeUp = wakeUp;
        this.ring = ring;
        this.sq = ring.sq();
        this.sqes = sqes;
        this.completer = completer;
        this.intake = intake;
        this.ops = ops;
        this.counters = counters;
        this.afterPoll = afterPoll;
        this.actor = actor;
        this.deferredCompletions = (ring.setupFlags() & IORING_SETUP_DEFER_TASKRUN) != 0;
        this.taskrunFlag = (ring.setupFlags() & IORING_SETUP_TASKRUN_FLAG) != 0;
        this.boundedWaits = ring.hasFeature(IORING_FEAT_EXT_ARG);
    }

    /** Attaches to the loop, which must drive no other ring (one ring per loop). */
    void attach() {
        if (!loop.attach(this)) {
            throw new IllegalStateException("the ring event loop drives another ring already");
        }
    }

    // ---------------------------------------------------------------- called by the loop

    @Override
    public void poll() {
        if (stopped) {
            return; // stopped inside this turn (a drained stop released the ring)
        }
        try {
            submitAndReap();
            if (whenDrained == null) {
                afterPoll.run();
            } else if (ops.inFlight() == 0 || System.nanoTime() - drainDeadline >= 0) {
                finishDrain();
            }
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    @Override
    public boolean submissionsPending() {
        return sq.pending() > 0;
    }

    @Override
    public boolean completionsWaiting() {
        return ring.cq().ready() > 0 || (taskrunFlag && (sq.ringFlags() & IORING_SQ_TASKRUN) != 0);
    }

    @Override
    public void await() {
        await(0);
    }

    @Override
    public void await(long timeoutNanos) {
        try {
            final boolean armedNow = wakeUp.queue(sqes, sq);
            // Unbounded unless the loop asks: timers, system messages and stops reach the loop as tasks, which wake it.
            // A kernel without bounded waits (EXT_ARG, 5.11) gets a timer's wake-up instead.
            if (timeoutNanos > 0 && !boundedWaits) {
                DEADLINES.schedule(this::wakeUp, timeoutNanos, TimeUnit.NANOSECONDS);
            }
            final int submitted = timeoutNanos > 0 && boundedWaits ? ring.submitAndWait(1, timeoutNanos)
                    : ring.submitAndWait(1);
            counters.batch(WakeUpRead.requests(submitted, armedNow)); // the wake-up read is no request
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    @Override
    public void wakeUp() {
        wakeUp.signal();
    }

    @Override
    public void loopEnding() {
        if (whenDrained == null) {
            return;
        }
        try {
            while (ops.inFlight() > 0 && System.nanoTime() - drainDeadline < 0) {
                submitAndReap();
                if (ops.inFlight() > 0) {
                    Thread.sleep(1); // the loop's last moments: a short sleep while the kernel gives ops back
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // the ring failed while finishing its stop: what is left is answered by the finish below
        }
        finishDrain();
    }

    /**
     * Finishes a stop from the loop's turns, never waiting on the loop's thread: the loop keeps reaping the
     * cancelled ops between its other tasks (each answered as it completes) and runs {@code then} once none is
     * in flight or at {@code deadline} (System.nanoTime), when a timer wakes the loop if nothing else does. The
     * actor may be gone meanwhile: nothing here needs it.
     */
    void drainThen(long deadline, Runnable then) {
        this.whenDrained = then;
        this.drainDeadline = deadline;
        DEADLINES.schedule(this::wakeUp, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /** Whether a stop is finishing from the loop's turns. */
    boolean draining() {
        return whenDrained != null;
    }

    private void finishDrain() {
        final Runnable then = whenDrained;
        whenDrained = null;
        then.run();
    }

    // ---------------------------------------------------------------- called by the actor

    /**
     * Submits what is prepared, reaps what is complete and starts queued requests on the freed slots while
     * that makes progress; never waits. The actor calls it in its own turn: after a long run of requests
     * (a completion should not wait for a whole flood queued behind it) and when it must know the ring's
     * state now (a stop).
     */
    void pump() {
        submitAndReap();
    }

    /** Stops driving the ring (leaves the loop); the ring is still open. Idempotent. */
    void stop() {
        if (!stopped) {
            stopped = true;
            loop.detach(this);
            wakeUp.close();
        }
    }

    // ---------------------------------------------------------------- the ring

    private void submitAndReap() {
        if (sq.pending() > 0) {
            counters.batch(ring.submit()); // with DEFER_TASKRUN the submit also posts deferred completions
        } else if (deferredCompletions && ops.inFlight() > 0
                && (!taskrunFlag || (sq.ringFlags() & IORING_SQ_TASKRUN) != 0)) {
            ring.processCompletions();
        }
        while (true) {
            final int reaped = ring.cq().drain(completer);
            if (reaped == 0 && !intake.refill()) {
                return;
            }
        }
    }

    /**
     * The ring failed under the loop: stop driving it and let the actor answer everything and stop; or, while
     * a stop finishes from the loop's turns (the actor may be gone), finish it now.
     */
    private void failed(RuntimeException e) {
        if (whenDrained != null) {
            finishDrain(); // answers what the kernel still holds, then releases the ring
            return;
        }
        stop();
        actor.tell(new Failed(e));
    }

    private static ScheduledThreadPoolExecutor deadlines() {
        final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            final Thread t = new Thread(r, "io-uring-stop-deadlines");
            t.setDaemon(true);
            return t;
        });
        timer.setKeepAliveTime(10, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true);
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    /** Tells the actor that its ring failed while the loop drove it. */
    record Failed(Throwable cause) {
    }
}
