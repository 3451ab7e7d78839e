package io.uringactor.ring;

import static io.uringactor.ring.IoUringConstants.*;
import static io.uringactor.ring.RingLayout.IOVEC_SIZE;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.nio.ByteBuffer;

/**
 * What each io_uring op does, done by the calling thread with the syscall the kernel would run for it:
 * {@code READ} is {@code pread64}, {@code OPENAT2} is {@code openat2}, {@code SPLICE} is {@code splice}.
 * Each returns the op's CQE result: what the syscall returned, or {@code -errno}; an op the user-space
 * engine does not run is {@code -EINVAL}, as a kernel without it answers. {@code EINTR} is retried.
 */
final class PositionalSyscalls {
    /** {@code preadv2}/{@code pwritev2} flag: fail with EAGAIN rather than wait for the disk (Linux 4.14+). */
    static final int RWF_NOWAIT = 0x8;
    static final int POLLIN = 0x1;
    static final int POLLOUT = 0x4;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    /** How often a wait for a pollable file looks whether it was cancelled. */
    private static final int POLL_TICK_MILLIS = 10;

    /** Per thread: an iovec, two splice offsets and a pollfd, for the calls that take pointers. */
    private static final ThreadLocal<AlignedBuffer> SCRATCH =
            ThreadLocal.withInitial(() -> AlignedBuffer.allocate(64, Long.BYTES));
    private static final int SCRATCH_IOVEC = 0;
    private static final int SCRATCH_SPLICE_IN = 16;
    private static final int SCRATCH_SPLICE_OUT = 24;
    private static final int SCRATCH_POLLFD = 32;

    private PositionalSyscalls() {
    }

    /** Runs {@code op} to its end, blocking as long as its syscall blocks. */
    static int run(UserSpaceOp op) {
        switch (op.opcode) {
            case IORING_OP_NOP:
                return 0;
            case IORING_OP_READ:
            case IORING_OP_READ_FIXED:
                return result(op.off == -1 ? LibC.read(op.fd, op.addr, lengthOf(op))
                        : LibC.pread64(op.fd, op.addr, lengthOf(op), op.off));
            case IORING_OP_WRITE:
            case IORING_OP_WRITE_FIXED:
                return result(op.off == -1 ? LibC.write(op.fd, op.addr, lengthOf(op))
                        : LibC.pwrite64(op.fd, op.addr, lengthOf(op), op.off));
            case IORING_OP_READV:
                return result(op.off == -1 ? LibC.readv(op.fd, op.addr, op.len)
                        : LibC.preadv2(op.fd, op.addr, op.len, op.off, 0));
            case IORING_OP_WRITEV:
                return result(op.off == -1 ? LibC.writev(op.fd, op.addr, op.len)
                        : LibC.pwritev2(op.fd, op.addr, op.len, op.off, 0));
            case IORING_OP_OPENAT:
                return result(LibC.openat(op.fd, op.addr, op.opFlags | O_LARGEFILE, op.len));
            case IORING_OP_OPENAT2:
                return result(LibC.syscall(LibC.SYS_OPENAT2, op.fd, op.addr, op.off, op.len, 0, 0));
            case IORING_OP_CLOSE:
                return result(LibC.close(op.fd));
            case IORING_OP_STATX:
                return result(LibC.syscall(LibC.SYS_STATX, op.fd, op.addr, op.opFlags, op.len, op.off, 0));
            case IORING_OP_FSYNC:
                if ((op.opFlags & ~IORING_FSYNC_DATASYNC) != 0) {
                    return -Errno.EINVAL; // as the kernel refuses flags it does not know
                }
                return result((op.opFlags & IORING_FSYNC_DATASYNC) != 0 ? LibC.fdatasync(op.fd) : LibC.fsync(op.fd));
            case IORING_OP_FALLOCATE:
                return result(LibC.fallocate(op.fd, op.len, op.off, op.addr));
            case IORING_OP_SYNC_FILE_RANGE:
                return result(LibC.sync_file_range(op.fd, op.off, op.len, op.opFlags));
            case IORING_OP_FTRUNCATE:
                return result(LibC.ftruncate(op.fd, op.off));
            case IORING_OP_FADVISE:
                return -LibC.posix_fadvise(op.fd, op.off, op.len, op.opFlags);
            case IORING_OP_SPLICE:
                return splice(op);
            default:
                return -Errno.EINVAL;
        }
    }

    /** Whether {@link #run} runs {@code opcode}. */
    static boolean runs(int opcode) {
        switch (opcode) {
            case IORING_OP_NOP: case IORING_OP_READ: case IORING_OP_WRITE: case IORING_OP_READV:
            case IORING_OP_READ_FIXED: case IORING_OP_WRITE_FIXED:
            case IORING_OP_WRITEV: case IORING_OP_OPENAT: case IORING_OP_OPENAT2: case IORING_OP_CLOSE:
            case IORING_OP_STATX: case IORING_OP_FSYNC: case IORING_OP_FALLOCATE: case IORING_OP_SYNC_FILE_RANGE:
            case IORING_OP_FTRUNCATE: case IORING_OP_FADVISE: case IORING_OP_SPLICE:
                return true;
            default:
                return false;
        }
    }

    /**
     * A read or write of a regular file's page cache without waiting for the disk ({@code RWF_NOWAIT}): the
     * result, or {@code -EAGAIN} when the data is not cached (or the write would wait), {@code -EOPNOTSUPP}
     * where the file cannot do this.
     */
    static int tryWithoutWaiting(UserSpaceOp op) {
        final boolean write = isWrite(op.opcode);
        long iovecs = op.addr;
        int count = op.len;
        if (op.opcode != IORING_OP_READV && op.opcode != IORING_OP_WRITEV) {
            final AlignedBuffer scratch = SCRATCH.get();
            scratch.byteBuffer().putLong(SCRATCH_IOVEC, op.addr).putLong(SCRATCH_IOVEC + Long.BYTES, lengthOf(op));
            iovecs = scratch.address(SCRATCH_IOVEC);
            count = 1;
        }
        return result(write ? LibC.pwritev2(op.fd, iovecs, count, op.off, RWF_NOWAIT)
                : LibC.preadv2(op.fd, iovecs, count, op.off, RWF_NOWAIT));
    }

    /**
     * Runs a read or write of a pollable file (a pipe, a FIFO, an eventfd, a socket, a terminal) as io_uring
     * does: without blocking, as much as the file takes now (a short write to a nearly full pipe), else once
     * poll says it is ready, looking every {@value #POLL_TICK_MILLIS} ms whether the op was cancelled
     * meanwhile ({@code -ECANCELED}). The op's offset is ignored, as io_uring ignores it for such files. To
     * never block, the descriptor is made {@code O_NONBLOCK} (its open file is the ring's: only the ring's ops
     * use it).
     */
    static int runWhenReady(UserSpaceOp op) {
        final boolean write = isWrite(op.opcode);
        final AlignedBuffer scratch = SCRATCH.get();
        final ByteBuffer b = scratch.byteBuffer();
        final int flags = LibC.fcntl(op.fd, F_GETFL, 0);
        if (flags >= 0 && (flags & O_NONBLOCK) == 0) {
            LibC.fcntl(op.fd, F_SETFL, flags | O_NONBLOCK);
        }
        while (true) {
            if (op.cancelRequested) {
                return -Errno.ECANCELED;
            }
            final int r = runOnStream(op);
            if (r != -Errno.EAGAIN) {
                return r;
            }
            b.putInt(SCRATCH_POLLFD, op.fd).putShort(SCRATCH_POLLFD + 4, (short) (write ? POLLOUT : POLLIN))
                    .putShort(SCRATCH_POLLFD + 6, (short) 0);
            final int ready = LibC.poll(scratch.address(SCRATCH_POLLFD), 1, POLL_TICK_MILLIS);
            if (ready < 0 && Native.getLastError() != Errno.EINTR) {
                return -Native.getLastError();
            }
        }
    }

    static boolean isWrite(int opcode) {
        return opcode == IORING_OP_WRITE || opcode == IORING_OP_WRITEV || opcode == IORING_OP_WRITE_FIXED;
    }

    /** Whether {@code opcode} reads or writes a file's data: a read, write, their vectored or fixed forms. */
    static boolean isReadOrWrite(int opcode) {
        switch (opcode) {
            case IORING_OP_READ: case IORING_OP_WRITE: case IORING_OP_READV: case IORING_OP_WRITEV:
            case IORING_OP_READ_FIXED: case IORING_OP_WRITE_FIXED:
                return true;
            default:
                return false;
        }
    }

    /** A read or write of a file without a position (a pipe, a socket): the op's offset is ignored, as io_uring ignores it. */
    private static int runOnStream(UserSpaceOp op) {
        switch (op.opcode) {
            case IORING_OP_READV:
                return result(LibC.readv(op.fd, op.addr, op.len));
            case IORING_OP_WRITEV:
                return result(LibC.writev(op.fd, op.addr, op.len));
            default:
                return isWrite(op.opcode) ? result(LibC.write(op.fd, op.addr, lengthOf(op)))
                        : result(LibC.read(op.fd, op.addr, lengthOf(op)));
        }
    }

    /** The total length of a vectored op's iovecs, or a plain op's length. */
    static long requested(UserSpaceOp op) {
        if (op.opcode != IORING_OP_READV && op.opcode != IORING_OP_WRITEV) {
            return lengthOf(op);
        }
        long total = 0;
        final Pointer iovecs = new Pointer(op.addr);
        for (int i = 0; i < op.len; i++) {
            total += iovecs.getLong((long) i * IOVEC_SIZE + Long.BYTES);
        }
        return total;
    }

    private static int splice(UserSpaceOp op) {
        final AlignedBuffer scratch = SCRATCH.get();
        // An offset of -1 means "no offset" (a pipe's side): splice(2) takes that as a null pointer.
        final long offIn = op.addr == -1 ? 0 : scratch.address(SCRATCH_SPLICE_IN);
        final long offOut = op.off == -1 ? 0 : scratch.address(SCRATCH_SPLICE_OUT);
        scratch.byteBuffer().putLong(SCRATCH_SPLICE_IN, op.addr).putLong(SCRATCH_SPLICE_OUT, op.off);
        return result(LibC.splice(op.spliceFdIn, offIn, op.fd, offOut, lengthOf(op), op.opFlags & ~SPLICE_F_FD_IN_FIXED));
    }

    private static long lengthOf(UserSpaceOp op) {
        return op.len & 0xFFFFFFFFL;
    }

    /** A syscall's return as a CQE result: the value, or {@code -errno} when it returned -1. */
    private static int result(long returned) {
        return returned >= 0 ? (int) Math.min(returned, Integer.MAX_VALUE) : -Native.getLastError();
    }
}
