package io.uringactor.ring;

import static io.uringactor.ring.RingLayout.*;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The completion half of a ring: the mapped CQ ring indices and CQE array.
 *
 * <p>Single consumer: one thread at a time drains it. Memory ordering: the load-acquire of the CQ tail
 * pairs with the kernel's store-release after it wrote CQEs; our store-release of the CQ head pairs with
 * the kernel's load-acquire before it reuses those slots.
 */
public final class CompletionQueue {
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private final ByteBuffer ring;
    private final int headOffset;
    private final int tailOffset;
    private final int overflowOffset;
    private final int cqesOffset;
    private final int ringMask;
    private final int ringEntries;
    private boolean closed;

    CompletionQueue(ByteBuffer ring, ByteBuffer params) {
        this.ring = ring;
        this.headOffset = params.getInt(PARAMS_CQ_OFF + CQ_OFF_HEAD);
        this.tailOffset = params.getInt(PARAMS_CQ_OFF + CQ_OFF_TAIL);
        this.overflowOffset = params.getInt(PARAMS_CQ_OFF + CQ_OFF_OVERFLOW);
        this.cqesOffset = params.getInt(PARAMS_CQ_OFF + CQ_OFF_CQES);
        this.ringMask = ring.getInt(params.getInt(PARAMS_CQ_OFF + CQ_OFF_RING_MASK));
        this.ringEntries = ring.getInt(params.getInt(PARAMS_CQ_OFF + CQ_OFF_RING_ENTRIES));
    }

    /** Number of CQ slots: the most completions that can wait here unreaped. */
    public int entries() {
        return ringEntries;
    }

    /** Completions waiting to be drained. */
    public int ready() {
        ensureOpen();
        // Load-acquire of the tail pairs with the kernel's store-release after it wrote CQEs.
        return (int) INT.getAcquire(ring, tailOffset) - (int) INT.getVolatile(ring, headOffset);
    }

    /** Completions the kernel could not post because the CQ was full (lost only without IORING_FEAT_NODROP). */
    public int overflow() {
        return (int) INT.getVolatile(ring, overflowOffset);
    }

    /**
     * Hands every waiting completion to {@code handler}, in order, and frees their slots.
     *
     * @return the number of completions handled
     */
    public int drain(CompletionHandler handler) {
        return drain(handler, Integer.MAX_VALUE);
    }

    /**
     * Hands up to {@code max} waiting completions to {@code handler}. A completion whose handler throws
     * counts as consumed; the exception propagates after the head is released.
     */
    public int drain(CompletionHandler handler, int max) {
        ensureOpen();
        final ByteBuffer b = ring;
        final int mask = ringMask;
        // Load-acquire of the tail pairs with the kernel's store-release after it wrote CQEs.
        final int tail = (int) INT.getAcquire(b, tailOffset);
        int head = (int) INT.getVolatile(b, headOffset);
        final int stop = tail - head > max ? head + max : tail;
        final int first = head;
        try {
            while (head != stop) {
                final int cqe = cqesOffset + (head & mask) * CQE_SIZE;
                head++;
                handler.onCompletion(b.getLong(cqe + CQE_USER_DATA_FIELD), b.getInt(cqe + CQE_RES_FIELD),
                        b.getInt(cqe + CQE_FLAGS_FIELD));
            }
        } finally {
            // Store-release of the head pairs with the kernel's load-acquire before it reuses the slots.
            INT.setRelease(b, headOffset, head);
        }
        return head - first;
    }

    void close() {
        closed = true;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the ring is closed");
        }
    }
}
