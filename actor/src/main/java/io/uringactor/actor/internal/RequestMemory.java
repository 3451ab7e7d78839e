package io.uringactor.actor.internal;

import io.uringactor.actor.RingCommand;
import io.uringactor.ring.Statx;

import org.apache.pekko.util.ByteString;

import java.util.List;

/**
 * How much of the ring's native memory a request will hold while in flight: what the admission of a
 * request checks against the {@link NativeBufferPool}'s budget before it takes a slot. Block ops with
 * the caller's own buffer hold none of it. A request that takes a pool buffer counts at least 1 byte (it
 * gets at least a page), one that takes none counts 0 and is never held back for memory; malformed fields
 * count as little as possible (the request is refused before it allocates).
 */
final class RequestMemory {
    /** Most buffers of one vectored request. */
    static final int IOV_MAX = 1024;
    /** One {@code struct iovec}. */
    static final int IOVEC_SIZE = 16;
    /** What a vectored request needs beyond its data: the iovec array, 16-aligned after the data. */
    static final int VECTOR_OVERHEAD = IOV_MAX * IOVEC_SIZE + 15;

    private RequestMemory() {
    }

    static long of(Request request) {
        if (request.remoteBlock != null) {
            return Math.max(1, request.remoteBlock.capacity());
        }
        if (request.kind == null) {
            return 0;
        }
        switch (request.kind) {
            case READ:
                return Math.max(1, ((RingCommand.Read) request.command).length());
            case WRITE: {
                final ByteString data = ((RingCommand.Write) request.command).data();
                return data == null ? 0 : Math.max(1, data.size());
            }
            case READV: {
                final List<Integer> lengths = ((RingCommand.ReadV) request.command).lengths();
                if (lengths == null) {
                    return 0;
                }
                long total = 0;
                for (Integer length : lengths) {
                    total += length == null ? 0 : Math.max(0, length);
                }
                return vectored(total, lengths.size());
            }
            case WRITEV: {
                final List<ByteString> data = ((RingCommand.WriteV) request.command).data();
                if (data == null) {
                    return 0;
                }
                long total = 0;
                for (ByteString b : data) {
                    total += b == null ? 0 : b.size();
                }
                return vectored(total, data.size());
            }
            case STAT:
                return Statx.BUFFER_SIZE;
            default:
                return 0;
        }
    }

    private static long vectored(long data, int buffers) {
        return buffers > IOV_MAX ? 0 : ((data + 15) & ~15L) + (long) buffers * IOVEC_SIZE;
    }
}
