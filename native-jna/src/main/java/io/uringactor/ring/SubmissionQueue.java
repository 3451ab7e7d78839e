package io.uringactor.ring;

import static io.uringactor.ring.IoUringConstants.*;
import static io.uringactor.ring.RingLayout.*;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The submission half of a ring: the mapped SQ ring indices and the SQE array.
 *
 * <p>Single producer: one thread prepares SQEs and {@linkplain IoUring#submit() submits} them. Each
 * {@code prep*} method writes one SQE's 64 bytes straight into the mapped array (no JNA call, no lock,
 * no allocation) and returns {@code false} when the SQ is full; it then waits in the local tail until
 * {@link #flush()} store-releases the tail for the kernel. Addresses passed to the {@code prep*}
 * methods (buffers, paths, iovecs, timespecs) must stay valid until the op's completion is reaped.
 *
 * <p>Memory ordering: our SQE writes are published by the store-release of the SQ tail, which pairs with
 * the kernel's load-acquire of the tail before it reads SQEs; the kernel store-releases the SQ head after
 * consuming SQEs, which pairs with our load-acquire of the head before we overwrite a slot.
 */
public final class SubmissionQueue {
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private final ByteBuffer ring;
    private final ByteBuffer sqes;
    private final int headOffset;
    private final int tailOffset;
    private final int flagsOffset;
    private final int droppedOffset;
    private final int ringMask;
    private final int ringEntries;

    /** Next slot to fill; ahead of the kernel-visible tail until {@link #flush()}. */
    private int tail;
    /** Last head read from the kernel; refreshed only when the ring looks full. */
    private int cachedHead;
    /** Byte offset of the SQE prepared last, for {@link #setLastFlags}. */
    private int lastSqe = -1;
    private boolean closed;

    SubmissionQueue(ByteBuffer ring, ByteBuffer sqes, ByteBuffer params) {
        this.ring = ring;
        this.sqes = sqes;
        this.headOffset = params.getInt(PARAMS_SQ_OFF + SQ_OFF_HEAD);
        this.tailOffset = params.getInt(PARAMS_SQ_OFF + SQ_OFF_TAIL);
        this.flagsOffset = params.getInt(PARAMS_SQ_OFF + SQ_OFF_FLAGS);
        this.droppedOffset = params.getInt(PARAMS_SQ_OFF + SQ_OFF_DROPPED);
        this.ringMask = ring.getInt(params.getInt(PARAMS_SQ_OFF + SQ_OFF_RING_MASK));
        this.ringEntries = ring.getInt(params.getInt(PARAMS_SQ_OFF + SQ_OFF_RING_ENTRIES));
        final int arrayOffset = params.getInt(PARAMS_SQ_OFF + SQ_OFF_ARRAY);
        // The index array maps ring slots to SQEs; an identity map lets the tail alone describe a batch.
        for (int i = 0; i < ringEntries; i++) {
            ring.putInt(arrayOffset + i * Integer.BYTES, i);
        }
        this.tail = (int) INT.getAcquire(ring, tailOffset);
        this.cachedHead = (int) INT.getAcquire(ring, headOffset);
    }

    /** Number of SQ slots. */
    public int entries() {
        return ringEntries;
    }

    /** SQEs prepared or published but not yet consumed by the kernel. */
    public int pending() {
        // Load-acquire of the head pairs with the kernel's store-release after it consumed SQEs.
        cachedHead = (int) INT.getAcquire(ring, headOffset);
        return tail - cachedHead;
    }

    /** Free SQ slots right now. */
    public int space() {
        return ringEntries - pending();
    }

    /** SQEs the kernel dropped as invalid since setup (without IORING_FEAT_NODROP semantics). */
    public int dropped() {
        return (int) INT.getVolatile(ring, droppedOffset);
    }

    /** The SQ ring flags ({@code IORING_SQ_NEED_WAKEUP}, {@code IORING_SQ_CQ_OVERFLOW}, {@code IORING_SQ_TASKRUN}). */
    public int ringFlags() {
        return (int) INT.getVolatile(ring, flagsOffset);
    }

    /**
     * Makes every prepared SQE visible to the kernel.
     *
     * @return the number of SQEs the kernel has yet to consume
     */
    public int flush() {
        ensureOpen();
        // Store-release of the tail pairs with the kernel's load-acquire before it reads our SQEs.
        INT.setRelease(ring, tailOffset, tail);
        return pending();
    }

    /** Sets {@code IOSQE_*} flags on the SQE prepared last (e.g. {@link IoUringConstants#IOSQE_IO_LINK}). */
    public void setLastFlags(int sqeFlags) {
        if (lastSqe < 0) {
            throw new IllegalStateException("no SQE prepared yet");
        }
        sqes.put(lastSqe + SQE_FLAGS_FIELD, (byte) sqeFlags);
    }

    /**
     * Prepares one SQE with every common field; the {@code prep*} methods below are named shorthands.
     *
     * @return {@code false} if the SQ is full (nothing written)
     */
    public boolean prep(byte op, int sqeFlags, int fd, long off, long addr, int len, int opFlags,
                        long userData, int bufIndex, int spliceFdIn) {
        ensureOpen();
        final int t = tail;
        if (t - cachedHead >= ringEntries) {
            // Load-acquire of the head pairs with the kernel's store-release after consuming SQEs.
            cachedHead = (int) INT.getAcquire(ring, headOffset);
            if (t - cachedHead >= ringEntries) {
                return false;
            }
        }
        final int sqe = (t & ringMask) * SQE_SIZE;
        final ByteBuffer b = sqes;
        // Eight 64-bit stores cover the whole SQE, so nothing from the slot's previous use survives.
        b.putLong(sqe, (op & 0xFFL) | (sqeFlags & 0xFFL) << 8 | (long) fd << 32); // opcode, flags, ioprio=0, fd
        b.putLong(sqe + SQE_OFF_FIELD, off);
        b.putLong(sqe + SQE_ADDR_FIELD, addr);
        b.putLong(sqe + SQE_LEN_FIELD, (len & 0xFFFFFFFFL) | (long) opFlags << 32);
        b.putLong(sqe + SQE_USER_DATA_FIELD, userData);
        b.putLong(sqe + SQE_BUF_INDEX_FIELD, (bufIndex & 0xFFFFL) | (long) spliceFdIn << 32); // personality=0
        b.putLong(sqe + SQE_ADDR3_FIELD, 0L);
        b.putLong(sqe + SQE_ADDR3_FIELD + Long.BYTES, 0L);
        lastSqe = sqe;
        tail = t + 1;
        return true;
    }

    private boolean prep(byte op, int fd, long off, long addr, int len, int opFlags, long userData) {
        return prep(op, 0, fd, off, addr, len, opFlags, userData, 0, 0);
    }

    /** A no-op that completes with 0. */
    public boolean prepNop(long userData) {
        return prep(IORING_OP_NOP, -1, 0, 0, 0, 0, userData);
    }

    /** {@code pread(fd, addr, len, offset)}; offset -1 reads at the file position. */
    public boolean prepRead(int fd, long addr, int len, long offset, long userData) {
        return prep(IORING_OP_READ, fd, offset, addr, len, 0, userData);
    }

    /** {@code pwrite(fd, addr, len, offset)}; offset -1 writes at the file position. */
    public boolean prepWrite(int fd, long addr, int len, long offset, long userData) {
        return prep(IORING_OP_WRITE, fd, offset, addr, len, 0, userData);
    }

    /** {@code preadv(fd, iovecs, count, offset)}; {@code iovecs} points at {@code count} {@code struct iovec}. */
    public boolean prepReadv(int fd, long iovecs, int count, long offset, long userData) {
        return prep(IORING_OP_READV, fd, offset, iovecs, count, 0, userData);
    }

    /** {@code pwritev(fd, iovecs, count, offset)}. */
    public boolean prepWritev(int fd, long iovecs, int count, long offset, long userData) {
        return prep(IORING_OP_WRITEV, fd, offset, iovecs, count, 0, userData);
    }

    /** A read into registered buffer {@code bufIndex}; {@code addr..addr+len} must lie inside it. */
    public boolean prepReadFixed(int fd, long addr, int len, long offset, int bufIndex, long userData) {
        return prep(IORING_OP_READ_FIXED, 0, fd, offset, addr, len, 0, userData, bufIndex, 0);
    }

    /** A write from registered buffer {@code bufIndex}. */
    public boolean prepWriteFixed(int fd, long addr, int len, long offset, int bufIndex, long userData) {
        return prep(IORING_OP_WRITE_FIXED, 0, fd, offset, addr, len, 0, userData, bufIndex, 0);
    }

    /** {@code fsync(fd)}, or {@code fdatasync(fd)} with {@link IoUringConstants#IORING_FSYNC_DATASYNC}. */
    public boolean prepFsync(int fd, int fsyncFlags, long userData) {
        return prep(IORING_OP_FSYNC, fd, 0, 0, 0, fsyncFlags, userData);
    }

    /** {@code fallocate(fd, mode, offset, length)}; punch a hole with {@code FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE}. */
    public boolean prepFallocate(int fd, int mode, long offset, long length, long userData) {
        // The kernel reads the length from addr and the mode from len.
        return prep(IORING_OP_FALLOCATE, fd, offset, length, mode, 0, userData);
    }

    /** {@code statx(dirfd, path, flags, mask, statxbuf)}; {@code path} is a NUL-terminated string, the buffer 256 bytes. */
    public boolean prepStatx(int dirfd, long path, int flags, int mask, long statxBuf, long userData) {
        return prep(IORING_OP_STATX, dirfd, statxBuf, path, mask, flags, userData);
    }

    /** {@code openat(dirfd, path, flags, mode)}; completes with the new fd. */
    public boolean prepOpenat(int dirfd, long path, int flags, int mode, long userData) {
        return prep(IORING_OP_OPENAT, dirfd, 0, path, mode, flags, userData);
    }

    /** {@code openat2(dirfd, path, how)}; {@code how} points at a 24-byte {@code struct open_how}. */
    public boolean prepOpenat2(int dirfd, long path, long how, long userData) {
        return prep(IORING_OP_OPENAT2, dirfd, how, path, OPEN_HOW_SIZE, 0, userData);
    }

    /** {@code close(fd)}. */
    public boolean prepClose(int fd, long userData) {
        return prep(IORING_OP_CLOSE, fd, 0, 0, 0, 0, userData);
    }

    /**
     * A timeout that completes with {@code -ETIME} when {@code timespec} elapses, or with 0 after
     * {@code count} other completions.
     */
    public boolean prepTimeout(long timespec, int count, int timeoutFlags, long userData) {
        return prep(IORING_OP_TIMEOUT, -1, count, timespec, 1, timeoutFlags, userData);
    }

    /**
     * Bounds the SQE prepared just before it (which must carry {@code IOSQE_IO_LINK}): if that op is
     * still running when {@code timespec} elapses, it is cancelled and completes with {@code -ECANCELED}.
     */
    public boolean prepLinkTimeout(long timespec, int timeoutFlags, long userData) {
        return prep(IORING_OP_LINK_TIMEOUT, -1, 0, timespec, 1, timeoutFlags, userData);
    }

    /** Cancels the in-flight op with {@code targetUserData}; completes with 0, -ENOENT or -EALREADY. */
    public boolean prepCancel(long targetUserData, int cancelFlags, long userData) {
        return prep(IORING_OP_ASYNC_CANCEL, -1, 0, targetUserData, 0, cancelFlags, userData);
    }

    /** {@code splice(fdIn, offIn, fdOut, offOut, len, flags)}; an offset of -1 means "a pipe, no offset". */
    public boolean prepSplice(int fdIn, long offIn, int fdOut, long offOut, int len, int spliceFlags, long userData) {
        return prep(IORING_OP_SPLICE, 0, fdOut, offOut, offIn, len, spliceFlags, userData, 0, fdIn);
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
