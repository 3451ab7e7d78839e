package io.uringactor.actor.internal;

/**
 * How the ring actor submits its batches, reaps completions and waits for the kernel: through the
 * {@link RingEventLoop} it runs on ({@link LoopDriver}), in its own {@code io_uring_enter} with the ring
 * mailbox on a pinned thread ({@link MailboxDriver}), or through a helper thread that waits for completions
 * when the actor has neither ({@link ReaperDriver}). Only the actor's
 * thread calls these; both answer what completed and start what was queued, so the actor is the same.
 */
interface RingDriver {
    /**
     * Submits what is prepared, reaps what is complete and starts queued requests on the freed slots while
     * that makes progress; may then wait for the kernel while ops are in flight and no mail is waiting.
     */
    void pump();

    /**
     * A long run of requests keeps the FLUSH far back in the mailbox: submit what they prepared and answer
     * what completed meanwhile now, without waiting, so a completion never waits for a whole flood of
     * requests queued behind it.
     */
    void reapBetweenRequests();

    /**
     * Whether the driver submits and reaps without being asked (on a {@link RingEventLoop}, the loop does
     * it between its tasks), so that the actor need not send itself a FLUSH after a request.
     */
    default boolean submitsOnItsOwn() {
        return false;
    }

    /** A CQE of one of the driver's own SQEs (see {@link UserData#isHousekeeping}). */
    void onHousekeeping(long userData);

    /** Stops what the driver runs besides the actor; the ring is still open. Idempotent. */
    void stop();
}
