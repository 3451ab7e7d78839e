package io.uringactor.ring;

import static io.uringactor.ring.IoUringConstants.*;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

import java.util.Map;

class IoUringLifecycleTest {

    @Test
    void setsUpMapsAndReportsFeatures() {
        try (IoUring ring = IoUring.open(64)) {
            assertEquals(64, ring.sq().entries());
            assertEquals(128, ring.cq().entries(), "the kernel's default CQ is twice the SQ");
            assertTrue(ring.hasFeature(IORING_FEAT_SINGLE_MMAP));
            assertTrue(ring.hasFeature(IORING_FEAT_NODROP));
            assertEquals(!AbsentFeatures.absent("SUBMIT_ALL"), (ring.setupFlags() & IORING_SETUP_SUBMIT_ALL) != 0,
                    "granted unless treated as absent: " + ring);
            assertEquals(!AbsentFeatures.absent("EXT_ARG"), ring.hasFeature(IORING_FEAT_EXT_ARG), ring.toString());
            assertTrue(ring.fd() >= 0);
        }
    }

    @Test
    void honoursCqSizeAndOptionalFlags() {
        final RingOptions options = RingOptions.create(8).withCqEntries(256)
                .withOptionalFlags(IORING_SETUP_CLAMP | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN);
        try (IoUring ring = IoUring.open(options)) {
            assertEquals(256, ring.cq().entries());
            assertTrue((ring.setupFlags() & IORING_SETUP_CQSIZE) != 0);
            assertEquals(!AbsentFeatures.absent("SINGLE_ISSUER"), (ring.setupFlags() & IORING_SETUP_SINGLE_ISSUER) != 0,
                    "kernel 6.x grants SINGLE_ISSUER unless it is treated as absent");
        }
    }

    @Test
    void nopCompletesWithItsUserData() {
        try (IoUring ring = IoUring.open(8)) {
            assertTrue(ring.sq().prepNop(0xCAFEBABE_12345678L));
            final Map<Long, Integer> results = Completions.submitAndReap(ring, 1);
            assertEquals(Map.of(0xCAFEBABE_12345678L, 0), results);
        }
    }

    @Test
    void fullSubmissionQueueRefusesAndLosesNothing() {
        try (IoUring ring = IoUring.open(RingOptions.create(8).withCqEntries(64))) {
            int prepared = 0;
            while (ring.sq().prepNop(prepared)) {
                prepared++;
            }
            assertEquals(8, prepared, "the 9th prep must see a full SQ");
            assertEquals(8, ring.submit());
            for (int i = 8; i < 16; i++) {
                assertTrue(ring.sq().prepNop(i));
            }
            final Map<Long, Integer> results = Completions.submitAndReap(ring, 16);
            assertEquals(16, results.size());
            for (long i = 0; i < 16; i++) {
                assertEquals(0, results.get(i));
            }
            assertEquals(0, ring.sq().dropped());
        }
    }

    @Test
    void oneEnterSubmitsAWholeBatch() {
        try (IoUring ring = IoUring.open(64)) {
            for (int i = 0; i < 64; i++) {
                ring.sq().prepNop(i);
            }
            final long before = ring.enterCalls();
            assertEquals(64, ring.submitAndWait(64));
            assertEquals(1, ring.enterCalls() - before);
            assertEquals(64, ring.cq().drain((u, r, f) -> { }));
        }
    }

    @Test
    void probeKnowsTheOpsThisLibraryUses() {
        try (IoUring ring = IoUring.open(4)) {
            final Probe probe = ring.probe();
            for (byte op : new byte[] {IORING_OP_NOP, IORING_OP_READ, IORING_OP_WRITE, IORING_OP_READV,
                IORING_OP_WRITEV, IORING_OP_READ_FIXED, IORING_OP_WRITE_FIXED, IORING_OP_FSYNC,
                IORING_OP_FALLOCATE, IORING_OP_STATX, IORING_OP_OPENAT, IORING_OP_OPENAT2, IORING_OP_CLOSE,
                IORING_OP_TIMEOUT, IORING_OP_LINK_TIMEOUT, IORING_OP_ASYNC_CANCEL, IORING_OP_SPLICE}) {
                assertTrue(probe.supports(op), IoUringConstants.opName(op) + " in " + probe);
            }
            assertFalse(probe.supports(250));
            assertTrue(probe.lastOp() >= IORING_OP_OPENAT2);
        }
    }

    @Test
    void closingTwiceIsHarmlessAndUseAfterCloseIsRefused() {
        final IoUring ring = IoUring.open(4);
        ring.close();
        ring.close();
        assertTrue(ring.isClosed());
        assertThrows(IllegalStateException.class, () -> ring.sq().prepNop(1));
        assertThrows(IllegalStateException.class, ring::submit);
        assertThrows(IllegalStateException.class, () -> ring.cq().drain((u, r, f) -> { }));
        assertThrows(IllegalStateException.class, ring::probe);
    }

    @Test
    void invalidOptionsAreRefusedBeforeTheKernel() {
        assertThrows(IllegalArgumentException.class, () -> RingOptions.create(0));
        assertThrows(IllegalArgumentException.class, () -> RingOptions.create(8).withCqEntries(-1));
    }

    @Test
    void unavailableRingsSayWhatToDo() {
        assertTrue(IoUringUnavailableException.fromSetupErrno(Errno.EPERM, 8).getMessage().contains("io_uring_disabled"));
        assertTrue(IoUringUnavailableException.fromSetupErrno(Errno.ENOSYS, 8).getMessage().contains("CONFIG_IO_URING"));
        assertTrue(IoUringUnavailableException.fromSetupErrno(Errno.ENOSYS, 8).getMessage().contains("qemu-user"),
                "where the aarch64 smoke test meets it: an emulator without io_uring");
        assertTrue(IoUringUnavailableException.fromSetupErrno(Errno.ENOMEM, 8).getMessage().contains("RLIMIT_MEMLOCK"));
        final ErrnoException cause = (ErrnoException) IoUringUnavailableException.fromSetupErrno(Errno.EPERM, 8).getCause();
        assertEquals("EPERM", cause.errnoName());
        assertEquals("io_uring_setup", cause.operation());
    }

    @Test
    void errnoNamesAreTheKernels() {
        assertEquals("ENOENT", Errno.name(2));
        assertEquals("ENOENT", Errno.name(-2));
        assertEquals("EBADF", Errno.name(Errno.EBADF));
        assertEquals("ECANCELED", Errno.name(125));
        assertEquals("E4242", Errno.name(4242));
        assertEquals(Errno.EXDEV, Errno.valueOf("EXDEV"));
        final ErrnoException e = new ErrnoException("read(fd=3)", -Errno.EBADF);
        assertEquals(Errno.EBADF, e.errno());
        assertEquals("read(fd=3): EBADF (Bad file descriptor)", e.getMessage());
    }

    /**
     * What a ring event loop relies on: with DEFER_TASKRUN and TASKRUN_FLAG a completion that finishes outside
     * the submitting call raises IORING_SQ_TASKRUN, so that a poll between tasks reads a flag instead of
     * entering the kernel, and processCompletions posts the CQE and clears the flag.
     */
    @Test
    void deferredCompletionWorkRaisesTheTaskrunFlag() throws InterruptedException {
        org.junit.jupiter.api.Assumptions.assumeFalse(AbsentFeatures.absent("DEFER_TASKRUN")
                || AbsentFeatures.absent("TASKRUN_FLAG"), "a kernel feature this run treats as absent");
        final RingOptions options = RingOptions.create(8).withOptionalFlags(IORING_SETUP_SINGLE_ISSUER
                | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG);
        try (IoUring ring = IoUring.open(options); EventFd wakeUp = EventFd.create()) {
            final int wanted = IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
            assertEquals(wanted, ring.setupFlags() & wanted, "kernel 6.1+ grants both: " + ring);
            final AlignedBuffer value = AlignedBuffer.allocate(8, 8);
            assertTrue(ring.sq().prepRead(wakeUp.fd(), value.address(), 8, 0, 42L));
            assertEquals(1, ring.submit());
            assertEquals(0, ring.sq().ringFlags() & IORING_SQ_TASKRUN, "nothing completed yet");
            wakeUp.signal();
            final long deadline = System.nanoTime() + 5_000_000_000L;
            while ((ring.sq().ringFlags() & IORING_SQ_TASKRUN) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertNotEquals(0, ring.sq().ringFlags() & IORING_SQ_TASKRUN, "the read's completion work waits");
            assertEquals(0, ring.cq().ready(), "and is not posted before the submitter asks for events");
            ring.processCompletions();
            assertEquals(1, ring.cq().ready());
            assertEquals(0, ring.sq().ringFlags() & IORING_SQ_TASKRUN, "running the work clears the flag");
        }
    }

    /** A registered ring fd serves its thread's enters; another thread still enters through the plain fd. */
    @Test
    void aRingFdRegisteredWithItsThreadSubmitsAndOtherThreadsStillWork() throws Exception {
        try (IoUring ring = IoUring.open(8)) {
            final boolean expected = !AbsentFeatures.absent("REGISTER_RING_FDS");
            assertEquals(expected, ring.registerRingFdWithThisThread(), "kernel 5.18+ registers ring fds, unless absent");
            assertEquals(expected, ring.registerRingFdWithThisThread(), "a second call on the same thread is a no-op");
            assertTrue(ring.sq().prepNop(1L));
            assertEquals(Map.of(1L, 0), Completions.submitAndReap(ring, 1), "through the registered index");
            final java.util.concurrent.CompletableFuture<Boolean> other = new java.util.concurrent.CompletableFuture<>();
            final Thread t = new Thread(() -> other.complete(ring.registerRingFdWithThisThread()));
            t.start();
            assertFalse(other.get(10, java.util.concurrent.TimeUnit.SECONDS), "one registering thread per ring (or none)");
            assertTrue(ring.sq().prepNop(2L));
            final Thread submitter = new Thread(() -> ring.submitAndWait(1));
            submitter.start();
            submitter.join(10_000);
            assertEquals(1, ring.cq().ready(), "a thread that did not register enters with the plain fd");
        }
    }

    /** Flags that change how the ring must be driven or laid out are refused before any setup, naming why. */
    @Test
    void setupFlagsTheRingDoesNotHandleAreRefused() {
        for (int flag : new int[] {IORING_SETUP_IOPOLL, IORING_SETUP_SQPOLL, IORING_SETUP_R_DISABLED,
                IORING_SETUP_SQE128, IORING_SETUP_CQE32, IORING_SETUP_NO_SQARRAY}) {
            final IllegalArgumentException required = assertThrows(IllegalArgumentException.class,
                    () -> RingOptions.create(8).withRequiredFlags(flag));
            assertTrue(required.getMessage().startsWith("setup flags this ring does not handle: IORING_SETUP_"),
                    required.getMessage());
            assertThrows(IllegalArgumentException.class, () -> RingOptions.create(8).withOptionalFlags(flag),
                    "an optional one too: the kernel would grant it");
        }
        final String both = assertThrows(IllegalArgumentException.class, () -> RingOptions.create(8)
                .withRequiredFlags(IORING_SETUP_SQPOLL | IORING_SETUP_CQE32)).getMessage();
        assertTrue(both.contains("SQPOLL") && both.contains("NEED_WAKEUP") && both.contains("CQE32"), both);
        // the flags the ring handles still work
        try (IoUring ring = IoUring.open(RingOptions.create(8).withOptionalFlags(IORING_SETUP_SINGLE_ISSUER
                | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_COOP_TASKRUN))) {
            assertTrue(ring.fd() >= 0);
        }
    }
}
