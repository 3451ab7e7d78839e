package io.uringactor.ring;

import static io.uringactor.ring.IoUringConstants.*;
import static io.uringactor.ring.RingLayout.*;

import com.sun.jna.Pointer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The kernel's half of a ring, done in user space: the engine that serves a ring where io_uring cannot be
 * used (a seccomp profile, {@code kernel.io_uring_disabled}, an old kernel, gVisor, qemu-user). Its SQ ring,
 * CQ ring and SQE array are plain memory laid out as the kernel lays them out, so {@link SubmissionQueue}
 * and {@link CompletionQueue} work on it unchanged, and every op gets the CQE the kernel would post: the
 * same results and the same errno for the same causes, because the same syscalls run.
 *
 * <p>How an op runs, as io_uring runs it: a read or write of a file's page cache is tried at once on the
 * submitting thread without waiting for the disk ({@code RWF_NOWAIT}; a cached read completes inside the
 * submit, as with io_uring); anything that may wait (a disk read, O_DIRECT, an open, a statx, an fsync, a
 * splice, a link chain) runs on one of a few worker threads with the positional syscall; a read or write
 * of a pipe, FIFO or eventfd is polled until ready. Completions are posted to the CQ by the submitting thread
 * when it enters ({@code DEFER_TASKRUN}); a worker that finished raises {@code IORING_SQ_TASKRUN} and wakes
 * the submitter if it waits. Linked timeouts cancel an op that has not started, or a wait for a pollable
 * file; a running syscall on a regular file cannot be cancelled, as in the kernel ({@code -EALREADY}).
 *
 * <p>Threads: one submitting thread (the ring's owner) consumes SQEs, posts CQEs and waits; workers, pollers
 * and the timer hand finished chains over through a concurrent queue. Idle, it has no thread running: the
 * workers end after {@value #IDLE_SECONDS} s without work.
 */
final class UserSpaceKernel {
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int IDLE_SECONDS = 10;
    /** The largest read or write the owner runs itself rather than sleep ({@link #help}). */
    private static final long HELP_MAX_BYTES = 256 << 10;
    /** How long {@link #close()} waits for syscalls still running on the workers. */
    private static final long CLOSE_WAIT_SECONDS = 30;
    private static final AtomicInteger RINGS = new AtomicInteger();

    // The rings' layout, chosen here as the kernel chooses its own and reported in the params.
    private static final int SQ_HEAD = 0;
    private static final int SQ_TAIL = 4;
    private static final int SQ_RING_MASK = 8;
    private static final int SQ_RING_ENTRIES = 12;
    private static final int SQ_FLAGS = 16;
    private static final int SQ_DROPPED = 20;
    private static final int SQ_ARRAY = 64;
    private static final int CQ_HEAD = 0;
    private static final int CQ_TAIL = 4;
    private static final int CQ_RING_MASK = 8;
    private static final int CQ_RING_ENTRIES = 12;
    private static final int CQ_OVERFLOW = 16;
    private static final int CQ_CQES = 64;

    /** The setup flags it behaves as: completions are posted when the owner enters, which a flag announces. */
    static final int SETUP_FLAGS = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
    static final int FEATURES = IORING_FEAT_NODROP | IORING_FEAT_EXT_ARG;

    /** One timer thread for every such ring's linked timeouts; it ends when no timeout is armed for a while. */
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private final ByteBuffer params = ByteBuffer.allocateDirect(PARAMS_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    private final AlignedBuffer sqRing;
    private final AlignedBuffer cqRing;
    private final AlignedBuffer sqes;
    private final int sqMask;
    private final int cqMask;
    private final int cqEntries;
    private final int threads;
    private final String name;

    private final ThreadPoolExecutor workers;
    /** Threads that wait for pollable files, made as needed (at most one per such op in flight). */
    private volatile ThreadPoolExecutor pollers;
    /** Chains finished off the owner thread, waiting to be posted. */
    private final ConcurrentLinkedQueue<UserSpaceOp> finished = new ConcurrentLinkedQueue<>();
    /** Chains finished and not yet posted for want of CQ room (owner only). */
    private final ArrayDeque<UserSpaceOp> unposted = new ArrayDeque<>();
    /** Ops handed to other threads, by user_data, for a cancel to find; until their CQEs are posted. */
    private final Map<Long, UserSpaceOp> started = new ConcurrentHashMap<>();
    private final FileKinds kinds = new FileKinds();
    /** Registered buffers as {start, end} addresses, or {@code null}; registered files (our duplicates), or {@code null}. */
    private long[][] buffers;
    private int[] files;
    /** Standalone TIMEOUTs with a count, ending after that many completions (owner only). */
    private final ArrayDeque<UserSpaceOp> countedTimeouts = new ArrayDeque<>();

    private volatile Thread waiter;
    private volatile boolean waiting;
    private volatile boolean wakeRequested;
    private volatile boolean closed;

    private UserSpaceKernel(int sqEntries, int cqEntries, int threads) {
        this.sqMask = sqEntries - 1;
        this.cqMask = cqEntries - 1;
        this.cqEntries = cqEntries;
        this.threads = threads;
        this.name = "io-uring-fallback-" + RINGS.incrementAndGet();
        sqRing = AlignedBuffer.allocate(SQ_ARRAY + sqEntries * Integer.BYTES, 64);
        cqRing = AlignedBuffer.allocate(CQ_CQES + cqEntries * CQE_SIZE, 64);
        sqes = AlignedBuffer.allocate(sqEntries * SQE_SIZE, 64);
        sqRing.byteBuffer().putInt(SQ_RING_MASK, sqMask).putInt(SQ_RING_ENTRIES, sqEntries);
        cqRing.byteBuffer().putInt(CQ_RING_MASK, cqMask).putInt(CQ_RING_ENTRIES, cqEntries);
        params.putInt(PARAMS_SQ_ENTRIES, sqEntries).putInt(PARAMS_CQ_ENTRIES, cqEntries)
                .putInt(PARAMS_FLAGS, SETUP_FLAGS).putInt(PARAMS_FEATURES, FEATURES);
        params.putInt(PARAMS_SQ_OFF + SQ_OFF_HEAD, SQ_HEAD).putInt(PARAMS_SQ_OFF + SQ_OFF_TAIL, SQ_TAIL)
                .putInt(PARAMS_SQ_OFF + SQ_OFF_RING_MASK, SQ_RING_MASK)
                .putInt(PARAMS_SQ_OFF + SQ_OFF_RING_ENTRIES, SQ_RING_ENTRIES)
                .putInt(PARAMS_SQ_OFF + SQ_OFF_FLAGS, SQ_FLAGS).putInt(PARAMS_SQ_OFF + SQ_OFF_DROPPED, SQ_DROPPED)
                .putInt(PARAMS_SQ_OFF + SQ_OFF_ARRAY, SQ_ARRAY);
        params.putInt(PARAMS_CQ_OFF + CQ_OFF_HEAD, CQ_HEAD).putInt(PARAMS_CQ_OFF + CQ_OFF_TAIL, CQ_TAIL)
                .putInt(PARAMS_CQ_OFF + CQ_OFF_RING_MASK, CQ_RING_MASK)
                .putInt(PARAMS_CQ_OFF + CQ_OFF_RING_ENTRIES, CQ_RING_ENTRIES)
                .putInt(PARAMS_CQ_OFF + CQ_OFF_OVERFLOW, CQ_OVERFLOW).putInt(PARAMS_CQ_OFF + CQ_OFF_CQES, CQ_CQES);
        workers = new ThreadPoolExecutor(threads, threads, IDLE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemons(name + "-worker-"));
        workers.allowCoreThreadTimeOut(true);
    }

    /**
     * A ring of {@code options}' sizes (rounded up to powers of two, as the kernel rounds them) whose ops that
     * may wait run on up to {@code threads} worker threads.
     */
    static UserSpaceKernel create(RingOptions options, int threads) {
        LibC.requireSupportedPlatform();
        if (threads < 1) {
            throw new IllegalArgumentException("threads=" + threads + " must be at least 1");
        }
        final int sq = powerOfTwoAtLeast(options.entries());
        final int cq = powerOfTwoAtLeast(options.cqEntries() > 0 ? Math.max(options.cqEntries(), sq) : 2 * sq);
        return new UserSpaceKernel(sq, cq, threads);
    }

    ByteBuffer params() {
        return params;
    }

    ByteBuffer sqRing() {
        return sqRing.byteBuffer();
    }

    ByteBuffer cqRing() {
        return cqRing.byteBuffer();
    }

    ByteBuffer sqes() {
        return sqes.byteBuffer();
    }

    int threads() {
        return threads;
    }

    // ---------------------------------------------------------------- io_uring_enter

    /**
     * What {@code io_uring_enter(toSubmit, minComplete, flags, arg)} does: takes up to {@code toSubmit} SQEs,
     * posts what has completed and, with {@code GETEVENTS}, waits until {@code minComplete} CQEs are ready, the
     * bounded wait of {@code EXT_ARG} runs out ({@code -ETIME}) or {@link #wakeUpWaiter()} ends it.
     *
     * @return the number of SQEs taken, or {@code -errno}
     */
    long enter(int toSubmit, int minComplete, int flags, long arg) {
        if (closed) {
            return -Errno.EBADF;
        }
        final int submitted = toSubmit > 0 ? submit(toSubmit) : 0;
        post();
        if ((flags & IORING_ENTER_GETEVENTS) != 0 && minComplete > 0) {
            final long deadline = (flags & IORING_ENTER_EXT_ARG) != 0 ? System.nanoTime() + timeoutOf(arg) : 0;
            if (!await(minComplete, deadline) && submitted == 0) {
                return -Errno.ETIME;
            }
        }
        return submitted;
    }

    /** Ends a wait in {@link #enter}, or the next one if none is under way; any thread. */
    void wakeUpWaiter() {
        wakeRequested = true;
        final Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    private boolean await(int minComplete, long deadline) {
        waiter = Thread.currentThread();
        try {
            while (readyCqes() < minComplete) {
                if (wakeRequested) {
                    wakeRequested = false;
                    return true;
                }
                if (finished.isEmpty() && help()) {
                    post();
                    continue;
                }
                // Dekker with finish(): a worker offers, then reads waiting; this writes waiting, then polls.
                waiting = true;
                if (finished.isEmpty() && !wakeRequested) {
                    if (deadline == 0) {
                        LockSupport.park(this);
                    } else {
                        final long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            return false;
                        }
                        LockSupport.parkNanos(this, left);
                    }
                }
                waiting = false;
                if (closed) {
                    return true;
                }
                post();
            }
            return true;
        } finally {
            waiting = false;
        }
    }

    private int readyCqes() {
        final ByteBuffer cq = cqRing.byteBuffer();
        return (int) INT.getVolatile(cq, CQ_TAIL) - (int) INT.getAcquire(cq, CQ_HEAD);
    }

    private static long timeoutOf(long getEventsArg) {
        final Pointer timespec = new Pointer(new Pointer(getEventsArg).getLong(GETEVENTS_ARG_TS));
        return timespec.getLong(0) * 1_000_000_000L + timespec.getLong(Long.BYTES);
    }

    // ---------------------------------------------------------------- submission

    /** Takes the SQEs between the SQ's head and its tail (at most {@code max}) and starts their chains. */
    private int submit(int max) {
        final ByteBuffer ring = sqRing.byteBuffer();
        final ByteBuffer array = ring;
        final int head = (int) INT.get(ring, SQ_HEAD);
        // Load-acquire of the tail pairs with the SubmissionQueue's store-release after it wrote the SQEs.
        final int tail = (int) INT.getAcquire(ring, SQ_TAIL);
        final int n = Math.min(max, tail - head);
        UserSpaceOp chain = null;
        UserSpaceOp last = null;
        boolean linking = false;
        for (int i = 0; i < n; i++) {
            final int index = array.getInt(SQ_ARRAY + ((head + i) & sqMask) * Integer.BYTES) & sqMask;
            final UserSpaceOp op = UserSpaceOp.read(sqes.byteBuffer(), index * SQE_SIZE);
            if ((op.sqeFlags & IOSQE_FIXED_FILE) != 0) {
                op.fd = files != null && op.fd >= 0 && op.fd < files.length ? files[op.fd] : -1; // -1: EBADF
            }
            if (op.opcode == IORING_OP_LINK_TIMEOUT) {
                if (last == null || last.hasTimeout()) {
                    completeHere(op, -Errno.EINVAL); // a timeout linked to nothing, as the kernel refuses it
                    continue;
                }
                last.timeoutNanos = timespecNanos(op.addr);
                last.timeoutUserData = op.userData;
            } else if (chain == null) {
                chain = op;
                last = op;
            } else {
                op.head = chain;
                last.next = op;
                last = op;
            }
            linking = (op.sqeFlags & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK)) != 0;
            if (!linking && chain != null) {
                start(chain);
                chain = null;
                last = null;
            }
        }
        if (chain != null) {
            start(chain); // a link that the submission ends, as the kernel ends it
        }
        // Store-release of the head pairs with the SubmissionQueue's load-acquire before it reuses slots.
        INT.setRelease(ring, SQ_HEAD, head + n);
        return n;
    }

    private static long timespecNanos(long address) {
        final Pointer timespec = new Pointer(address);
        return timespec.getLong(0) * 1_000_000_000L + timespec.getLong(Long.BYTES);
    }

    private void start(UserSpaceOp head) {
        if (head.next != null) {
            startElsewhere(head, workers());
            return;
        }
        switch (head.opcode) {
            case IORING_OP_ASYNC_CANCEL:
                completeHere(head, cancel(head.addr));
                return;
            case IORING_OP_NOP:
                completeHere(head, 0);
                return;
            case IORING_OP_CLOSE:
                kinds.forget(head.fd);
                completeHere(head, PositionalSyscalls.run(head)); // close(2) does not wait for the disk
                return;
            case IORING_OP_TIMEOUT:
                startTimeout(head);
                return;
            case IORING_OP_READ_FIXED:
            case IORING_OP_WRITE_FIXED:
                if (!inRegisteredBuffer(head)) {
                    completeHere(head, -Errno.EFAULT);
                    return;
                }
                startReadOrWrite(head);
                return;
            case IORING_OP_READ:
            case IORING_OP_WRITE:
            case IORING_OP_READV:
            case IORING_OP_WRITEV:
                startReadOrWrite(head);
                return;
            default:
                if (!PositionalSyscalls.runs(head.opcode)) {
                    completeHere(head, -Errno.EINVAL);
                    return;
                }
                startElsewhere(head, workers());
        }
    }

    private boolean inRegisteredBuffer(UserSpaceOp op) {
        if (buffers == null || op.bufIndex >= buffers.length) {
            return false;
        }
        final long[] buffer = buffers[op.bufIndex];
        return op.addr >= buffer[0] && op.addr + (op.len & 0xFFFFFFFFL) <= buffer[1];
    }

    /** A standalone timeout: {@code -ETIME} when it expires, 0 after {@code off} other completions if set. */
    private void startTimeout(UserSpaceOp op) {
        op.completionsLeft = op.off;
        if (op.completionsLeft > 0) {
            countedTimeouts.add(op);
        }
        started.put(op.userData, op);
        try {
            op.timer = TIMER.schedule(() -> {
                if (op.move(UserSpaceOp.QUEUED, UserSpaceOp.CANCELLED)) {
                    op.res = -Errno.ETIME;
                    finish(op);
                }
            }, timespecNanos(op.addr), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            completeHere(op, -Errno.ECANCELED);
        }
    }

    /** Counts {@code n} completions posted against the counted timeouts; ends those whose count is reached. */
    private void countCompletions(int n) {
        for (java.util.Iterator<UserSpaceOp> it = countedTimeouts.iterator(); it.hasNext(); ) {
            final UserSpaceOp timeout = it.next();
            if (timeout.isCancelled()) {
                it.remove();
            } else if ((timeout.completionsLeft -= n) <= 0) {
                it.remove();
                if (timeout.move(UserSpaceOp.QUEUED, UserSpaceOp.CANCELLED)) {
                    timeout.timer.cancel(false);
                    completeHere(timeout, 0);
                }
            }
        }
    }

    /**
     * {@code io_uring_register} of buffers or files ({@code arg} and {@code count} as the kernel takes them):
     * 0 or {@code -errno}, the kernel's for the same misuse. Owner thread, between submissions.
     */
    int register(int opcode, long arg, int count) {
        switch (opcode) {
            case IORING_REGISTER_BUFFERS: {
                if (buffers != null) {
                    return -Errno.EBUSY;
                }
                final long[][] registered = new long[count][];
                final Pointer iovecs = new Pointer(arg);
                for (int i = 0; i < count; i++) {
                    final long base = iovecs.getLong((long) i * IOVEC_SIZE);
                    registered[i] = new long[] {base, base + iovecs.getLong((long) i * IOVEC_SIZE + Long.BYTES)};
                }
                buffers = registered;
                return 0;
            }
            case IORING_UNREGISTER_BUFFERS:
                if (buffers == null) {
                    return -Errno.ENXIO;
                }
                buffers = null;
                return 0;
            case IORING_REGISTER_FILES: {
                if (files != null) {
                    return -Errno.EBUSY;
                }
                final int[] table = new int[count];
                final Pointer fds = new Pointer(arg);
                for (int i = 0; i < count; i++) {
                    final int fd = fds.getInt((long) i * Integer.BYTES);
                    // The kernel takes its own reference to each file: a duplicate, closed at unregistration.
                    table[i] = fd == -1 ? -1 : LibC.fcntl(fd, FileDescriptors.F_DUPFD_CLOEXEC, 0);
                    if (table[i] < 0 && fd != -1) {
                        final int errno = com.sun.jna.Native.getLastError();
                        closeAll(table, i);
                        return -errno;
                    }
                }
                files = table;
                return 0;
            }
            case IORING_UNREGISTER_FILES:
                if (files == null) {
                    return -Errno.ENXIO;
                }
                closeAll(files, files.length);
                files = null;
                return 0;
            default:
                return -Errno.EINVAL;
        }
    }

    private static void closeAll(int[] fds, int n) {
        for (int i = 0; i < n; i++) {
            if (fds[i] >= 0) {
                LibC.close(fds[i]);
            }
        }
    }

    private void startReadOrWrite(UserSpaceOp op) {
        byte kind = kinds.of(op.fd);
        final boolean write = PositionalSyscalls.isWrite(op.opcode);
        if ((op.sqeFlags & IOSQE_ASYNC) == 0 && (kind == FileKinds.PAGE_CACHE || (kind == FileKinds.PAGE_CACHE_READS && !write))) {
            final int r = PositionalSyscalls.tryWithoutWaiting(op);
            if (r == -Errno.EOPNOTSUPP) {
                kinds.set(op.fd, write ? FileKinds.PAGE_CACHE_READS : FileKinds.WAITS);
            } else if (r == -Errno.EAGAIN) {
                kind = kinds.relearn(op.fd); // not cached; or a number reused by a pipe since it was learnt
            } else if (write || r < 0 || r >= PositionalSyscalls.requested(op)) {
                completeHere(op, r); // a short write is the caller's to continue, as with io_uring
                return;
            }
            // a short read: the rest may be on the disk; the worker reads the whole range again
        }
        if (kind == FileKinds.POLLABLE) {
            op.pollable = true;
            startElsewhere(op, pollers());
        } else {
            startElsewhere(op, workers());
        }
    }

    /** Hands a chain to {@code executor}; its linked timeout (on the head) runs from now. */
    private void startElsewhere(UserSpaceOp head, ExecutorService executor) {
        for (UserSpaceOp op = head; op != null; op = op.next) {
            started.put(op.userData, op);
        }
        if (head.hasTimeout()) {
            arm(head);
        }
        try {
            executor.execute(new Chain(head));
        } catch (RejectedExecutionException e) { // closed meanwhile
            if (head.move(UserSpaceOp.QUEUED, UserSpaceOp.CANCELLED)) {
                cancelChain(head, -Errno.ECANCELED);
                finish(head);
            }
        }
    }

    /** A chain handed to a worker or a poller; the owner may run one itself rather than sleep ({@link #help}). */
    private final class Chain implements Runnable {
        final UserSpaceOp head;

        Chain(UserSpaceOp head) {
            this.head = head;
        }

        @Override
        public void run() {
            UserSpaceKernel.this.run(head);
        }
    }

    /**
     * Runs a read or write that waits in the workers' queue on this (the owner's) thread, instead of sleeping
     * while a worker is woken for it and then wakes this thread: with nothing else to do, that spares both
     * wake-ups (tens of microseconds each, the most of an O_DIRECT read's time at queue depth 1 beside the
     * syscall). Only a read or write of at most {@value #HELP_MAX_BYTES} bytes is taken, never an open, fsync,
     * copy or a large transfer, so what the owner may be kept from new work by is one small read or write;
     * whether anything waits is a memory read. Returns whether it ran one.
     */
    private boolean help() {
        final java.util.concurrent.BlockingQueue<Runnable> queue = workers.getQueue();
        final Runnable next = queue.peek();
        if (next instanceof Chain && ((Chain) next).head.next == null
                && PositionalSyscalls.isReadOrWrite(((Chain) next).head.opcode)
                && PositionalSyscalls.requested(((Chain) next).head) <= HELP_MAX_BYTES && queue.remove(next)) {
            next.run();
            return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- off the owner thread

    /** Runs a chain on a worker or poller: each op in turn, the rest cancelled once a link breaks. */
    private void run(UserSpaceOp head) {
        if (!head.move(UserSpaceOp.QUEUED, UserSpaceOp.RUNNING)) {
            return; // taken back before it started by a timeout or a cancel, which posted it
        }
        boolean broken = false;
        for (UserSpaceOp op = head; op != null; op = op.next) {
            if (op != head && (broken || !op.move(UserSpaceOp.QUEUED, UserSpaceOp.RUNNING))) {
                op.res = -Errno.ECANCELED;
                op.timeoutRes = -Errno.ECANCELED;
            } else {
                if (op != head && op.hasTimeout()) {
                    arm(op); // a linked op's timeout runs from when the op is issued
                }
                op.res = op.pollable ? PositionalSyscalls.runWhenReady(op) : PositionalSyscalls.run(op);
                if (op.timer != null) {
                    op.timer.cancel(false);
                }
                op.timeoutRes = !op.timeoutFired ? -Errno.ECANCELED
                        : op.res == -Errno.ECANCELED ? -Errno.ETIME : -Errno.EALREADY;
            }
            broken |= (op.sqeFlags & IOSQE_IO_LINK) != 0 && breaksLink(op);
        }
        finish(head);
    }

    /** Whether {@code op}'s result breaks its link: a failure, or a short read, write or splice. */
    private static boolean breaksLink(UserSpaceOp op) {
        if (op.res < 0) {
            return true;
        }
        switch (op.opcode) {
            case IORING_OP_SPLICE:
                return op.res < PositionalSyscalls.requested(op);
            default:
                return PositionalSyscalls.isReadOrWrite(op.opcode) && op.res < PositionalSyscalls.requested(op);
        }
    }

    private void arm(UserSpaceOp op) {
        try {
            op.timer = TIMER.schedule(() -> timedOut(op), op.timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            op.timer = null; // never: the timer is never shut down
        }
    }

    /** A linked timeout expired: take the op back if it has not started, else ask it to give up. */
    private void timedOut(UserSpaceOp op) {
        if (op.move(UserSpaceOp.QUEUED, UserSpaceOp.CANCELLED)) {
            if (op == op.head) {
                op.timeoutFired = true;
                cancelChain(op, -Errno.ECANCELED);
                op.timeoutRes = -Errno.ETIME;
                finish(op);
            } // a later op of a chain is armed only once it runs
        } else {
            op.timeoutFired = true;
            op.cancelRequested = true;
        }
    }

    /** Gives every op of the chain result {@code res} and its timeout {@code -ECANCELED}. */
    private static void cancelChain(UserSpaceOp head, int res) {
        for (UserSpaceOp op = head; op != null; op = op.next) {
            op.res = res;
            op.timeoutRes = -Errno.ECANCELED;
            if (op.timer != null) {
                op.timer.cancel(false);
            }
        }
    }

    /** Hands a finished chain to the owner: posted at its next enter, which this wakes if it waits. */
    private void finish(UserSpaceOp head) {
        finished.offer(head);
        final ByteBuffer ring = sqRing.byteBuffer();
        INT.getAndBitwiseOr(ring, SQ_FLAGS, IORING_SQ_TASKRUN);
        if (waiting) {
            LockSupport.unpark(waiter);
        }
    }

    // ---------------------------------------------------------------- cancel

    /** {@code IORING_OP_ASYNC_CANCEL} of the op with {@code userData}: 0, {@code -ENOENT} or {@code -EALREADY}. */
    private int cancel(long userData) {
        final UserSpaceOp op = started.get(userData);
        if (op == null) {
            return -Errno.ENOENT;
        }
        if (op.move(UserSpaceOp.QUEUED, UserSpaceOp.CANCELLED)) {
            if (op == op.head) {
                cancelChain(op, -Errno.ECANCELED);
                finish(op);
            } // a later op of a chain: its worker answers it -ECANCELED when it gets there
            return 0;
        }
        if (op.pollable && !op.cancelRequested) {
            op.cancelRequested = true;
            return 0;
        }
        return -Errno.EALREADY;
    }

    // ---------------------------------------------------------------- completion

    /** An op answered on the owner thread, in this enter. */
    private void completeHere(UserSpaceOp op, int res) {
        op.res = res;
        op.timeoutRes = -Errno.ECANCELED;
        unposted.add(op);
    }

    /** Posts the finished chains as CQEs while the CQ has room; publishes them with one store-release. */
    private void post() {
        final ByteBuffer ring = sqRing.byteBuffer();
        if (((int) INT.getVolatile(ring, SQ_FLAGS) & IORING_SQ_TASKRUN) != 0) {
            INT.getAndBitwiseAnd(ring, SQ_FLAGS, ~IORING_SQ_TASKRUN); // before the poll: a later finish sets it again
        }
        for (UserSpaceOp head; (head = finished.poll()) != null; ) {
            unposted.add(head);
        }
        if (unposted.isEmpty()) {
            return;
        }
        final ByteBuffer cq = cqRing.byteBuffer();
        final int head = (int) INT.getAcquire(cq, CQ_HEAD);
        final int firstTail = (int) INT.get(cq, CQ_TAIL);
        int tail = firstTail;
        while (!unposted.isEmpty()) {
            final UserSpaceOp chain = unposted.peek();
            if (cqEntries - (tail - head) < cqesOf(chain)) {
                break; // the rest waits for room: the CQ is sized for every op in flight, so this is rare
            }
            unposted.poll();
            for (UserSpaceOp op = chain; op != null; op = op.next) {
                started.remove(op.userData, op);
                if (op.res >= 0 && (op.opcode == IORING_OP_OPENAT || op.opcode == IORING_OP_OPENAT2)) {
                    kinds.forget(op.res); // a new file on that number
                }
                if (op.res < 0 || (op.sqeFlags & IOSQE_CQE_SKIP_SUCCESS) == 0) {
                    tail = putCqe(cq, tail, op.userData, op.res);
                }
                if (op.hasTimeout()) {
                    tail = putCqe(cq, tail, op.timeoutUserData, op.timeoutRes);
                }
            }
        }
        // Store-release of the tail pairs with the CompletionQueue's load-acquire before it reads the CQEs.
        INT.setRelease(cq, CQ_TAIL, tail);
        if (!countedTimeouts.isEmpty() && tail != firstTail) {
            countCompletions(tail - firstTail);
            if (!unposted.isEmpty()) {
                post(); // the timeouts that the count ended
            }
        }
    }

    private static int cqesOf(UserSpaceOp chain) {
        int n = 0;
        for (UserSpaceOp op = chain; op != null; op = op.next) {
            n += op.hasTimeout() ? 2 : 1;
        }
        return n;
    }

    private int putCqe(ByteBuffer cq, int tail, long userData, int res) {
        final int at = CQ_CQES + (tail & cqMask) * CQE_SIZE;
        cq.putLong(at + CQE_USER_DATA_FIELD, userData).putInt(at + CQE_RES_FIELD, res).putInt(at + CQE_FLAGS_FIELD, 0);
        return tail + 1;
    }

    // ---------------------------------------------------------------- threads

    private ThreadPoolExecutor workers() {
        return workers;
    }

    private ThreadPoolExecutor pollers() {
        ThreadPoolExecutor p = pollers;
        if (p == null) {
            synchronized (this) {
                p = pollers;
                if (p == null) {
                    p = new ThreadPoolExecutor(0, Integer.MAX_VALUE, IDLE_SECONDS, TimeUnit.SECONDS,
                            new SynchronousQueue<>(), daemons(name + "-poller-"));
                    pollers = p;
                }
            }
        }
        return p;
    }

    /**
     * Stops taking ops, cancels those not started and asks waits for pollable files to give up, then waits
     * (up to {@value #CLOSE_WAIT_SECONDS} s) for the syscalls still running: they write into memory that the
     * ring's user frees once the ring is closed, as the kernel's close waits for its own.
     */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (UserSpaceOp op : started.values()) {
            if (!op.move(UserSpaceOp.QUEUED, UserSpaceOp.CANCELLED)) {
                op.cancelRequested = true;
            }
            if (op.timer != null) {
                op.timer.cancel(false);
            }
        }
        workers.shutdown();
        if (files != null) {
            closeAll(files, files.length);
            files = null;
        }
        final ThreadPoolExecutor p = pollers;
        if (p != null) {
            p.shutdown();
        }
        try {
            workers.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            if (p != null) {
                p.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        final Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    private static ThreadFactory daemons(String prefix) {
        final AtomicInteger n = new AtomicInteger();
        return r -> {
            final Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static ScheduledThreadPoolExecutor timer() {
        final ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, daemons("io-uring-fallback-timer-"));
        t.setRemoveOnCancelPolicy(true);
        t.setKeepAliveTime(IDLE_SECONDS, TimeUnit.SECONDS);
        t.allowCoreThreadTimeOut(true);
        return t;
    }

    private static int powerOfTwoAtLeast(int n) {
        return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
    }

    @Override
    public String toString() {
        return name + "[" + threads + " threads]";
    }
}
