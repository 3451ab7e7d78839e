package io.uringactor.actor.internal;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.RingSettings;
import io.uringactor.ring.AlignedBuffer;

import java.time.Duration;
import java.util.List;

/**
 * The checks a request passes before it takes any kernel resource. Each returns {@code null} when the
 * request may go on, or the refusal that its {@link io.uringactor.actor.InvalidRequestException} says;
 * nothing here throws on bad input, whoever sent it.
 */
final class RequestChecks {
    /** Most buffers of one vectored request ({@code IOV_MAX}). */
    static final int IOV_MAX = RequestMemory.IOV_MAX;

    private final RingSettings settings;
    private final OpenFiles files;

    RequestChecks(RingSettings settings, OpenFiles files) {
        this.settings = settings;
        this.files = files;
    }

    /** A read or write of {@code length} bytes at {@code offset} of the open file at table index {@code file}. */
    String io(int file, FileHandle handle, long offset, long length) {
        if (file < 0) {
            return files.refusalFor(handle);
        }
        if (offset < 0 || length < 0) {
            return "offset and length must not be negative, got offset=" + offset + ", length=" + length;
        }
        if (length > settings.maxIoSize()) {
            return "length=" + length + " is over max-io-size=" + settings.maxIoSize();
        }
        final int alignment = files.directIoAlignment(file);
        if (alignment > 0 && (offset % alignment != 0 || length % alignment != 0)) {
            return "O_DIRECT file " + files.path(file) + " needs offset and length aligned to " + alignment
                    + ", got offset=" + offset + ", length=" + length;
        }
        return null;
    }

    /** A block op on the caller's {@code buffer}: as {@link #io}, and the buffer's address aligned for O_DIRECT. */
    String block(int file, FileHandle handle, long offset, AlignedBuffer buffer) {
        if (buffer == null) {
            return "a block op needs a buffer";
        }
        final String refusal = io(file, handle, offset, buffer.capacity());
        if (refusal != null) {
            return refusal;
        }
        final int alignment = files.directIoAlignment(file);
        if (alignment > 0 && (buffer.address() & (alignment - 1)) != 0) {
            return "O_DIRECT file " + files.path(file) + " needs a buffer aligned to " + alignment + ", got " + buffer;
        }
        return null;
    }

    /** The buffer lengths of a vectored op: 1 to {@link #IOV_MAX}, none null or negative. */
    static String vector(List<Integer> lengths) {
        if (lengths == null || lengths.isEmpty() || lengths.size() > IOV_MAX || containsNull(lengths)) {
            return "vectored IO needs 1 to " + IOV_MAX + " buffers, got " + lengths;
        }
        for (int length : lengths) {
            if (length < 0) {
                return "buffer lengths must not be negative, got " + lengths;
            }
        }
        return null;
    }

    /** An op timeout: none, or positive. */
    static String timeout(Duration limit) {
        return limit != null && (limit.isNegative() || limit.isZero()) ? "a timeout must be positive, got " + limit
                : null;
    }

    static String unknownHandle(FileHandle handle) {
        return "unknown or closed file handle " + handle;
    }

    static boolean containsNull(List<?> list) {
        for (Object o : list) {
            if (o == null) {
                return true;
            }
        }
        return false;
    }
}
