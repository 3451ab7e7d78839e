package io.uringactor.actor.internal;

import static io.uringactor.ring.IoUringConstants.IORING_FEAT_EXT_ARG;
import static io.uringactor.ring.IoUringConstants.IORING_SETUP_DEFER_TASKRUN;

import io.uringactor.ring.AlignedBuffer;
import io.uringactor.ring.IoUring;
import io.uringactor.ring.SubmissionQueue;

/**
 * The driver with the ring mailbox: with ops in flight and no mail, the actor submits its batch and sleeps
 * in that same {@code io_uring_enter(GETEVENTS)}, on its own thread ({@code SINGLE_ISSUER},
 * {@code DEFER_TASKRUN}: the kernel runs completion work in that wait). A read of an eventfd stays queued
 * on the ring; a message arriving meanwhile bumps the eventfd ({@link RingMailbox}), which ends the wait.
 * An idle ring sleeps in Pekko's mailbox instead and uses no CPU.
 */
final class MailboxDriver implements RingDriver {
    /**
     * Longest sleep in {@code io_uring_enter} before the actor looks at its system messages, which cannot
     * wake it; only while ops are in flight, so an idle ring still sleeps for good.
     */
    private static final long MAX_SLEEP_NANOS = 100_000_000L;

    private final IoUring ring;
    private final SubmissionQueue sq;
    private final RingMailbox.Queue mailbox;
    private final WakeUpRead wakeUp = new WakeUpRead();
    /** Whether {@code io_uring_enter} can bound a wait itself (IORING_FEAT_EXT_ARG, Linux 5.11+). */
    private final boolean boundedWaits;
    /** Without EXT_ARG: the {@link #MAX_SLEEP_NANOS} timespec of a TIMEOUT SQE that bounds the sleep instead. */
    private final AlignedBuffer sleepTimespec = AlignedBuffer.allocate(16, Long.BYTES);
    private boolean sleepTimeoutQueued;
    private boolean sleepTimedOut;
    private final boolean deferredCompletions;
    private final SqeWriter sqes;
    private final Completer completer;
    private final Intake intake;
    private final OpTable ops;
    private final RingCounters counters;
    /** Brings the actor back (a FLUSH behind the mail that is waiting) when the driver stops short. */
    private final Runnable flushLater;

    MailboxDriver(IoUring ring, RingMailbox.Queue mailbox, SqeWriter sqes, Completer completer, Intake intake,
                  OpTable ops, RingCounters counters, Runnable flushLater) {
        this.ring = ring;
        this.sq = ring.sq();
        this.mailbox = mailbox;
        this.sqes = sqes;
        this.completer = completer;
        this.intake = intake;
        this.ops = ops;
        this.counters = counters;
        this.flushLater = flushLater;
        this.deferredCompletions = (ring.setupFlags() & IORING_SETUP_DEFER_TASKRUN) != 0;
        mailbox.wakeUpWith(wakeUp.eventFd());
        this.boundedWaits = ring.hasFeature(IORING_FEAT_EXT_ARG);
        sleepTimespec.byteBuffer().putLong(0, 0).putLong(Long.BYTES, MAX_SLEEP_NANOS);
    }

    @Override
    public void pump() {
        // Reap and refill without submitting: the batch goes in with the wait's io_uring_enter, one syscall
        // for both; what completes inside it (cached reads) ends the wait at once.
        do {
            reapAndRefill();
            if (sleepTimedOut) {
                // The TIMEOUT bounding the sleep fired: let Pekko deliver system messages, as below.
                sleepTimedOut = false;
                flushLater.run();
                return;
            }
        } while (ops.inFlight() > 0 && waitInRing());
    }

    @Override
    public void reapBetweenRequests() {
        if (sq.pending() > 0) {
            counters.batch(ring.submit()); // with DEFER_TASKRUN, submitting also posts deferred completions
        } else if (deferredCompletions) {
            ring.processCompletions();
        }
        reapAndRefill();
    }

    @Override
    public void onHousekeeping(long userData) {
        if (userData == UserData.WAKE_UP) {
            wakeUp.completed();
        } else if (userData == UserData.SLEEP_TIMEOUT) {
            sleepTimeoutQueued = false;
            sleepTimedOut = true;
        }
    }

    @Override
    public void stop() {
        mailbox.wakeUpWith(null);
        wakeUp.close();
    }

    /** Reaps and starts queued requests on the freed slots while that makes progress; submits nothing. */
    private void reapAndRefill() {
        while (true) {
            final int reaped = ring.cq().drain(completer);
            if (reaped == 0 && !intake.refill()) {
                return;
            }
        }
    }

    /**
     * Submits what is prepared and sleeps in that same {@code io_uring_enter} until a completion or a
     * message arrives. Returns {@code false} when messages wait instead (after submitting); a FLUSH then
     * brings the actor back here once it has read them.
     */
    private boolean waitInRing() {
        final boolean armedNow = wakeUp.queue(sqes, sq);
        if (!mailbox.beginWait()) {
            if (sq.pending() > 0) {
                counters.batch(WakeUpRead.requests(ring.submit(), armedNow)); // the wake-up read is no request
                ring.cq().drain(completer); // what completed inside the submit is answered now, not after the mail
            }
            flushLater.run();
            return false;
        }
        final int submittedNow;
        final boolean timeoutQueuedNow = !boundedWaits && !sleepTimeoutQueued;
        try {
            if (boundedWaits) {
                submittedNow = ring.submitAndWait(1, MAX_SLEEP_NANOS);
            } else {
                // One TIMEOUT at a time bounds the sleep; its CQE (-ETIME) ends the sleep like a completion.
                if (timeoutQueuedNow) {
                    sqes.ensureSpace(1);
                    SqeWriter.prep(sq.prepTimeout(sleepTimespec.address(), 0, 0, UserData.SLEEP_TIMEOUT));
                    sleepTimeoutQueued = true;
                }
                submittedNow = ring.submitAndWait(1);
            }
        } finally {
            mailbox.endWait();
        }
        counters.batch(WakeUpRead.requests(WakeUpRead.requests(submittedNow, armedNow), timeoutQueuedNow));
        if (ring.cq().ready() == 0) {
            // The bounded sleep ran out: let Pekko deliver system messages (a stop, a watch), which do not
            // pass through the mailbox's queue and so cannot wake us; FLUSH brings us back.
            flushLater.run();
            return false;
        }
        return true;
    }
}
