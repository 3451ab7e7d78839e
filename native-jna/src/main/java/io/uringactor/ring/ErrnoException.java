package io.uringactor.ring;

import com.sun.jna.Pointer;

/**
 * A call or an io_uring operation failed with an errno. The message names both, e.g.
 * {@code "openat(/tmp/x): ENOENT (No such file or directory)"}; {@link #errno()} and
 * {@link #errnoName()} let callers branch on the cause without parsing text.
 */
public class ErrnoException extends IoUringException {
    private static final long serialVersionUID = 1L;

    private final int errno;
    private final String operation;

    /**
     * @param operation the call or op that failed, with whatever context helps (a path, an offset)
     * @param errno     the errno, positive or as the kernel's negative result
     */
    public ErrnoException(String operation, int errno) {
        super(operation + ": " + Errno.name(errno) + " (" + describe(Math.abs(errno)) + ")");
        this.errno = Math.abs(errno);
        this.operation = operation;
    }

    /** The positive errno number, e.g. 2. */
    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, e.g. {@code "ENOENT"}. */
    public String errnoName() {
        return Errno.name(errno);
    }

    /** The call or operation that failed. */
    public String operation() {
        return operation;
    }

    private static String describe(int errno) {
        if (LibC.UNSUPPORTED != null) {
            return "errno " + errno;
        }
        final long text = LibC.strerror(errno);
        return text == 0 ? "errno " + errno : new Pointer(text).getString(0);
    }
}
