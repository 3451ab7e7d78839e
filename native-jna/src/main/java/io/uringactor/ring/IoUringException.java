package io.uringactor.ring;

/** Base of every failure this library reports; unchecked so that ring code stays free of throws clauses. */
public class IoUringException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message}. */
    public IoUringException(String message) {
        super(message);
    }

    /** A failure described by {@code message}, caused by {@code cause}. */
    public IoUringException(String message, Throwable cause) {
        super(message, cause);
    }
}
