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

    static long of(Object request) {
        final Object r = request instanceof LocalRequest ? ((LocalRequest) request).command() : request;
        if (r instanceof RingCommand.Read) {
            return Math.max(1, ((RingCommand.Read) r).length());
        }
        if (r instanceof RingCommand.Write) {
            final ByteString data = ((RingCommand.Write) r).data();
            return data == null ? 0 : Math.max(1, data.size());
        }
        if (r instanceof RingCommand.ReadV) {
            final List<Integer> lengths = ((RingCommand.ReadV) r).lengths();
            if (lengths == null) {
                return 0;
            }
            long total = 0;
            for (Integer length : lengths) {
                total += length == null ? 0 : Math.max(0, length);
            }
            return vectored(total, lengths.size());
        }
        if (r instanceof RingCommand.WriteV) {
            final List<ByteString> data = ((RingCommand.WriteV) r).data();
            if (data == null) {
                return 0;
            }
            long total = 0;
            for (ByteString b : data) {
                total += b == null ? 0 : b.size();
            }
            return vectored(total, data.size());
        }
        if (r instanceof RingCommand.Stat) {
            return Statx.BUFFER_SIZE;
        }
        if (r instanceof RemoteBlockRequest) {
            return Math.max(1, ((RemoteBlockRequest) r).capacity());
        }
        return 0;
    }

    private static long vectored(long data, int buffers) {
        return buffers > IOV_MAX ? 0 : ((data + 15) & ~15L) + (long) buffers * IOVEC_SIZE;
    }
}
