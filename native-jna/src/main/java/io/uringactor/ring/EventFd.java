package io.uringactor.ring;

import com.sun.jna.Native;

/**
 * A Linux eventfd: a counter another thread can bump to wake a thread that waits on it, e.g. through a
 * {@code READ} of 8 bytes queued on a ring, so that a thread blocked in {@code io_uring_enter} can be woken
 * by something that is not an io_uring completion.
 */
public final class EventFd implements AutoCloseable {
    /** The kernel defines {@code EFD_CLOEXEC} as {@code O_CLOEXEC}, the architecture's number. */
    private static final int EFD_CLOEXEC = IoUringConstants.O_CLOEXEC;

    private final int fd;
    /** The 8-byte value 1 that {@link #signal()} writes; never modified after construction. */
    private final AlignedBuffer one = AlignedBuffer.allocate(Long.BYTES, Long.BYTES);
    private volatile boolean closed;

    private EventFd(int fd) {
        this.fd = fd;
        one.byteBuffer().putLong(0, 1L);
    }

    /**
     * A new eventfd with counter 0 ({@code EFD_CLOEXEC}).
     *
     * @throws ErrnoException naming {@code eventfd}, e.g. {@code EMFILE}
     * @throws IoUringUnavailableException on a platform other than 64-bit Linux on x86_64 or aarch64
     */
    public static EventFd create() {
        LibC.requireSupportedPlatform();
        final int fd = LibC.eventfd(0, EFD_CLOEXEC);
        if (fd < 0) {
            throw new ErrnoException("eventfd", Native.getLastError());
        }
        return new EventFd(fd);
    }

    /** The eventfd's file descriptor, e.g. for an 8-byte {@code READ} queued on a ring. */
    public int fd() {
        return fd;
    }

    /**
     * Adds 1 to the counter, waking a reader; thread-safe. One syscall. Synchronized with {@link #close()}
     * so that a signal racing a close never writes to the fd number after it was closed (and perhaps reused
     * by another file); callers signal only to wake a sleeping reader, so the monitor is never contended on
     * a hot path.
     */
    public synchronized void signal() {
        if (closed) {
            return;
        }
        final long r = LibC.write(fd, one.address(), Long.BYTES);
        if (r < 0) {
            final int errno = Native.getLastError();
            if (errno != Errno.EAGAIN) { // the counter is saturated: a reader is woken anyway
                throw new ErrnoException("write(eventfd " + fd + ")", errno);
            }
        }
    }

    /** Closes the fd; harmless when repeated. A later {@link #signal()} does nothing. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            LibC.close(fd);
        }
    }
}
