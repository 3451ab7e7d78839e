package io.uringactor.actor.internal;

import io.uringactor.actor.InvalidRequestException;
import io.uringactor.actor.RingOverloadedException;
import io.uringactor.actor.RingSettings;
import io.uringactor.actor.RingStoppedException;
import io.uringactor.ring.IoUringException;

import org.slf4j.Logger;

import java.util.ArrayDeque;

/**
 * Admission and backpressure: a request starts at once when a slot is free, nothing waits before it and
 * its buffer fits the native memory budget; otherwise it waits in a bounded FIFO queue, beyond which it
 * is refused with {@link RingOverloadedException} (a close never is: it only gives a descriptor back).
 * Starting a request takes a slot and writes its SQEs; a refused one gives the slot back at once. Every
 * refusal is counted ({@link RingCounters#refused}) before it is answered.
 */
final class Intake {
    private final RingSettings settings;
    private final OpTable ops;
    private final NativeBufferPool pool;
    private final SqeWriter sqes;
    private final Completer completer;
    private final RingCounters counters;
    private final Logger log;
    /** Requests waiting for a slot or memory, in arrival order. */
    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    private boolean closed;

    Intake(RingSettings settings, OpTable ops, NativeBufferPool pool, SqeWriter sqes, Completer completer,
           RingCounters counters, Logger log) {
        this.settings = settings;
        this.ops = ops;
        this.pool = pool;
        this.sqes = sqes;
        this.completer = completer;
        this.counters = counters;
        this.log = log;
    }

    /**
     * Starts {@code request}, queues it, or refuses it; returns whether it was started (its SQEs wait for the
     * next submit). Throws {@link IoUringException} only when the ring itself failed.
     */
    boolean admit(Request request) {
        final long memory = memoryOf(request);
        if (!pool.canEverFit(memory)) {
            refuse(request, new InvalidRequestException("the request needs " + memory + " bytes of native"
                    + " memory, more than max-native-memory=" + pool.limit() + " (buffers are rounded up to a power"
                    + " of two)"));
            return false;
        }
        if (!ops.hasFree() || !queue.isEmpty() || !pool.fits(memory)) {
            // The queue holds at most one close per open file beyond max-queued: refusing one would leak it.
            if (queue.size() < settings.maxQueued() || request.kind == CommandKind.CLOSE) {
                queue.addLast(request);
                counters.queued(queue.size());
            } else {
                refuse(request, new RingOverloadedException("ring actor overloaded: " + ops.inFlight()
                        + " ops in flight, " + queue.size() + " queued (max-queued=" + settings.maxQueued() + "), "
                        + (pool.held() - pool.idle()) + " bytes of max-native-memory=" + pool.limit() + " in use"));
            }
            return false;
        }
        start(request);
        return true;
    }

    /** Starts queued requests while slots and memory allow; whether any started. */
    boolean refill() {
        boolean started = false;
        while (ops.hasFree() && !queue.isEmpty() && !closed && pool.fits(memoryOf(queue.peekFirst()))) {
            start(queue.pollFirst());
            started = true;
        }
        if (started) {
            counters.queued(queue.size());
        }
        return started;
    }

    /** Takes a slot, checks the request and writes its SQE(s); a refused request frees the slot at once. */
    private void start(Request request) {
        final Op op = ops.take();
        final String refusal;
        op.request = request;
        try {
            refusal = sqes.prepare(op, request);
        } catch (RingOverloadedException e) {
            completer.release(op);
            refuse(request, e);
            return;
        } catch (OutOfMemoryError e) {
            // Direct memory ran out below our budget (other users of -XX:MaxDirectMemorySize): refuse this one.
            completer.release(op);
            refuse(request, new RingOverloadedException("no direct memory for the request (" + e.getMessage()
                    + "); lower io-uring-actor.ring.max-native-memory or raise -XX:MaxDirectMemorySize"));
            return;
        } catch (IoUringException e) {
            completer.release(op);
            refuse(request, new RingStoppedException("the ring failed: " + e.getMessage(), e));
            throw e;
        } catch (RuntimeException e) {
            completer.release(op);
            refuseMalformed(request, request, e, counters, log);
            return;
        }
        if (refusal != null) {
            completer.release(op);
            // A file that its ring closed as it stopped is no fault of the caller: answer as that ring would have.
            refuse(request, sqes.refusedForAStoppedRing() ? new RingStoppedException(refusal)
                    : new InvalidRequestException(refusal));
            return;
        }
        op.startTime = counters.startTime();
        counters.started(ops.started());
        sqes.submitIfDirect();
    }

    /** No request starts any more; every queued one is answered with {@code error} (and counted as refused). */
    void close(IoUringException error) {
        closed = true;
        Request queued;
        while ((queued = queue.pollFirst()) != null) {
            refuse(queued, error);
        }
        counters.queued(0);
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    int size() {
        return queue.size();
    }

    /** Counts {@code request} as refused with {@code error}, then answers it so. */
    private void refuse(Request request, IoUringException error) {
        counters.refused(error);
        request.fail(error);
    }

    /**
     * A request's fields failed in a way the checks did not foresee (a bug): count it as invalid, answer it, keep
     * serving.
     */
    static void refuseMalformed(Object message, Request request, RuntimeException e, RingCounters counters,
                                Logger log) {
        log.warn("Refused malformed request {}: {}", message, e.toString());
        counters.invalid();
        try {
            if (request != null) {
                request.fail(new InvalidRequestException("malformed request " + message + ": " + e));
            }
        } catch (RuntimeException ignored) {
            // its reply address itself is unusable: nothing more to do for it
        }
    }

    /**
     * The pool memory a request will hold, for admission. A request too large for its checks gets 0: it is
     * refused before it allocates anything.
     */
    private long memoryOf(Request request) {
        final long bytes = RequestMemory.of(request);
        return bytes > settings.maxIoSize() + RequestMemory.VECTOR_OVERHEAD ? 0 : bytes;
    }
}
