package io.uringactor.actor.internal;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

import java.util.concurrent.TimeUnit;

/**
 * The latency of a ring's requests, from the moment its SQE is prepared to the moment its last CQE is
 * answered, in nanoseconds, since the ring started.
 *
 * <p>The ring's thread records into an HdrHistogram {@link SingleWriterRecorder}: wait-free, no allocation and
 * no lock per value (two uncontended atomic increments of its phaser, and the histogram's array). A reader
 * (the MBean, on a JMX thread) swaps the recorder's histogram for a spare one, adds it to the running total
 * and reads the total, all under this object's lock, which the ring's thread never takes.
 *
 * <p>Values are kept to two significant digits (1%), from 1 ns to one hour; longer ones count as one hour.
 */
final class RingLatency {
    static final long HIGHEST = TimeUnit.HOURS.toNanos(1);
    private static final int DIGITS = 2;

    private final SingleWriterRecorder recorder = new SingleWriterRecorder(1, HIGHEST, DIGITS);
    /** Every value recorded so far; guarded by {@code this}. */
    private final Histogram total = new Histogram(1, HIGHEST, DIGITS);
    /** The recorder's last interval, given back to it for reuse; guarded by {@code this}. */
    private Histogram spare;

    /** Records a request that took {@code nanos} (ring thread only). */
    void record(long nanos) {
        recorder.recordValue(nanos < 1 ? 1 : Math.min(nanos, HIGHEST));
    }

    /** A copy of every value recorded so far. */
    synchronized Histogram snapshot() {
        spare = recorder.getIntervalHistogram(spare);
        total.add(spare);
        return total.copy();
    }
}
