package io.uringactor.actor;

import io.uringactor.ring.IoUringException;

/**
 * The request was refused without reaching the kernel: a negative offset or length, an unknown or closed
 * handle, an unaligned O_DIRECT buffer, a length over the configured maximum.
 */
public final class InvalidRequestException extends IoUringException {
    private static final long serialVersionUID = 1L;

    public InvalidRequestException(String message) {
        super(message);
    }
}
