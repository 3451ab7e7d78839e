package io.uringactor.ring;

import static io.uringactor.ring.IoUringConstants.*;
import static io.uringactor.ring.RingTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What only the user-space engine ({@link IoUring#openInUserSpace}) has to show: how a waiting thread is woken,
 * that reads which miss the page cache (and O_DIRECT ones, which never use it) go the worker way and still
 * match the file, and link semantics checked side by side with the kernel's ring on the same SQEs. The ring's
 * op tests (RingReadWriteTest, RingFileOpsTest, ...) also run on it, in the pom's user-space-engine run.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class UserSpaceKernelTest {
    private static final int POSIX_FADV_DONTNEED = 4;

    @TempDir
    Path dir;

    private final RingTestSupport fds = new RingTestSupport();
    private final Random random = new Random(0x5EED_0F0BL);

    @AfterEach
    void tearDown() {
        fds.close();
    }

    @Test
    void itNamesItsEngineAndHasNoRingFd() {
        try (IoUring ring = IoUring.openInUserSpace(RingOptions.create(8), 3)) {
            assertTrue(ring.inUserSpace());
            assertEquals("fallback (3 threads)", ring.engine());
            assertEquals(-1, ring.fd());
            assertFalse(ring.registerRingFdWithThisThread(), "no fd to register");
        }
        try (IoUring kernel = IoUring.open(8)) {
            assertFalse(kernel.inUserSpace());
            assertEquals("io_uring", kernel.engine());
            assertThrows(UnsupportedOperationException.class, kernel::wakeUpWaiter, "a kernel ring is woken by a CQE");
        }
    }

    @Test
    void aWakeUpEndsAWaitWithNothingCompletedAndIsKeptWhenNobodyWaitsYet() throws Exception {
        try (IoUring ring = IoUring.openInUserSpace(RingOptions.create(8), 1)) {
            ring.wakeUpWaiter(); // before the wait: the wait must not sleep
            ring.submitAndWait(1);
            assertEquals(0, ring.cq().ready());

            final CompletableFuture<Integer> waited = new CompletableFuture<>();
            final Thread waiter = new Thread(() -> {
                ring.submitAndWait(1);
                waited.complete(ring.cq().ready());
            }, "waiter");
            waiter.start();
            while (waiter.getState() != Thread.State.WAITING) { // parked in the wait
                assertTrue(waiter.isAlive(), "the waiter returned without a wake-up");
                Thread.sleep(1);
            }
            assertFalse(waited.isDone());
            ring.wakeUpWaiter();
            assertEquals(0, waited.get(10, TimeUnit.SECONDS), "woken with no completion");
        }
    }

    @Test
    void aBoundedWaitWithNothingInFlightEndsAtItsTimeout() {
        try (IoUring ring = IoUring.openInUserSpace(RingOptions.create(8), 1)) {
            org.junit.jupiter.api.Assumptions.assumeTrue(ring.hasFeature(IoUringConstants.IORING_FEAT_EXT_ARG),
                    "bounded waits are reported absent in this run");
            final long start = System.nanoTime();
            assertEquals(0, ring.submitAndWait(1, TimeUnit.MILLISECONDS.toNanos(20)));
            final long waited = System.nanoTime() - start;
            assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(20), "the wait ended early: " + waited + " ns");
            assertEquals(0, ring.cq().ready());
        }
    }

    @Test
    void readsThatMissThePageCacheAndODirectReadsMatchTheFile() throws IOException {
        final byte[] content = randomBytes(random, 4 << 20);
        final Path file = dir.resolve("cold.bin");
        Files.write(file, content);
        channelWrite(file, 0, content); // forced to the disk, so the cache can be dropped
        try (IoUring ring = IoUring.openInUserSpace(RingOptions.create(64), 4)) {
            final int buffered = fds.open(file, O_RDONLY);
            final int direct = fds.open(file, O_RDONLY | O_DIRECT);
            assertTrue(ring.sq().prep(IORING_OP_FADVISE, 0, buffered, 0, 0, 0, POSIX_FADV_DONTNEED, 99, 0, 0));
            assertEquals(0, Completions.single(ring), "the cached pages dropped");
            final AlignedBuffer buffers = AlignedBuffer.allocate(32 * 4096, 4096);
            final long[] offsets = new long[32];
            for (int i = 0; i < 32; i++) {
                offsets[i] = (long) random.nextInt(content.length / 4096) * 4096;
                assertTrue(ring.sq().prepRead(i % 2 == 0 ? buffered : direct, buffers.address(i * 4096), 4096, offsets[i], i));
            }
            final Map<Long, Integer> results = Completions.submitAndReap(ring, 32);
            for (int i = 0; i < 32; i++) {
                assertEquals(4096, results.get((long) i), "read " + i);
                assertArrayEquals(slice(content, (int) offsets[i], 4096), bytes(buffers, i * 4096, 4096),
                        "read " + i + " at " + offsets[i]);
            }
            keepAlive(buffers);
        }
    }

    /**
     * A chain whose first read comes up short (at the end of the file) breaks: the linked write is cancelled;
     * a hard link does not break. The same SQEs on the kernel's ring give the same results.
     */
    @Test
    void linksBreakOnAShortReadAsTheKernelsDo() throws IOException {
        final Path source = dir.resolve("short.bin");
        Files.write(source, randomBytes(random, 1000));
        final Map<Long, Integer> kernel = shortReadChains(IoUring.open(16), source, dir.resolve("k.out"));
        final Map<Long, Integer> userSpace = shortReadChains(IoUring.openInUserSpace(RingOptions.create(16), 2), source,
                dir.resolve("u.out"));
        assertEquals(Map.of(1L, 200, 2L, -Errno.ECANCELED, 3L, 200, 4L, 512), kernel, "the kernel's own answer");
        assertEquals(kernel, userSpace);
    }

    private Map<Long, Integer> shortReadChains(IoUring ring, Path source, Path target) throws IOException {
        try (ring) {
            final int in = fds.open(source, O_RDONLY);
            Files.write(target, new byte[0]);
            final int out = fds.open(target, O_WRONLY);
            final AlignedBuffer buffer = AlignedBuffer.allocate(512, 4096);
            assertTrue(ring.sq().prepRead(in, buffer.address(), 512, 800, 1)); // 200 of 512: short
            ring.sq().setLastFlags(IOSQE_IO_LINK);
            assertTrue(ring.sq().prepWrite(out, buffer.address(), 512, 0, 2));
            assertTrue(ring.sq().prepRead(in, buffer.address(), 512, 800, 3));
            ring.sq().setLastFlags(IOSQE_IO_HARDLINK);
            assertTrue(ring.sq().prepWrite(out, buffer.address(), 512, 0, 4));
            final Map<Long, Integer> results = Completions.submitAndReap(ring, 4);
            keepAlive(buffer);
            return results;
        }
    }
}
