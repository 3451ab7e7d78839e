package io.uringactor.actor.serialization;

import org.apache.pekko.util.ByteString;

import java.io.NotSerializableException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Reads what {@link WireOut} writes (the encodings are listed there), from any sender: every length is
 * checked against the bytes left before anything is allocated for it, and malformed input throws
 * {@link NotSerializableException}. So no input makes a read allocate more than a small multiple of its size.
 */
final class WireIn {
    private final ByteBuffer buffer;
    /** Whether the bytes are ours to keep (a {@code byte[]} message): payloads are then views, not copies. */
    private final boolean owned;

    /**
     * @param owned whether {@code buffer} may be kept after decoding: true for a {@code byte[]} message, false
     *              for Artery's pooled buffers, whose payloads are copied out
     */
    WireIn(ByteBuffer buffer, boolean owned) {
        this.buffer = buffer;
        this.owned = owned && buffer.hasArray();
    }

    int remaining() {
        return buffer.remaining();
    }

    void require(int n) throws NotSerializableException {
        if (n < 0 || n > buffer.remaining()) {
            throw new NotSerializableException("needs " + n + " more bytes, has " + buffer.remaining());
        }
    }

    int u8() throws NotSerializableException {
        require(1);
        return buffer.get() & 0xFF;
    }

    boolean bool() throws NotSerializableException {
        final int b = u8();
        if (b > 1) {
            throw new NotSerializableException("not a boolean: " + b);
        }
        return b == 1;
    }

    long i64() throws NotSerializableException {
        require(Long.BYTES);
        long v = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            v |= (buffer.get() & 0xFFL) << (8 * i);
        }
        return v;
    }

    long varLong() throws NotSerializableException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            final int b = u8();
            // The tenth byte holds bit 63 only: anything more would be silently lost.
            if (shift == 63 && (b & 0x7E) != 0) {
                throw new NotSerializableException("varint overflows 64 bits");
            }
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new NotSerializableException("varint longer than 10 bytes");
    }

    int varInt() throws NotSerializableException {
        final long v = varLong();
        if ((v & ~0xFFFFFFFFL) != 0) {
            throw new NotSerializableException("varint overflows 32 bits: " + v);
        }
        return (int) v;
    }

    long sVarLong() throws NotSerializableException {
        final long v = varLong();
        return (v >>> 1) ^ -(v & 1);
    }

    int sVarInt() throws NotSerializableException {
        final int v = varInt();
        return (v >>> 1) ^ -(v & 1);
    }

    /**
     * A count or length written as n+1 (0 for null): -1 for null, else at most the bytes left. A count of
     * elements may use this bound only when every element takes at least a byte.
     */
    int nullableCount() throws NotSerializableException {
        return nullableCount(buffer.remaining());
    }

    /** As {@link #nullableCount()}, bounded by {@code max} instead of the bytes left. */
    int nullableCount(int max) throws NotSerializableException {
        final long v = varLong();
        if (v == 0) {
            return -1;
        }
        // v - 1 < 0: v is unsigned, and from 2^63 + 1 on, v - 1 is a negative long
        if (v - 1 > max || v - 1 < 0) {
            throw new NotSerializableException("length " + (v - 1) + " is over the limit of " + max);
        }
        return (int) (v - 1);
    }

    String utf8(int length) throws NotSerializableException {
        require(length);
        final String s;
        if (buffer.hasArray()) {
            s = new String(buffer.array(), buffer.arrayOffset() + buffer.position(), length, StandardCharsets.UTF_8);
            buffer.position(buffer.position() + length);
        } else {
            final byte[] bytes = new byte[length];
            buffer.get(bytes);
            s = new String(bytes, StandardCharsets.UTF_8);
        }
        return s;
    }

    /** {@code length} bytes: a view of the message when it is {@link #owned}, else a copy. */
    ByteString byteString(int length) throws NotSerializableException {
        require(length);
        if (length == 0) {
            return ByteString.emptyByteString();
        }
        if (owned) {
            final ByteString view = ByteString.fromArrayUnsafe(buffer.array(),
                    buffer.arrayOffset() + buffer.position(), length);
            buffer.position(buffer.position() + length);
            return view;
        }
        final byte[] bytes = new byte[length];
        buffer.get(bytes);
        return ByteString.fromArrayUnsafe(bytes);
    }

    /** Copies {@code length} bytes to the start of {@code target}. */
    void copyTo(ByteBuffer target, int length) throws NotSerializableException {
        require(length);
        final ByteBuffer slice = buffer.duplicate();
        slice.limit(slice.position() + length);
        target.duplicate().clear().put(slice);
        buffer.position(buffer.position() + length);
    }

    String string() throws NotSerializableException {
        final int length = nullableCount();
        return length < 0 ? null : utf8(length);
    }

    ByteString nullableByteString() throws NotSerializableException {
        final int length = nullableCount();
        return length < 0 ? null : byteString(length);
    }

    /** An unmodifiable list, or {@code null}; its elements may be {@code null}. */
    List<ByteString> byteStrings() throws NotSerializableException {
        final int count = nullableCount(); // each element takes a byte at least
        if (count < 0) {
            return null;
        }
        final List<ByteString> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            list.add(nullableByteString());
        }
        return Collections.unmodifiableList(list);
    }

    Duration duration() throws NotSerializableException {
        if (!bool()) {
            return null;
        }
        final long seconds = sVarLong();
        return Duration.ofSeconds(seconds, nanos());
    }

    Instant instant() throws NotSerializableException {
        if (!bool()) {
            return null;
        }
        final long seconds = sVarLong();
        if (seconds < Instant.MIN.getEpochSecond() || seconds > Instant.MAX.getEpochSecond()) {
            throw new NotSerializableException("instant out of range: " + seconds + " s");
        }
        return Instant.ofEpochSecond(seconds, nanos());
    }

    private int nanos() throws NotSerializableException {
        final int nanos = varInt();
        if (nanos < 0 || nanos > 999_999_999) {
            throw new NotSerializableException("nanoseconds out of range: " + nanos);
        }
        return nanos;
    }
}
