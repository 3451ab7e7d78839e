package io.uringactor.ring;

import com.sun.jna.Native;

/**
 * The two descriptor calls a ring's owner needs outside the ring: a duplicate that lives on after the
 * original is closed, and a close. Each is one syscall through JNA, for the rare paths (a file shared by
 * another ring, cleanup), never per op.
 */
public final class FileDescriptors {
    /** {@code fcntl} command: duplicate to the lowest free descriptor, close-on-exec (asm-generic, every arch). */
    static final int F_DUPFD_CLOEXEC = 1030;

    private FileDescriptors() {
    }

    /**
     * A new descriptor of the same open file ({@code fcntl(F_DUPFD_CLOEXEC)}): it shares the file's offset and
     * status flags (O_DIRECT, O_APPEND) and keeps the file open until it is closed itself.
     *
     * @param fd   an open descriptor
     * @param what what the descriptor is, for the error message (e.g. the file's path)
     * @return the duplicate
     * @throws ErrnoException when the process is out of descriptors ({@code EMFILE}) or {@code fd} is not open
     */
    public static int duplicate(int fd, String what) {
        final int copy = LibC.fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (copy < 0) {
            throw new ErrnoException("fcntl(" + what + ", F_DUPFD_CLOEXEC)", Native.getLastError());
        }
        return copy;
    }

    /**
     * Closes {@code fd} ({@code close(2)}). The descriptor is gone afterwards even when close reports an error
     * (Linux frees it first), so the error is returned for logging, never worth a retry.
     *
     * @param fd an open descriptor
     * @return 0, or the errno close reported ({@code EIO} from a late write-back error)
     */
    public static int close(int fd) {
        return LibC.close(fd) == 0 ? 0 : Native.getLastError();
    }
}
