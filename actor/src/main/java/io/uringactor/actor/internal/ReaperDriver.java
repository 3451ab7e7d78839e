package io.uringactor.actor.internal;

import io.uringactor.ring.IoUring;
import io.uringactor.ring.SubmissionQueue;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * The driver for a ring actor spawned without the ring mailbox: the actor submits and reaps what is there,
 * and a {@link Reaper} thread waits in the kernel for late completions and tells the actor to reap (one
 * more thread hand-off per completion batch than {@link MailboxDriver}).
 */
final class ReaperDriver implements RingDriver {
    private final IoUring ring;
    private final SubmissionQueue sq;
    private final SqeWriter sqes;
    private final Completer completer;
    private final Intake intake;
    private final OpTable ops;
    private final RingCounters counters;
    private final Reaper reaper;
    private boolean stopped;

    ReaperDriver(IoUring ring, SqeWriter sqes, Completer completer, Intake intake, OpTable ops,
                 RingCounters counters, ActorRef<Object> actor) {
        this.ring = ring;
        this.sq = ring.sq();
        this.sqes = sqes;
        this.completer = completer;
        this.intake = intake;
        this.ops = ops;
        this.counters = counters;
        this.reaper = new Reaper(ring, actor, "io-uring-reaper-" + actor.path().name());
        this.reaper.start();
    }

    @Override
    public void pump() {
        pumpOnce();
        if (ops.inFlight() > 0) {
            reaper.arm();
        }
    }

    @Override
    public void reapBetweenRequests() {
        pumpOnce();
    }

    @Override
    public void onHousekeeping(long userData) {
        // the stop's KICK NOP only wakes the reaper
    }

    @Override
    public void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        reaper.stop();
        // Wake the reaper if it sleeps in io_uring_enter: a NOP completes at once.
        sqes.ensureSpace(1);
        sq.prepNop(UserData.KICK);
        counters.batch(ring.submit());
        reaper.join(1000);
    }

    /** Submits, reaps, refills from the queue, and repeats while that makes progress. */
    private void pumpOnce() {
        while (true) {
            if (sq.pending() > 0) {
                counters.batch(ring.submit());
            }
            final int reaped = ring.cq().drain(completer);
            final boolean started = intake.refill();
            if (reaped == 0 && !started && sq.pending() == 0) {
                return;
            }
        }
    }
}
