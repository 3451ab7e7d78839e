package io.uringactor.actor.internal;

import io.uringactor.actor.RingStats;

/** The ring actor's counters, behind {@link RingStats}. Touched by the ring's thread only. */
final class RingCounters {
    private long submitted;
    private long completed;
    private long batches;
    private int maxBatch;
    private int inFlightMax;
    private long rejected;

    /** {@code sqes} SQEs went to the kernel in one {@code io_uring_enter}. */
    void batch(int sqes) {
        if (sqes > 0) {
            submitted += sqes;
            batches++;
            if (sqes > maxBatch) {
                maxBatch = sqes;
            }
        }
    }

    /** An op went in; {@code inFlight} are in the kernel now. */
    void started(int inFlight) {
        if (inFlight > inFlightMax) {
            inFlightMax = inFlight;
        }
    }

    /** A request that reached the kernel was answered. */
    void completed() {
        completed++;
    }

    /** A request was refused as overloaded. */
    void rejected() {
        rejected++;
    }

    RingStats snapshot(long enterCalls, int inFlight, int queued) {
        return new RingStats(submitted, completed, enterCalls, batches, maxBatch, inFlight, inFlightMax, queued,
                rejected);
    }
}
