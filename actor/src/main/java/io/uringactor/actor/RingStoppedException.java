package io.uringactor.actor;

import io.uringactor.ring.IoUringException;

/** The ring actor stopped (or its ring failed) before it could serve the request. */
public final class RingStoppedException extends IoUringException {
    private static final long serialVersionUID = 1L;

    /**
     * The ring actor is not there to serve the request.
     *
     * @param message why: stopping, stopped, or the actor system terminated
     */
    public RingStoppedException(String message) {
        super(message);
    }

    /**
     * The ring actor failed, or could not start, and so cannot serve the request.
     *
     * @param message why, in a sentence
     * @param cause   the failure of the ring, e.g. an {@link io.uringactor.ring.IoUringUnavailableException}
     */
    public RingStoppedException(String message, Throwable cause) {
        super(message, cause);
    }
}
