package io.uringactor.actor;

import java.util.Map;

/**
 * The JMX view of one running ring actor, registered as
 * {@code io.uringactor:type=Ring,system=<system>,name=<actor path>} while the ring serves, and unregistered when
 * it stops (however it stops). {@code system} is the actor system's name, with {@code @host:port} when the
 * system is remote-enabled; {@code name} is the actor's path without the address, e.g. {@code /user/disk-ring}.
 * Values that need it are quoted as {@link javax.management.ObjectName#quote} does; a second ring of the same
 * name in another system of the same name in this JVM gets an extra key {@code instance=2} (3, ...).
 *
 * <p>The counters count from the ring's start. Each attribute is read on its own, without stopping the ring:
 * each is exact for some recent moment, but attributes read together are not one snapshot (the
 * {@link RingCommand.GetStats} reply is). Browse them with {@code jconsole}, or scrape them with the Prometheus
 * JMX exporter.
 *
 * <p>Refusals: a request the ring receives and answers without starting it never reaches the kernel, so
 * {@code Submitted} and {@code Completed} do not count it; {@code RefusedInvalid}, {@code RefusedOverloaded} and
 * {@code RefusedStopped} do, by reason. Not counted anywhere, since no ring is left to count them: requests
 * answered after the ring has stopped (by its mailbox, or as dead letters), by a ring that could not start, or by
 * a {@link RingClient} whose actor system has terminated.
 */
public interface RingMXBean {
    /** The ring actor's path, with its address. */
    String getActorPath();

    /** SQEs handed to the kernel. */
    long getSubmitted();

    /** Requests answered (success or failure) after reaching the kernel. */
    long getCompleted();

    /** {@code io_uring_enter} calls that submitted at least one SQE. */
    long getBatches();

    /** Mean SQEs per {@code io_uring_enter} that submitted something: the micro-batching factor. */
    double getSqesPerEnter();

    /** Most SQEs submitted by one {@code io_uring_enter}. */
    int getMaxBatch();

    /** Ops in the kernel now. */
    int getInFlight();

    /** Most ops in the kernel at once. */
    int getInFlightMax();

    /** The ring's {@code max-in-flight}. */
    int getMaxInFlight();

    /** What serves the ring's ops: {@code "io_uring"}, or {@code "fallback (N threads)"} (see {@code io-uring-actor.engine}). */
    String getEngine();

    /**
     * Files open on this ring per other node that opened them (its address, e.g.
     * {@code pekko://app@10.0.0.2:25520}); they close when that node is gone (see the cluster docs).
     */
    java.util.Map<String, Integer> getRemoteFilesByNode();

    /** Requests waiting in the actor for an in-flight slot or memory now. */
    int getQueued();

    /**
     * Requests refused as overloaded: the same count as {@link #getRefusedOverloaded()}, under its earlier name,
     * kept for existing dashboards and alerts.
     */
    long getRejected();

    /**
     * Requests the ring refused as invalid: answered with an {@link InvalidRequestException} without reaching the
     * kernel. That is an unknown, closed or forged file handle; a negative offset or length, a length over
     * {@code max-io-size}, an unaligned O_DIRECT offset, length or buffer; a request needing more than
     * {@code max-native-memory}; a malformed request (a field its checks did not foresee, or a bad vector or
     * timeout); a Shutdown from another node that {@code allow-remote-shutdown} forbids. Also counted: a request
     * dropped because it names no one to reply to.
     */
    long getRefusedInvalid();

    /**
     * Requests the ring refused as overloaded: answered with a {@link RingOverloadedException} without reaching the
     * kernel. That is a request that found {@code max-in-flight} slots taken or memory short and the wait queue
     * full ({@code max-queued}), or that could not get the native or direct memory, the pipe or the submission
     * slot it needed to start.
     */
    long getRefusedOverloaded();

    /**
     * Requests the ring refused as stopped: answered with a {@link RingStoppedException} without reaching the
     * kernel, by a ring that is stopping (it got a Shutdown and waits for its ops in flight) or failing. That is a
     * request that arrived after the Shutdown, one still waiting in the queue when the stop began, and one being
     * started when the ring failed. Ops already in the kernel that a stop cancels count as {@code Completed}
     * instead; the MBean leaves when the ring has stopped.
     */
    long getRefusedStopped();

    /** Requests answered with an {@code ErrnoException}, by errno name, e.g. {@code ENOENT -> 3}. */
    Map<String, Long> getErrorsByErrno();

    /** Requests answered with an {@code ErrnoException}: the sum of {@link #getErrorsByErrno()}. */
    long getErrors();

    /** Requests answered with a {@link RingTimeoutException}: their op timeout elapsed. */
    long getTimedOut();

    /** Bytes of native memory the ring's buffer pool holds, in use and free. */
    long getNativeMemoryHeld();

    /** Bytes of native memory in use by requests now. */
    long getNativeMemoryInUse();

    /** The ring's {@code max-native-memory}. */
    long getNativeMemoryLimit();

    /** Requests in the latency histogram; 0 when {@code latency-histogram = off}. */
    long getLatencyCount();

    /** Median latency of a request, from its SQE prepared to its answer, in nanoseconds; 0 when none. */
    long getLatencyP50Nanos();

    /** 99th percentile latency in nanoseconds; 0 when none. */
    long getLatencyP99Nanos();

    /** 99.9th percentile latency in nanoseconds; 0 when none. */
    long getLatencyP999Nanos();

    /** Longest latency in nanoseconds (to two significant digits); 0 when none. */
    long getLatencyMaxNanos();
}
