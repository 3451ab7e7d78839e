package io.uringactor.actor.internal;

import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.ring.AlignedBuffer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/** The budget of the ring's native memory: what it admits, reuses and drops. */
class NativeBufferPoolTest {
    private static final int MIB = 1 << 20;

    @Test
    void buffersArePowersOfTwoFromAPageAndPageAligned() {
        assertEquals(4096, NativeBufferPool.sizeFor(1));
        assertEquals(4096, NativeBufferPool.sizeFor(4096));
        assertEquals(8192, NativeBufferPool.sizeFor(4097));
        assertEquals(16 * MIB, NativeBufferPool.sizeFor(9 * MIB));
        final AlignedBuffer b = new NativeBufferPool(MIB).acquire(100);
        assertEquals(4096, b.capacity());
        assertEquals(0, b.address() % 4096);
    }

    @Test
    void admitsOnlyWhatTheBudgetHolds() {
        final NativeBufferPool pool = new NativeBufferPool(4 * MIB);
        final List<AlignedBuffer> busy = new ArrayList<>();
        while (pool.fits(MIB)) {
            busy.add(pool.acquire(MIB));
            assertTrue(pool.held() <= pool.limit(), "held " + pool.held());
        }
        assertEquals(4, busy.size());
        assertFalse(pool.fits(1), "not even a page beyond the budget");
        assertTrue(pool.fits(0), "a request without a buffer is never held back");
        pool.release(busy.remove(0));
        assertTrue(pool.fits(MIB), "a released buffer can be reused");
        assertTrue(pool.fits(4096), "or dropped to make room for another size");
        final AlignedBuffer page = pool.acquire(4096);
        assertEquals(4096, page.capacity());
        assertTrue(pool.held() <= pool.limit(), "the free MiB was dropped first: held " + pool.held());
        assertEquals(0, pool.idle());
    }

    @Test
    void reusesReleasedBuffersWithoutAllocating() {
        final NativeBufferPool pool = new NativeBufferPool(4 * MIB);
        final AlignedBuffer first = pool.acquire(64 * 1024);
        pool.release(first);
        assertSame(first, pool.acquire(60 * 1024));
        assertEquals(64 * 1024, pool.held());
    }

    @Test
    void forgottenBuffersLeaveTheBooksAndIdleOnesCanBeTrimmed() {
        final NativeBufferPool pool = new NativeBufferPool(8 * MIB);
        final AlignedBuffer out = pool.acquire(MIB);
        pool.forget(out);
        assertEquals(0, pool.held());
        for (int i = 0; i < 4; i++) {
            pool.release(pool.acquire(MIB + i)); // 2 MiB each, but reused: one buffer
        }
        pool.release(pool.acquire(MIB));
        assertEquals(3 * MIB, pool.held());
        pool.dropIdleUntil(0);
        assertEquals(0, pool.held());
        assertEquals(0, pool.idle());
        assertFalse(pool.canEverFit(9 * MIB));
        assertTrue(pool.canEverFit(8 * MIB));
    }
}
