package io.uringactor.actor;

import io.uringactor.ring.IoUringException;

/** The ring actor's in-flight slots and wait queue are full: the request was refused at once, untouched. */
public final class RingOverloadedException extends IoUringException {
    private static final long serialVersionUID = 1L;

    /**
     * An overload refusal.
     *
     * @param message which limit was reached ({@code max-queued}, {@code max-native-memory}, the kernel's SQ)
     */
    public RingOverloadedException(String message) {
        super(message);
    }
}
