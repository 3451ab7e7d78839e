package io.uringactor.actor.internal;

import io.uringactor.actor.InvalidRequestException;
import io.uringactor.actor.RingOverloadedException;
import io.uringactor.actor.RingStats;
import io.uringactor.actor.RingStoppedException;
import io.uringactor.actor.RingTimeoutException;
import io.uringactor.ring.Errno;
import io.uringactor.ring.ErrnoException;
import io.uringactor.ring.IoUringException;

import org.HdrHistogram.Histogram;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ring actor's counters, behind {@link RingStats} and the ring's {@link io.uringactor.actor.RingMXBean}.
 *
 * <p>Written by the ring's thread only. The {@link RingStats} snapshot is made on that thread too and reads
 * them plainly. The MBean reads them from a JMX thread: for that, every write is an <em>opaque</em> store
 * ({@link VarHandle#setOpaque}) and the MBean's reads are opaque loads. Opaque access never tears a
 * {@code long}, and a value written is seen by other threads soon (it is not kept in a register); on x86 and
 * ARM it compiles to the plain store, with no fence, so the hot path pays nothing for it and takes no lock.
 * What it does not give is a consistent cut: a JMX read of several attributes may see {@code completed} of a
 * moment later than {@code submitted}. Each value is exact for some recent moment, and the counters only grow.
 *
 * <p>Refusals (requests answered without reaching the kernel) are counted by {@link #refused}, on the cold path
 * only: a request that starts never touches those counters.
 */
final class RingCounters {
    private static final VarHandle SUBMITTED = field("submitted", long.class);
    private static final VarHandle COMPLETED = field("completed", long.class);
    private static final VarHandle BATCHES = field("batches", long.class);
    private static final VarHandle MAX_BATCH = field("maxBatch", int.class);
    private static final VarHandle IN_FLIGHT = field("inFlight", int.class);
    private static final VarHandle IN_FLIGHT_MAX = field("inFlightMax", int.class);
    private static final VarHandle QUEUED = field("queued", int.class);
    private static final VarHandle REFUSED_INVALID = field("refusedInvalid", long.class);
    private static final VarHandle REFUSED_OVERLOADED = field("refusedOverloaded", long.class);
    private static final VarHandle REFUSED_STOPPED = field("refusedStopped", long.class);
    private static final VarHandle TIMED_OUT = field("timedOut", long.class);
    private static final VarHandle ERRORS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Linux errnos are below 4096 ({@code MAX_ERRNO}): one slot each, so counting one allocates nothing. */
    private static final int ERRNO_SLOTS = 4096;

    private long submitted;
    private long completed;
    private long batches;
    private int maxBatch;
    /** The gauges, mirrored here for the MBean (the ring's thread reads its {@link OpTable} and queue). */
    private int inFlight;
    private int inFlightMax;
    private int queued;
    /** Requests the ring answered without starting them, by the reason its reply gives; see {@link #refused}. */
    private long refusedInvalid;
    private long refusedOverloaded;
    private long refusedStopped;
    private long timedOut;
    /** Requests answered with an {@link io.uringactor.ring.ErrnoException}, by errno. */
    private final long[] errors = new long[ERRNO_SLOTS];
    /** Per-request latency, or {@code null} when {@code latency-histogram = off}. */
    private final RingLatency latency;

    RingCounters(boolean latencyHistogram) {
        this.latency = latencyHistogram ? new RingLatency() : null;
    }

    private static VarHandle field(String name, Class<?> type) {
        try {
            return MethodHandles.lookup().findVarHandle(RingCounters.class, name, type);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@code sqes} SQEs went to the kernel in one {@code io_uring_enter}. */
    void batch(int sqes) {
        if (sqes > 0) {
            SUBMITTED.setOpaque(this, submitted + sqes);
            BATCHES.setOpaque(this, batches + 1);
            if (sqes > maxBatch) {
                MAX_BATCH.setOpaque(this, sqes);
            }
        }
    }

    /** An op went in; {@code inFlight} are in the kernel now. */
    void started(int inFlight) {
        IN_FLIGHT.setOpaque(this, inFlight);
        if (inFlight > inFlightMax) {
            IN_FLIGHT_MAX.setOpaque(this, inFlight);
        }
    }

    /** When an op's SQE is prepared: {@link System#nanoTime()}, or 0 when latency is not recorded. */
    long startTime() {
        return latency == null ? 0 : System.nanoTime();
    }

    /**
     * A request that reached the kernel was answered; {@code inFlight} are in the kernel now. {@code startTime}
     * is what {@link #startTime()} said when its SQE was prepared.
     */
    void completed(int inFlight, long startTime) {
        COMPLETED.setOpaque(this, completed + 1);
        IN_FLIGHT.setOpaque(this, inFlight);
        if (latency != null && startTime != 0) {
            latency.record(System.nanoTime() - startTime);
        }
    }

    /** A request was answered with {@code error}: counted by errno, or as a timeout. */
    void failed(IoUringException error) {
        if (error instanceof ErrnoException) {
            error(((ErrnoException) error).errno());
        } else if (error instanceof RingTimeoutException) {
            timedOut();
        }
    }

    /** {@code queued} requests wait in the actor for a slot now. */
    void queued(int queued) {
        QUEUED.setOpaque(this, queued);
    }

    /**
     * The ring is answering a request it received with {@code refusal}, without starting it (or after it waited in
     * the queue, never started): counted by the refusal's type, an {@link InvalidRequestException}, a
     * {@link RingOverloadedException} or a {@link RingStoppedException}; any other is not counted. Call it before
     * the reply goes out, so that whoever sees the reply sees the count.
     */
    void refused(IoUringException refusal) {
        if (refusal instanceof InvalidRequestException) {
            REFUSED_INVALID.setOpaque(this, refusedInvalid + 1);
        } else if (refusal instanceof RingOverloadedException) {
            REFUSED_OVERLOADED.setOpaque(this, refusedOverloaded + 1);
        } else if (refusal instanceof RingStoppedException) {
            REFUSED_STOPPED.setOpaque(this, refusedStopped + 1);
        }
    }

    /**
     * A request was refused as invalid where no {@link InvalidRequestException} may be at hand: one that names no
     * one to reply to (dropped, so no one hears of it), or a malformed one (its reply may fail too).
     */
    void invalid() {
        REFUSED_INVALID.setOpaque(this, refusedInvalid + 1);
    }

    /** A request was answered with an errno failure ({@code errno} positive or negated). */
    private void error(int errno) {
        final int slot = Math.min(Math.abs(errno), ERRNO_SLOTS - 1);
        ERRORS.setOpaque(errors, slot, errors[slot] + 1);
    }

    /** A request was answered with a timeout: its own op-timeout elapsed. */
    private void timedOut() {
        TIMED_OUT.setOpaque(this, timedOut + 1);
    }

    RingStats snapshot(long enterCalls, int inFlight, int queued, String engine) {
        return new RingStats(submitted, completed, enterCalls, batches, maxBatch, inFlight, inFlightMax, queued,
                refusedOverloaded, refusedInvalid, refusedStopped, engine);
    }

    // ---------------------------------------------------------------- reads from other threads (opaque)

    long submittedNow() {
        return (long) SUBMITTED.getOpaque(this);
    }

    long completedNow() {
        return (long) COMPLETED.getOpaque(this);
    }

    long batchesNow() {
        return (long) BATCHES.getOpaque(this);
    }

    int maxBatchNow() {
        return (int) MAX_BATCH.getOpaque(this);
    }

    int inFlightNow() {
        return (int) IN_FLIGHT.getOpaque(this);
    }

    int inFlightMaxNow() {
        return (int) IN_FLIGHT_MAX.getOpaque(this);
    }

    int queuedNow() {
        return (int) QUEUED.getOpaque(this);
    }

    long refusedInvalidNow() {
        return (long) REFUSED_INVALID.getOpaque(this);
    }

    long refusedOverloadedNow() {
        return (long) REFUSED_OVERLOADED.getOpaque(this);
    }

    long refusedStoppedNow() {
        return (long) REFUSED_STOPPED.getOpaque(this);
    }

    long timedOutNow() {
        return (long) TIMED_OUT.getOpaque(this);
    }

    /** The errno failures so far by errno name, e.g. {@code ENOENT -> 3}; errnos never seen are left out. */
    Map<String, Long> errorsNow() {
        final Map<String, Long> byName = new TreeMap<>();
        for (int e = 0; e < ERRNO_SLOTS; e++) {
            final long n = (long) ERRORS.getOpaque(errors, e);
            if (n != 0) {
                byName.put(Errno.name(e), n);
            }
        }
        return byName;
    }

    /** Every latency recorded so far, or {@code null} when {@code latency-histogram = off}. */
    Histogram latencyNow() {
        return latency == null ? null : latency.snapshot();
    }
}
