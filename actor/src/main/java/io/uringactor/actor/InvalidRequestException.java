package io.uringactor.actor;

import io.uringactor.ring.IoUringException;

/**
 * The request was refused without reaching the kernel: a negative offset or length, an unknown or closed
 * handle, an unaligned O_DIRECT buffer, a length over the configured maximum.
 */
public final class InvalidRequestException extends IoUringException {
    private static final long serialVersionUID = 1L;

    /**
     * A refusal.
     *
     * @param message what was wrong with the request, with the offending values
     */
    public InvalidRequestException(String message) {
        super(message);
    }
}
