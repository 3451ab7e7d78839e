package io.uringactor.actor.internal;

/**
 * What a {@link RingEventLoop} drives between its tasks: the ring of the ring actor that runs on the loop.
 * Called on the loop's thread only, never while a task runs, except {@link #wakeUp()}.
 */
interface LoopIo {
    /**
     * Between two batches of tasks: submits what the tasks prepared and answers what has completed.
     * Never blocks; enters the kernel only when there is something to submit or completion work waits.
     */
    void poll();

    /** Whether SQEs wait to be submitted: a memory read. */
    boolean submissionsPending();

    /** Whether completions (or completion work) wait to be reaped: memory reads only, no syscall. */
    boolean completionsWaiting();

    /**
     * Nothing is left to run: submits what is prepared and sleeps in the ring until a completion arrives or
     * {@link #wakeUp()} is called. {@link #poll()} follows at once.
     */
    void await();

    /** As {@link #await()}, but the sleep ends after {@code timeoutNanos} at the latest. */
    void await(long timeoutNanos);

    /**
     * Ends a sleep in {@link #await()}; any thread. Harmless when the ring has stopped meanwhile: the loop is
     * awake then, and looks at its queues before it sleeps again.
     */
    void wakeUp();

    /**
     * The loop ends (its dispatcher shut down): whatever the ring still has to finish, it finishes now, on this
     * thread, which may wait for the kernel since nothing else runs on it any more. Loop thread only.
     */
    void loopEnding();
}
