package io.uringactor.actor;

import io.uringactor.ring.IoUringException;

/** The ring actor stopped (or its ring failed) before it could serve the request. */
public final class RingStoppedException extends IoUringException {
    private static final long serialVersionUID = 1L;

    public RingStoppedException(String message) {
        super(message);
    }

    public RingStoppedException(String message, Throwable cause) {
        super(message, cause);
    }
}
