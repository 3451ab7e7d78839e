package io.uringactor.actor.serialization;

import io.uringactor.ring.AlignedBuffer;

import com.typesafe.config.Config;

import java.io.NotSerializableException;

/**
 * The shape of a block buffer on the wire, shared by the block commands ({@link BlockCommandCodec}) and
 * {@link io.uringactor.actor.BlockIo} replies ({@link ReplyCodec}): its capacity as a nullable count
 * ({@code capacity + 1}, {@code 0} for no buffer), then, with a buffer, its alignment as a varint. The
 * buffer's bytes, when they travel, follow separately.
 */
final class BlockShape {
    /** The largest alignment written or read: 1 MiB, more than any device asks for O_DIRECT. */
    static final int MAX_ALIGNMENT = 1 << 20;

    private static final String MAX_IO_SIZE = "io-uring-actor.ring.max-io-size";
    private static final int DEFAULT_MAX_IO_SIZE = 16 << 20;

    private BlockShape() {
    }

    /**
     * The largest block capacity decoded: {@code io-uring-actor.ring.max-io-size} of the receiving node, and
     * never so large that {@code capacity + alignment - 1}, what an aligned allocation takes, overflows.
     */
    static int maxCapacity(Config config) {
        return config.hasPath(MAX_IO_SIZE)
                ? (int) Math.min(Integer.MAX_VALUE - MAX_ALIGNMENT, config.getBytes(MAX_IO_SIZE))
                : DEFAULT_MAX_IO_SIZE;
    }

    /** A buffer's capacity and alignment, or the mark of no buffer. */
    static void write(WireOut out, AlignedBuffer buffer) {
        if (buffer == null) {
            out.absent();
        } else {
            write(out, buffer.capacity(), buffer.alignment());
        }
    }

    static void write(WireOut out, int capacity, int alignment) {
        out.nullableCount(capacity);
        out.varInt(alignment);
    }

    static boolean isAlignment(int alignment) {
        return alignment > 0 && alignment <= MAX_ALIGNMENT && Integer.bitCount(alignment) == 1;
    }

    /** The alignment that follows a capacity: a power of two up to {@link #MAX_ALIGNMENT}. */
    static int readAlignment(WireIn in) throws NotSerializableException {
        final int alignment = in.varInt();
        if (!isAlignment(alignment)) {
            throw new NotSerializableException("block alignment must be a power of two up to " + MAX_ALIGNMENT
                    + ", got " + alignment);
        }
        return alignment;
    }
}
