package io.uringactor.actor;

import java.util.List;

/**
 * A snapshot of a ring actor's counters.
 *
 * @param submitted     SQEs handed to the kernel
 * @param completed     requests answered (success or failure) after reaching the kernel
 * @param enterCalls    {@code io_uring_enter} calls made to submit
 * @param batches       submissions that carried at least one SQE
 * @param maxBatch      most SQEs submitted by one {@code io_uring_enter}
 * @param inFlight      ops in the kernel now
 * @param inFlightMax   most ops in the kernel at once
 * @param queued        requests waiting in the actor for an in-flight slot now
 * @param rejected      requests refused as overloaded
 */
public record RingStats(long submitted, long completed, long enterCalls, long batches, int maxBatch,
                        int inFlight, int inFlightMax, int queued, long rejected) {

    /** Mean SQEs per {@code io_uring_enter} that submitted something: the micro-batching factor. */
    public double sqesPerEnter() {
        return batches == 0 ? 0.0 : (double) submitted / batches;
    }

    /**
     * The counters of several rings (a {@link RingGroup}'s) added up; {@code maxBatch} and {@code inFlightMax}
     * are the largest of any one ring.
     *
     * @param rings one snapshot per ring, at least one
     * @return the sum
     */
    public static RingStats sum(List<RingStats> rings) {
        long submitted = 0, completed = 0, enterCalls = 0, batches = 0, rejected = 0;
        int maxBatch = 0, inFlight = 0, inFlightMax = 0, queued = 0;
        for (RingStats s : rings) {
            submitted += s.submitted;
            completed += s.completed;
            enterCalls += s.enterCalls;
            batches += s.batches;
            rejected += s.rejected;
            maxBatch = Math.max(maxBatch, s.maxBatch);
            inFlight += s.inFlight;
            inFlightMax = Math.max(inFlightMax, s.inFlightMax);
            queued += s.queued;
        }
        return new RingStats(submitted, completed, enterCalls, batches, maxBatch, inFlight, inFlightMax, queued,
                rejected);
    }

    @Override
    public String toString() {
        return String.format("RingStats[submitted=%d, completed=%d, enterCalls=%d, sqesPerEnter=%.2f (max %d),"
                        + " inFlight=%d (max %d), queued=%d, rejected=%d]", submitted, completed, enterCalls,
                sqesPerEnter(), maxBatch, inFlight, inFlightMax, queued, rejected);
    }
}
