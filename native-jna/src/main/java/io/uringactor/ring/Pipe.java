package io.uringactor.ring;

import static io.uringactor.ring.IoUringConstants.O_CLOEXEC;

import com.sun.jna.Native;

/**
 * An anonymous pipe ({@code pipe2(O_CLOEXEC)}), the in-kernel buffer that {@code IORING_OP_SPLICE} moves
 * file pages through: splice a file into {@link #writeFd()}, then splice {@link #readFd()} into another
 * file, and the bytes never enter user space.
 *
 * <pre>{@code
 * try (Pipe pipe = Pipe.open(1 << 20)) {
 *     ring.sq().prepSplice(in, offset, pipe.writeFd(), -1, pipe.size(), 0, 1);
 *     ring.sq().setLastFlags(IoUringConstants.IOSQE_IO_LINK);
 *     ring.sq().prepSplice(pipe.readFd(), -1, out, offset, pipe.size(), 0, 2);
 * }
 * }</pre>
 *
 * <p>Not thread-safe; {@link #close()} closes both ends once. Do not close a pipe while ops on it are in
 * flight unless they are being abandoned (the kernel keeps its own reference; they then fail with
 * {@code EPIPE} or {@code EBADF}, never touch another file).
 */
public final class Pipe implements AutoCloseable {
    /** {@code fcntl} command that resizes a pipe (Linux 2.6.35+); bounded by {@code /proc/sys/fs/pipe-max-size}. */
    public static final int F_SETPIPE_SZ = 1031;
    /** {@code fcntl} command that returns a pipe's capacity in bytes. */
    public static final int F_GETPIPE_SZ = 1032;

    private final int readFd;
    private final int writeFd;
    private final int size;
    private boolean closed;

    private Pipe(int readFd, int writeFd, int size) {
        this.readFd = readFd;
        this.writeFd = writeFd;
        this.size = size;
    }

    /** A pipe of the kernel's default capacity (16 pages: 64 KiB with 4 KiB pages). */
    public static Pipe open() {
        return open(0);
    }

    /**
     * A pipe resized to at least {@code desiredSize} bytes with {@code F_SETPIPE_SZ} (the kernel rounds up
     * to a power-of-two number of pages). When the kernel refuses the size ({@code EPERM} above
     * {@code pipe-max-size} or over the user's pipe quota, {@code EBUSY}), the pipe keeps the capacity it
     * has; {@link #size()} tells which. {@code desiredSize <= 0} keeps the default.
     *
     * @throws ErrnoException when the pipe cannot be created ({@code EMFILE}, {@code ENFILE})
     */
    public static Pipe open(int desiredSize) {
        LibC.requireSupportedPlatform();
        final AlignedBuffer pair = AlignedBuffer.allocate(2 * Integer.BYTES, Integer.BYTES);
        if (LibC.pipe2(pair.address(), O_CLOEXEC) != 0) {
            throw new ErrnoException("pipe2(O_CLOEXEC)", Native.getLastError());
        }
        final int readFd = pair.byteBuffer().getInt(0);
        final int writeFd = pair.byteBuffer().getInt(Integer.BYTES);
        int size = -1;
        if (desiredSize > 0) {
            size = LibC.fcntl(writeFd, F_SETPIPE_SZ, desiredSize);
        }
        if (size < 0) {
            size = LibC.fcntl(writeFd, F_GETPIPE_SZ, 0);
        }
        if (size < 0) {
            final int errno = Native.getLastError();
            LibC.close(readFd);
            LibC.close(writeFd);
            throw new ErrnoException("fcntl(pipe, F_GETPIPE_SZ)", errno);
        }
        return new Pipe(readFd, writeFd, size);
    }

    /** The read end: splice from it. */
    public int readFd() {
        return readFd;
    }

    /** The write end: splice into it. */
    public int writeFd() {
        return writeFd;
    }

    /** The capacity in bytes: the most one splice into the empty pipe can move. */
    public int size() {
        return size;
    }

    /** Closes both ends; later calls do nothing. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.close(readFd);
            LibC.close(writeFd);
        }
    }

    @Override
    public String toString() {
        return "Pipe[read=" + readFd + ", write=" + writeFd + ", size=" + size + (closed ? ", closed" : "") + "]";
    }
}
