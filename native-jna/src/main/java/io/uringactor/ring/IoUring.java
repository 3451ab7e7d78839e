package io.uringactor.ring;

import static io.uringactor.ring.IoUringConstants.*;
import static io.uringactor.ring.RingLayout.*;

import com.sun.jna.Native;

import java.nio.ByteBuffer;

/**
 * One io_uring instance: its fd, the mapped {@link SubmissionQueue} and {@link CompletionQueue}, and the
 * three syscalls. Like liburing's {@code struct io_uring}.
 *
 * <p>Two engines serve it. {@link #open} sets up a ring in the kernel. {@link #openInUserSpace} makes one
 * whose kernel half runs in this process, with the positional syscalls each op stands for, on a few threads:
 * the same SQEs, the same CQEs with the same results and errno, for where io_uring is blocked (a seccomp
 * profile, {@code kernel.io_uring_disabled}, an old kernel, qemu-user). Its {@link #fd()} is -1 and it has
 * no registered buffers or files.
 *
 * <p>Threading: one thread prepares, submits and drains. Another thread may block in
 * {@link #waitCompletions(int)} at the same time (it only enters the kernel to sleep; it touches no
 * ring index). The per-op path ({@code sq().prep*}, {@code cq().drain}) makes no JNA call and takes no
 * lock; JNA is used once per syscall.
 */
public final class IoUring implements AutoCloseable {
    private final int ringFd;
    private final int setupFlags;
    private final int features;
    /** The SQ ring, the CQ ring and the SQE array, mapped from the ring fd. */
    private final RingMappings mappings;
    private final SubmissionQueue sq;
    private final CompletionQueue cq;
    private final boolean deferTaskrun;
    /** struct io_uring_getevents_arg, then the __kernel_timespec its ts field points at. */
    private final AlignedBuffer waitArgument = AlignedBuffer.allocate(GETEVENTS_ARG_SIZE + TIMESPEC_SIZE, Long.BYTES);
    /** The kernel half in this process, or {@code null} for a ring of the kernel's. */
    private final UserSpaceKernel userSpace;
    private volatile boolean closed;
    private long enterCalls;
    /** The thread whose registered ring fds hold this ring at {@link #registeredIndex}; {@code null} if none. */
    private Thread registeredThread;
    private int registeredIndex = -1;

    private IoUring(int ringFd, int setupFlags, ByteBuffer params) {
        this.ringFd = ringFd;
        this.setupFlags = setupFlags;
        this.deferTaskrun = (setupFlags & IORING_SETUP_DEFER_TASKRUN) != 0;
        waitArgument.byteBuffer().putLong(GETEVENTS_ARG_TS, waitArgument.address() + WAIT_TIMESPEC);
        this.features = AbsentFeatures.reportedFeatures(params.getInt(PARAMS_FEATURES));
        try {
            this.mappings = RingMappings.map(ringFd, params, (features & IORING_FEAT_SINGLE_MMAP) != 0);
        } catch (RuntimeException e) {
            LibC.close(ringFd);
            throw e;
        }
        this.sq = new SubmissionQueue(mappings.sqRing(), mappings.sqes(), params);
        this.cq = new CompletionQueue(mappings.cqRing(), params);
        this.userSpace = null;
    }

    private IoUring(UserSpaceKernel userSpace) {
        this.userSpace = userSpace;
        this.ringFd = -1;
        this.setupFlags = UserSpaceKernel.SETUP_FLAGS;
        this.deferTaskrun = true;
        waitArgument.byteBuffer().putLong(GETEVENTS_ARG_TS, waitArgument.address() + WAIT_TIMESPEC);
        this.features = AbsentFeatures.reportedFeatures(UserSpaceKernel.FEATURES);
        this.mappings = null;
        this.sq = new SubmissionQueue(userSpace.sqRing(), userSpace.sqes(), userSpace.params());
        this.cq = new CompletionQueue(userSpace.cqRing(), userSpace.params());
    }

    /** A ring with {@code entries} SQ slots and default options ({@link RingOptions#create}). */
    public static IoUring open(int entries) {
        return open(RingOptions.create(entries));
    }

    /**
     * Sets up a ring. Optional flags the kernel rejects are dropped, newest first, until setup succeeds.
     *
     * @throws IoUringUnavailableException when io_uring cannot be used here, saying why
     */
    public static IoUring open(RingOptions options) {
        final RingSetupCall.Ring ring = RingSetupCall.setUp(options);
        return new IoUring(ring.fd(), ring.flags(), ring.params());
    }

    /**
     * A ring whose kernel half runs in this process: each op runs the syscall it stands for, page-cache reads
     * and writes at once on the submitting thread, ops that may wait on up to {@code threads} worker threads
     * (made as needed, ended when idle). For where {@link #open} throws {@link IoUringUnavailableException}.
     *
     * @throws IoUringUnavailableException on a platform other than 64-bit Linux on x86_64 or aarch64
     */
    public static IoUring openInUserSpace(RingOptions options, int threads) {
        return new IoUring(UserSpaceKernel.create(options, threads));
    }

    /** Whether this ring's kernel half runs in this process ({@link #openInUserSpace}). */
    public boolean inUserSpace() {
        return userSpace != null;
    }

    /** The engine serving this ring, for logs and JMX: {@code "io_uring"} or {@code "fallback (N threads)"}. */
    public String engine() {
        return userSpace == null ? "io_uring" : "fallback (" + userSpace.threads() + " threads)";
    }

    /**
     * Ends a wait for completions under way in this ring, or the next one if none is (any thread): how a
     * thread that sleeps in a ring of {@link #openInUserSpace} is woken for other work. Rings of the kernel
     * are woken by a completion, e.g. of a read of an {@link EventFd}, instead.
     *
     * @throws UnsupportedOperationException on a ring of the kernel's
     */
    public void wakeUpWaiter() {
        if (userSpace == null) {
            throw new UnsupportedOperationException("a kernel ring is woken by a completion (an EventFd read)");
        }
        userSpace.wakeUpWaiter();
    }

    /** The submission queue: prepare SQEs here. */
    public SubmissionQueue sq() {
        return sq;
    }

    /** The completion queue: drain completions here. */
    public CompletionQueue cq() {
        return cq;
    }

    /** The ring's fd. */
    public int fd() {
        return ringFd;
    }

    /** The {@code IORING_SETUP_*} flags granted, including the optional ones the kernel accepted. */
    public int setupFlags() {
        return setupFlags;
    }

    /** The kernel's {@code IORING_FEAT_*} bits. */
    public int features() {
        return features;
    }

    /** Whether the kernel reports {@code feature} (an {@code IORING_FEAT_*} bit). */
    public boolean hasFeature(int feature) {
        return (features & feature) == feature;
    }

    /**
     * How many times {@link #submit} and {@link #submitAndWait} called {@code io_uring_enter}; waits from
     * {@link #waitCompletions} are not counted. Read it on the thread that submits.
     */
    public long enterCalls() {
        return enterCalls;
    }

    /**
     * Submits every prepared SQE with as few {@code io_uring_enter} calls as the kernel allows (one,
     * normally). Retries on {@code EINTR}. On {@code EAGAIN} or {@code EBUSY} (the kernel is short of
     * memory, or the CQ overflowed and completions must be reaped first) it returns early and the
     * unsubmitted SQEs stay queued for the next call: none is lost.
     *
     * @return the number of SQEs the kernel consumed
     */
    public int submit() {
        return submit(0, 0);
    }

    /**
     * Submits every prepared SQE and waits until at least {@code waitNr} completions are ready. Like
     * {@code io_uring_submit_and_wait}, it may return sooner if a signal interrupts the wait after SQEs
     * were submitted; check {@code cq().ready()}.
     *
     * @return the number of SQEs the kernel consumed
     */
    public int submitAndWait(int waitNr) {
        return submit(waitNr, IORING_ENTER_GETEVENTS);
    }

    /**
     * Enters the kernel to post completions without waiting for any. Needed with
     * {@code IORING_SETUP_DEFER_TASKRUN}, where completions that finish outside the submitting call are
     * posted only when the submitter asks for events.
     */
    public void processCompletions() {
        waitCompletions(0);
    }

    /**
     * Like {@link #submitAndWait(int)}, but gives up waiting after {@code timeoutNanos}
     * ({@code IORING_ENTER_EXT_ARG}, Linux 5.11+). Owner thread only: the argument memory is shared.
     * Without that feature it waits without a bound.
     *
     * @param timeoutNanos how long to wait for the completions, in nanoseconds
     * @return the number of SQEs the kernel consumed
     */
    public int submitAndWait(int waitNr, long timeoutNanos) {
        if (!hasFeature(IORING_FEAT_EXT_ARG)) {
            return submitAndWait(waitNr); // pre-5.11: wait without a bound
        }
        final ByteBuffer arg = waitArgument.byteBuffer();
        arg.putLong(WAIT_TIMESPEC, timeoutNanos / 1_000_000_000L);
        arg.putLong(WAIT_TIMESPEC + Long.BYTES, timeoutNanos % 1_000_000_000L);
        return submit(waitNr, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG);
    }

    private int submit(int waitNr, int enterFlags) {
        ensureOpen();
        if (deferTaskrun) {
            enterFlags |= IORING_ENTER_GETEVENTS; // run deferred completions with every submit, as liburing does
        }
        int submitted = 0;
        while (true) {
            final int toSubmit = sq.flush();
            if (toSubmit == 0 && waitNr == 0) {
                return submitted;
            }
            // An overflowed CQ (kept by the kernel under FEAT_NODROP) is flushed back only by GETEVENTS.
            final int flags = enterFlags | ((sq.ringFlags() & IORING_SQ_CQ_OVERFLOW) != 0 ? IORING_ENTER_GETEVENTS : 0);
            enterCalls++;
            final long r = (flags & IORING_ENTER_EXT_ARG) != 0
                    ? enter(toSubmit, waitNr, flags, waitArgument.address(), GETEVENTS_ARG_SIZE)
                    : enter(toSubmit, waitNr, flags, 0, 0);
            if (r >= 0) {
                submitted += (int) r;
                if (r == toSubmit || r == 0) {
                    return submitted;
                }
                waitNr = 0; // the wait ended with a partial submit: submit the rest, then return
                continue;
            }
            final int errno = (int) -r;
            if (errno == Errno.EINTR) {
                continue;
            }
            if (errno == Errno.EAGAIN || errno == Errno.EBUSY || errno == Errno.ETIME) {
                return submitted; // ETIME: the bounded wait ran out, after submitting everything
            }
            throw new ErrnoException("io_uring_enter(submit " + toSubmit + ")", errno);
        }
    }

    /**
     * Blocks in the kernel until at least {@code minComplete} completions are ready; submits nothing.
     * Safe to call from a second thread while the owner prepares and submits.
     */
    public void waitCompletions(int minComplete) {
        while (true) {
            ensureOpen();
            final long r = enter(0, minComplete, IORING_ENTER_GETEVENTS, 0, 0);
            if (r >= 0) {
                return;
            }
            final int errno = (int) -r;
            if (errno != Errno.EINTR && errno != Errno.EAGAIN && errno != Errno.EBUSY) {
                throw new ErrnoException("io_uring_enter(wait " + minComplete + ")", errno);
            }
        }
    }

    /**
     * Raw {@code io_uring_enter}: the result, or {@code -errno}. On the thread that registered the ring fd it
     * passes the registered index, which spares the kernel the fd-table lookup and reference count.
     */
    private long enter(int toSubmit, int minComplete, int flags, long arg, long argSize) {
        if (userSpace != null) {
            return userSpace.enter(toSubmit, minComplete, flags, arg);
        }
        final boolean registered = registeredThread == Thread.currentThread();
        final long r = LibC.syscall(LibC.SYS_IO_URING_ENTER, registered ? registeredIndex : ringFd, toSubmit,
                minComplete, registered ? flags | IORING_ENTER_REGISTERED_RING : flags, arg, argSize);
        return r >= 0 ? r : -Native.getLastError();
    }

    /**
     * Registers the ring's fd with the calling thread ({@code IORING_REGISTER_RING_FDS}, Linux 5.18+), so that
     * this thread's {@code io_uring_enter} calls skip the fd lookup; other threads keep using the plain fd.
     * For the ring's one submitting thread, before it submits. The registration holds the ring: close the
     * ring on this same thread, which releases it (else it lasts until the thread ends).
     *
     * @return whether the kernel took it ({@code false} on kernels without the feature)
     */
    public boolean registerRingFdWithThisThread() {
        ensureOpen();
        if (registeredThread != null) {
            return registeredThread == Thread.currentThread();
        }
        if (userSpace != null) {
            return false; // no fd to look up
        }
        if (AbsentFeatures.absent("REGISTER_RING_FDS")) {
            return false;
        }
        // struct io_uring_rsrc_update { __u32 offset; __u32 resv; __aligned_u64 data; }: offset -1 = any free slot.
        final AlignedBuffer update = AlignedBuffer.allocate(RSRC_UPDATE_SIZE, Long.BYTES);
        update.byteBuffer().putInt(0, -1).putLong(Long.BYTES, ringFd);
        final long r = LibC.syscall(LibC.SYS_IO_URING_REGISTER, ringFd, IORING_REGISTER_RING_FDS, update.address(), 1, 0, 0);
        java.lang.ref.Reference.reachabilityFence(update);
        if (r != 1) {
            return false;
        }
        registeredIndex = update.byteBuffer().getInt(0);
        registeredThread = Thread.currentThread();
        return true;
    }

    /** Releases this thread's registration of the ring fd, if it is the registering thread. */
    private void unregisterRingFd() {
        if (registeredThread != Thread.currentThread()) {
            return; // another thread's registration can only be released by it, or by its end
        }
        final AlignedBuffer update = AlignedBuffer.allocate(RSRC_UPDATE_SIZE, Long.BYTES);
        update.byteBuffer().putInt(0, registeredIndex);
        LibC.syscall(LibC.SYS_IO_URING_REGISTER, ringFd, IORING_UNREGISTER_RING_FDS, update.address(), 1, 0, 0);
        java.lang.ref.Reference.reachabilityFence(update);
        registeredThread = null;
        registeredIndex = -1;
    }

    /**
     * Registers buffers for {@code READ_FIXED}/{@code WRITE_FIXED}; buffer {@code i} gets index {@code i}.
     * The kernel pins their pages; keep the buffers reachable until {@link #unregisterBuffers()}.
     * The iovec array itself is only read during the call.
     *
     * @throws ErrnoException naming {@code IORING_REGISTER_BUFFERS}, e.g. {@code EBUSY} if buffers are already
     *                        registered or {@code ENOMEM} over {@code RLIMIT_MEMLOCK}
     */
    public void registerBuffers(AlignedBuffer... buffers) {
        final AlignedBuffer iovecs = AlignedBuffer.allocate(buffers.length * IOVEC_SIZE, Long.BYTES);
        for (int i = 0; i < buffers.length; i++) {
            iovecs.byteBuffer().putLong(i * IOVEC_SIZE, buffers[i].address());
            iovecs.byteBuffer().putLong(i * IOVEC_SIZE + Long.BYTES, buffers[i].capacity());
        }
        register(IORING_REGISTER_BUFFERS, iovecs, buffers.length, "IORING_REGISTER_BUFFERS");
    }

    /**
     * Unregisters every buffer {@link #registerBuffers} registered, unpinning their pages. Only after this
     * (or {@link #close()}) may those buffers become unreachable.
     *
     * @throws ErrnoException naming {@code IORING_UNREGISTER_BUFFERS}, e.g. {@code ENXIO} when none are registered
     */
    public void unregisterBuffers() {
        register(IORING_UNREGISTER_BUFFERS, null, 0, "IORING_UNREGISTER_BUFFERS");
    }

    /**
     * Registers fds for {@code IOSQE_FIXED_FILE}; fd {@code i} gets index {@code i}. The kernel takes its own
     * reference to each file, so closing an fd later does not invalidate its index.
     *
     * @throws ErrnoException naming {@code IORING_REGISTER_FILES}, e.g. {@code EBUSY} if files are already registered
     */
    public void registerFiles(int... fds) {
        final AlignedBuffer array = AlignedBuffer.allocate(fds.length * Integer.BYTES, Integer.BYTES);
        for (int i = 0; i < fds.length; i++) {
            array.byteBuffer().putInt(i * Integer.BYTES, fds[i]);
        }
        register(IORING_REGISTER_FILES, array, fds.length, "IORING_REGISTER_FILES");
    }

    /**
     * Unregisters every fd {@link #registerFiles} registered; the fds themselves stay open.
     *
     * @throws ErrnoException naming {@code IORING_UNREGISTER_FILES}, e.g. {@code ENXIO} when none are registered
     */
    public void unregisterFiles() {
        register(IORING_UNREGISTER_FILES, null, 0, "IORING_UNREGISTER_FILES");
    }

    /** Asks the kernel which ops it supports. */
    public Probe probe() {
        if (userSpace != null) {
            final boolean[] supported = new boolean[IORING_OP_LINK_TIMEOUT + 64];
            for (int op = 0; op < supported.length; op++) {
                supported[op] = PositionalSyscalls.runs(op) || op == IORING_OP_LINK_TIMEOUT || op == IORING_OP_ASYNC_CANCEL;
            }
            return new Probe(supported.length - 1, supported);
        }
        final AlignedBuffer probe = AlignedBuffer.allocate(PROBE_HEADER_SIZE + PROBE_MAX_OPS * PROBE_OP_SIZE, Long.BYTES);
        register(IORING_REGISTER_PROBE, probe, PROBE_MAX_OPS, "IORING_REGISTER_PROBE");
        final ByteBuffer b = probe.byteBuffer();
        final int lastOp = b.get(PROBE_LAST_OP) & 0xFF;
        final int opsLen = b.get(PROBE_OPS_LEN) & 0xFF;
        final boolean[] supported = new boolean[opsLen];
        for (int op = 0; op < opsLen; op++) {
            final int flags = b.getShort(PROBE_HEADER_SIZE + op * PROBE_OP_SIZE + PROBE_OP_FLAGS);
            supported[op] = (flags & IO_URING_OP_SUPPORTED) != 0;
        }
        return new Probe(lastOp, supported);
    }

    private void register(int opcode, AlignedBuffer arg, int nrArgs, String what) {
        ensureOpen();
        if (userSpace != null) {
            final int r = userSpace.register(opcode, arg == null ? 0 : arg.address(), nrArgs);
            java.lang.ref.Reference.reachabilityFence(arg);
            if (r < 0) {
                throw new ErrnoException("io_uring_register(" + what + ")", -r);
            }
            return;
        }
        while (true) {
            final long r = LibC.syscall(LibC.SYS_IO_URING_REGISTER, ringFd, opcode, arg == null ? 0 : arg.address(), nrArgs, 0, 0);
            final int errno = r < 0 ? Native.getLastError() : 0;
            // The kernel read arg's memory during the syscall; keep the buffer from being freed before it returns.
            java.lang.ref.Reference.reachabilityFence(arg);
            if (r >= 0) {
                return;
            }
            if (errno != Errno.EINTR) {
                throw new ErrnoException("io_uring_register(" + what + ")", errno);
            }
        }
    }

    /**
     * Unmaps the rings and closes the ring fd; the kernel cancels whatever is still in flight. Closing
     * twice is harmless. The caller must make sure no other thread is inside {@link #waitCompletions}.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (userSpace != null) {
            userSpace.close(); // waits for the syscalls still running: they write into memory the caller frees
            sq.close();
            cq.close();
            return;
        }
        unregisterRingFd();
        sq.close();
        cq.close();
        mappings.unmap();
        LibC.close(ringFd);
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the ring is closed");
        }
    }

    @Override
    public String toString() {
        return "IoUring[" + (userSpace != null ? userSpace + ", " : "") + "fd=" + ringFd + ", sq=" + sq.entries() + ", cq=" + cq.entries() + ", setupFlags=0x"
                + Integer.toHexString(setupFlags) + ", features=0x" + Integer.toHexString(features) + "]";
    }
}
