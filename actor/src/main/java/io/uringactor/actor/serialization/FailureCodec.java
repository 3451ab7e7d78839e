package io.uringactor.actor.serialization;

import static io.uringactor.actor.serialization.RingProtocolSerializer.FAILURE;

import io.uringactor.actor.InvalidRequestException;
import io.uringactor.actor.RingOverloadedException;
import io.uringactor.actor.RingStoppedException;
import io.uringactor.actor.RingTimeoutException;
import io.uringactor.ring.ErrnoException;
import io.uringactor.ring.IoUringException;

import java.io.NotSerializableException;

/**
 * {@link IoUringException} and its subclasses, without stack traces: a kind byte, then
 *
 * <pre>
 * 1 ErrnoException            operation, errno (unsigned, 1 to 4095)
 * 2 InvalidRequestException   message
 * 3 RingOverloadedException   message
 * 4 RingStoppedException      message, cause
 * 5 RingTimeoutException      message
 * 6 IoUringException          message, cause
 * </pre>
 *
 * Strings as {@link WireOut} writes them; a {@code cause} is a presence mark, then a failure as above.
 * Kind 6 also stands for any other class (a subclass not listed, or a foreign cause): its class name goes
 * into the message ({@code "java.lang.IllegalStateException: boom"}), and it arrives as an
 * {@link IoUringException} naming it. Causes deeper than {@value #MAX_CAUSE_DEPTH} are left out when
 * writing, and refused when reading.
 */
final class FailureCodec implements MessageCodec {
    private static final int ERRNO = 1;
    private static final int INVALID_REQUEST = 2;
    private static final int OVERLOADED = 3;
    private static final int STOPPED = 4;
    private static final int TIMED_OUT = 5;
    private static final int OTHER = 6;
    /** Causes deeper than this are left out when writing, and refused when reading. */
    private static final int MAX_CAUSE_DEPTH = 8;
    /** Linux's errno values stay below this ({@code MAX_ERRNO} in {@code include/linux/err.h}). */
    private static final int MAX_ERRNO = 4095;

    @Override
    public String manifest(Object o) {
        return o instanceof IoUringException ? FAILURE : null;
    }

    @Override
    public void write(Object o, WireOut out) {
        if (!(o instanceof IoUringException)) {
            throw new IllegalArgumentException("not an IoUringException: " + o.getClass().getName());
        }
        failure(out, (IoUringException) o, 0);
    }

    @Override
    public Object read(String manifest, WireIn in) throws NotSerializableException {
        if (!FAILURE.equals(manifest)) {
            throw new NotSerializableException("not a failure manifest: " + manifest);
        }
        return failure(in, 0);
    }

    private static void failure(WireOut out, Throwable t, int depth) {
        if (t instanceof ErrnoException) {
            final ErrnoException e = (ErrnoException) t;
            out.u8(ERRNO);
            out.string(e.operation());
            out.varInt(e.errno());
            return;
        }
        if (t instanceof InvalidRequestException) {
            out.u8(INVALID_REQUEST);
        } else if (t instanceof RingOverloadedException) {
            out.u8(OVERLOADED);
        } else if (t instanceof RingTimeoutException) {
            out.u8(TIMED_OUT);
        } else if (t instanceof RingStoppedException) {
            out.u8(STOPPED);
        } else {
            // The base class, a subclass without a public constructor, or a foreign cause: its type goes
            // into the message.
            out.u8(OTHER);
            out.string(t.getClass() == IoUringException.class ? t.getMessage()
                    : t.getClass().getName() + (t.getMessage() == null ? "" : ": " + t.getMessage()));
            cause(out, t, depth);
            return;
        }
        out.string(t.getMessage());
        if (t instanceof RingStoppedException) {
            cause(out, t, depth);
        }
    }

    private static void cause(WireOut out, Throwable t, int depth) {
        final Throwable cause = t.getCause();
        // Written only where reading accepts it: the innermost failure read is at depth MAX_CAUSE_DEPTH - 1.
        if (cause == null || cause == t || depth + 1 >= MAX_CAUSE_DEPTH) {
            out.bool(false);
        } else {
            out.bool(true);
            failure(out, cause, depth + 1);
        }
    }

    private static IoUringException failure(WireIn in, int depth) throws NotSerializableException {
        if (depth >= MAX_CAUSE_DEPTH) {
            throw new NotSerializableException("failure causes nested deeper than " + MAX_CAUSE_DEPTH);
        }
        final int kind = in.u8();
        switch (kind) {
            case ERRNO: {
                final String operation = in.string();
                final int errno = in.varInt();
                if (errno <= 0 || errno > MAX_ERRNO) {
                    throw new NotSerializableException("errno out of range: " + errno);
                }
                return new ErrnoException(operation, errno);
            }
            case INVALID_REQUEST:
                return new InvalidRequestException(in.string());
            case OVERLOADED:
                return new RingOverloadedException(in.string());
            case TIMED_OUT:
                return new RingTimeoutException(in.string());
            case STOPPED: {
                final String message = in.string();
                final IoUringException cause = in.bool() ? failure(in, depth + 1) : null;
                return cause == null ? new RingStoppedException(message) : new RingStoppedException(message, cause);
            }
            case OTHER: {
                final String message = in.string();
                final IoUringException cause = in.bool() ? failure(in, depth + 1) : null;
                return cause == null ? new IoUringException(message) : new IoUringException(message, cause);
            }
            default:
                throw new NotSerializableException("unknown failure kind " + kind);
        }
    }
}
