package io.uringactor.actor.internal;

import io.uringactor.ring.AlignedBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;

/**
 * The native memory of one ring actor's requests, under a hard budget ({@code max-native-memory}).
 *
 * <p>Buffers come in power-of-two classes from {@link #MIN_BUFFER} up, page aligned (so they also suit
 * O_DIRECT files). A released buffer goes back to its class's free list and is reused by the next request
 * of that size, so the hot path allocates nothing. Every byte the pool holds, busy or free, counts against
 * the budget: the pool never allocates past it. A request that would is not admitted ({@link #fits} says
 * no) and waits; free buffers of other classes are dropped to make room before that. Only the ring
 * actor's thread uses a pool.
 *
 * <p>Memory is a direct {@link java.nio.ByteBuffer} that the GC frees once unreachable; the budget counts
 * what this pool references, so memory it dropped may stay reserved until the next collection (the JDK
 * collects when a direct allocation would pass {@code -XX:MaxDirectMemorySize}).
 *
 * <p>{@link #held} and {@link #idle} are written with opaque stores (plain stores, no fence) so that the ring's
 * MBean may read them from another thread ({@link #heldNow}, {@link #idleNow}); see {@link RingCounters}.
 */
final class NativeBufferPool {
    /** The smallest buffer: one page. */
    static final int MIN_BUFFER = 4096;
    /** Page alignment, which O_DIRECT accepts on every common filesystem. */
    static final int ALIGNMENT = 4096;
    private static final int CLASSES = 32 - Integer.numberOfLeadingZeros(Integer.MAX_VALUE) + 1;

    private static final VarHandle HELD;
    private static final VarHandle IDLE;

    static {
        try {
            HELD = MethodHandles.lookup().findVarHandle(NativeBufferPool.class, "held", long.class);
            IDLE = MethodHandles.lookup().findVarHandle(NativeBufferPool.class, "idle", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long limit;
    @SuppressWarnings({"unchecked", "rawtypes"}) // Java has no generic array creation
    private final ArrayDeque<AlignedBuffer>[] free = new ArrayDeque[CLASSES];
    /** Bytes referenced by this pool: buffers in use plus free ones. */
    private long held;
    /** Bytes of the free lists. */
    private long idle;

    NativeBufferPool(long limit) {
        this.limit = limit;
    }

    /** The size of the buffer a request of {@code bytes} gets: the next power of two, at least a page. */
    static long sizeFor(long bytes) {
        return bytes <= MIN_BUFFER ? MIN_BUFFER : Long.highestOneBit(bytes - 1) << 1;
    }

    /** Whether a buffer for {@code bytes} can be had now without passing the budget; 0 needs no buffer. */
    boolean fits(long bytes) {
        if (bytes == 0) {
            return true;
        }
        final long size = sizeFor(bytes);
        return held - idle + size <= limit || hasFree(classOf(size));
    }

    /** Whether a buffer for {@code bytes} could ever be had, with nothing else in use. */
    boolean canEverFit(long bytes) {
        return sizeFor(bytes) <= limit;
    }

    /**
     * A buffer of at least {@code bytes} bytes; call only after {@link #fits} said yes. Throws
     * {@link OutOfMemoryError} only if the JVM's direct memory is exhausted below the budget.
     */
    AlignedBuffer acquire(int bytes) {
        final int size = (int) sizeFor(bytes);
        final int cls = classOf(size);
        final ArrayDeque<AlignedBuffer> list = free[cls];
        if (list != null && !list.isEmpty()) {
            setIdle(idle - size);
            return list.pop();
        }
        dropIdleUntil(limit - size);
        final AlignedBuffer buffer = AlignedBuffer.allocate(size, ALIGNMENT);
        setHeld(held + size);
        return buffer;
    }

    /** Takes back a buffer from {@link #acquire} for reuse. */
    void release(AlignedBuffer buffer) {
        final int cls = classOf(buffer.capacity());
        if (free[cls] == null) {
            free[cls] = new ArrayDeque<>();
        }
        free[cls].push(buffer);
        setIdle(idle + buffer.capacity());
    }

    /**
     * Stops counting a buffer from {@link #acquire} that left the actor (a remote block reply, or memory
     * the kernel may still write after a failed stop): it is never reused.
     */
    void forget(AlignedBuffer buffer) {
        setHeld(held - buffer.capacity());
    }

    /** Drops free buffers until at most {@code keep} bytes are held, or none is free. */
    void dropIdleUntil(long keep) {
        for (int cls = CLASSES - 1; cls >= 0 && held > keep && idle > 0; cls--) {
            final ArrayDeque<AlignedBuffer> list = free[cls];
            while (list != null && !list.isEmpty() && held > keep) {
                final int size = list.pop().capacity();
                setHeld(held - size);
                setIdle(idle - size);
            }
        }
    }

    /** Bytes held, in use and free. */
    long held() {
        return held;
    }

    /** Bytes held by free buffers. */
    long idle() {
        return idle;
    }

    long limit() {
        return limit;
    }

    /** {@link #held}, read from another thread. */
    long heldNow() {
        return (long) HELD.getOpaque(this);
    }

    /** {@link #idle}, read from another thread. */
    long idleNow() {
        return (long) IDLE.getOpaque(this);
    }

    private void setHeld(long bytes) {
        HELD.setOpaque(this, bytes);
    }

    private void setIdle(long bytes) {
        IDLE.setOpaque(this, bytes);
    }

    private boolean hasFree(int cls) {
        return free[cls] != null && !free[cls].isEmpty();
    }

    private static int classOf(long size) {
        return 63 - Long.numberOfLeadingZeros(size);
    }
}
