package io.uringactor.actor;

import java.util.List;

/**
 * A snapshot of a ring actor's counters.
 *
 * <p>Refusals: {@code rejected}, {@code refusedInvalid} and {@code refusedStopped} count the requests the ring
 * received and answered without starting them, by the reason its reply gives (see {@link RingMXBean} for what
 * each counts). They never reach the kernel, so {@code submitted} and {@code completed} do not count them.
 * A {@code RingStats} from a ring on another node carries 0 for {@code refusedInvalid} and
 * {@code refusedStopped}, and an empty {@code engine}: this release sends them to no other node yet (it reads
 * them from a node of the next release, which does).
 *
 * @param submitted      SQEs handed to the kernel
 * @param completed      requests answered (success or failure) after reaching the kernel
 * @param enterCalls     {@code io_uring_enter} calls made to submit
 * @param batches        submissions that carried at least one SQE
 * @param maxBatch       most SQEs submitted by one {@code io_uring_enter}
 * @param inFlight       ops in the kernel now
 * @param inFlightMax    most ops in the kernel at once
 * @param queued         requests waiting in the actor for an in-flight slot now
 * @param rejected       requests refused as overloaded, with a {@link RingOverloadedException}: no room in the
 *                       wait queue ({@code max-queued}), or no memory or submission slot to start them (also
 *                       {@link #refusedOverloaded()})
 * @param refusedInvalid requests refused as invalid: answered with an {@link InvalidRequestException} (an
 *                       unknown, closed or forged file handle, a bad offset, length or alignment, a request
 *                       bigger than {@code max-native-memory}, a malformed request), or dropped because they
 *                       name no one to reply to
 * @param refusedStopped requests refused with a {@link RingStoppedException} by a ring that was stopping or
 *                       failing: those that arrived after its Shutdown, and those still waiting in its queue
 *                       when it stopped
 * @param engine         what serves the ring's ops: {@code "io_uring"} or {@code "fallback (N threads)"} (see
 *                       {@code io-uring-actor.engine}); for a group, its rings' engines, distinct, joined by
 *                       {@code ", "}; empty when not known (a ring on another node)
 */
public record RingStats(long submitted, long completed, long enterCalls, long batches, int maxBatch,
                        int inFlight, int inFlightMax, int queued, long rejected, long refusedInvalid,
                        long refusedStopped, String engine) {

    /** A snapshot whose engine is not known (empty), as a ring on another node reports it. */
    public RingStats(long submitted, long completed, long enterCalls, long batches, int maxBatch, int inFlight,
                     int inFlightMax, int queued, long rejected, long refusedInvalid, long refusedStopped) {
        this(submitted, completed, enterCalls, batches, maxBatch, inFlight, inFlightMax, queued, rejected,
                refusedInvalid, refusedStopped, "");
    }

    /**
     * A snapshot without the invalid and stopped refusals (0 each), as a ring on another node reports them.
     *
     * @param submitted   SQEs handed to the kernel
     * @param completed   requests answered (success or failure) after reaching the kernel
     * @param enterCalls  {@code io_uring_enter} calls made to submit
     * @param batches     submissions that carried at least one SQE
     * @param maxBatch    most SQEs submitted by one {@code io_uring_enter}
     * @param inFlight    ops in the kernel now
     * @param inFlightMax most ops in the kernel at once
     * @param queued      requests waiting in the actor for an in-flight slot now
     * @param rejected    requests refused as overloaded
     */
    public RingStats(long submitted, long completed, long enterCalls, long batches, int maxBatch, int inFlight,
                     int inFlightMax, int queued, long rejected) {
        this(submitted, completed, enterCalls, batches, maxBatch, inFlight, inFlightMax, queued, rejected, 0, 0);
    }

    /**
     * Requests refused as overloaded, with a {@link RingOverloadedException}: {@link #rejected()} under the name
     * that matches {@link #refusedInvalid()} and {@link #refusedStopped()}.
     *
     * @return the same as {@link #rejected()}
     */
    public long refusedOverloaded() {
        return rejected;
    }

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
        long submitted = 0, completed = 0, enterCalls = 0, batches = 0, rejected = 0, refusedInvalid = 0,
                refusedStopped = 0;
        int maxBatch = 0, inFlight = 0, inFlightMax = 0, queued = 0;
        final java.util.Set<String> engines = new java.util.LinkedHashSet<>();
        for (RingStats s : rings) {
            if (!s.engine.isEmpty()) {
                engines.add(s.engine);
            }
            submitted += s.submitted;
            completed += s.completed;
            enterCalls += s.enterCalls;
            batches += s.batches;
            rejected += s.rejected;
            refusedInvalid += s.refusedInvalid;
            refusedStopped += s.refusedStopped;
            maxBatch = Math.max(maxBatch, s.maxBatch);
            inFlight += s.inFlight;
            inFlightMax = Math.max(inFlightMax, s.inFlightMax);
            queued += s.queued;
        }
        return new RingStats(submitted, completed, enterCalls, batches, maxBatch, inFlight, inFlightMax, queued,
                rejected, refusedInvalid, refusedStopped, String.join(", ", engines));
    }

    @Override
    public String toString() {
        return String.format("RingStats[submitted=%d, completed=%d, enterCalls=%d, sqesPerEnter=%.2f (max %d),"
                        + " inFlight=%d (max %d), queued=%d, refused: overloaded=%d, invalid=%d, stopped=%d%s]",
                submitted, completed, enterCalls, sqesPerEnter(), maxBatch, inFlight, inFlightMax, queued, rejected,
                refusedInvalid, refusedStopped, engine.isEmpty() ? "" : ", engine=" + engine);
    }
}
