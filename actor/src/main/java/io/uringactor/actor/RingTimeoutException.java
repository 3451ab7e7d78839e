package io.uringactor.actor;

import io.uringactor.ring.IoUringException;

/** The op did not complete within its timeout; it was cancelled in the kernel before this reply was sent. */
public final class RingTimeoutException extends IoUringException {
    private static final long serialVersionUID = 1L;

    /**
     * A timeout.
     *
     * @param message the op, its timeout and, for a write, how many bytes it wrote before it was cancelled
     */
    public RingTimeoutException(String message) {
        super(message);
    }
}
