package io.uringactor.ring;

import static io.uringactor.ring.IoUringConstants.AT_EMPTY_PATH;
import static io.uringactor.ring.IoUringConstants.O_DIRECT;
import static io.uringactor.ring.RingLayout.STATX_MODE;
import static io.uringactor.ring.RingLayout.STATX_SIZE;

import java.util.Arrays;

/**
 * How the {@link UserSpaceKernel} runs a read or write of each descriptor, learnt at its first read or write
 * (a {@code statx} of the descriptor and an {@code F_GETFL}) and forgotten when the ring closes it or opens
 * a file on its number. The io_uring kernel makes the same choice per file: page-cache IO is tried at once,
 * without waiting for the disk, on the submitting thread; disk waits go to worker threads (its io-wq), and
 * a pipe, FIFO, eventfd or socket is polled until it is ready, so a wait on it can be cancelled.
 *
 * <p>A descriptor closed outside the ring and reused keeps its old kind until the ring opens or closes that
 * number: that costs speed (a wasted try, or a wait on a worker), never a wrong result, since a page-cache
 * try that finds nothing cached learns the kind again. Owner thread only.
 */
final class FileKinds {
    /** Not learnt yet. */
    static final byte UNKNOWN = 0;
    /** A buffered regular file: try reads and writes without waiting first. */
    static final byte PAGE_CACHE = 1;
    /** A buffered regular file whose writes cannot be tried without waiting ({@code EOPNOTSUPP}). */
    static final byte PAGE_CACHE_READS = 2;
    /** O_DIRECT, a directory or anything else that is run on a worker as it is. */
    static final byte WAITS = 3;
    /** A pipe, FIFO, eventfd, socket or terminal: run when poll says it is ready. */
    static final byte POLLABLE = 4;

    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFDIR = 0040000;
    private static final int STATX_TYPE = 0x1;
    private static final int F_GETFL = 3;

    private final AlignedBuffer emptyPath = AlignedBuffer.cString("");
    private final AlignedBuffer statx = AlignedBuffer.allocate(STATX_SIZE, Long.BYTES);
    private byte[] kinds = new byte[1024];

    /** The kind of {@code fd}, learnt now if unknown. */
    byte of(int fd) {
        if (fd < 0) {
            return WAITS;
        }
        if (fd >= kinds.length) {
            kinds = Arrays.copyOf(kinds, Math.max(fd + 1, kinds.length * 2));
        }
        final byte known = kinds[fd];
        return known != UNKNOWN ? known : (kinds[fd] = learn(fd));
    }

    /** Learns the kind of {@code fd} again, e.g. after a page-cache try found no page cache. */
    byte relearn(int fd) {
        forget(fd);
        return of(fd);
    }

    void set(int fd, byte kind) {
        if (fd >= 0 && fd < kinds.length) {
            kinds[fd] = kind;
        }
    }

    /** The number no longer names the file it did: it was closed, or the ring opened another on it. */
    void forget(int fd) {
        set(fd, UNKNOWN);
    }

    private byte learn(int fd) {
        final long r = LibC.syscall(LibC.SYS_STATX, fd, emptyPath.address(), AT_EMPTY_PATH, STATX_TYPE,
                statx.address(), 0);
        if (r < 0) {
            return WAITS; // a bad descriptor: the op itself reports it
        }
        final int type = statx.byteBuffer().getShort(STATX_MODE) & S_IFMT;
        if (type == S_IFREG || type == S_IFBLK) {
            final int flags = LibC.fcntl(fd, F_GETFL, 0);
            return flags >= 0 && (flags & O_DIRECT) == 0 ? PAGE_CACHE : WAITS;
        }
        return type == S_IFDIR ? WAITS : POLLABLE; // an eventfd is an anonymous inode: no type bits
    }
}
