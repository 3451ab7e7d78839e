package io.uringactor.actor.serialization;

import org.apache.pekko.util.ByteString;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Where the ring protocol's bytes go, and its primitive encodings; {@link WireIn} reads them back.
 * A message is written twice with the same code: once to a {@link Sizer}, which only counts, to size the
 * {@code byte[]}, and once to a {@link ToBuffer}; Artery's path writes once, straight into its frame buffer.
 *
 * <ul>
 *   <li>{@link #u8}: one byte; booleans and presence marks are 0 or 1.</li>
 *   <li>{@link #i64}: 8 bytes, little-endian, whatever the buffer's byte order.</li>
 *   <li>{@link #varInt}/{@link #varLong}: unsigned LEB128, 7 bits a byte, low bits first;
 *       {@link #sVarInt}/{@link #sVarLong} zig-zag first, so that small negative values stay short.</li>
 *   <li>A count or length that may stand for {@code null} is {@code n + 1}, and {@code 0} for {@code null}:
 *       a string is its UTF-8 length written so, then the bytes; a {@link ByteString} the same; a list of
 *       byte strings its count written so, then each.</li>
 *   <li>{@link Duration} and {@link Instant}: a presence mark, then the seconds zig-zag and the
 *       nanoseconds (0 to 999,999,999) unsigned.</li>
 * </ul>
 */
abstract class WireOut {
    abstract void u8(int v);

    abstract void bytes(byte[] b);

    abstract void bytes(ByteString b);

    /** The first {@code length} bytes of {@code b}, whatever its position. */
    abstract void bytes(ByteBuffer b, int length);

    final void bool(boolean b) {
        u8(b ? 1 : 0);
    }

    /** 8 bytes, little-endian, whatever the buffer's byte order. */
    final void i64(long v) {
        for (int i = 0; i < Long.BYTES; i++) {
            u8((int) (v >>> (8 * i)));
        }
    }

    /** Unsigned LEB128. */
    final void varLong(long v) {
        while ((v & ~0x7FL) != 0) {
            u8((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        u8((int) v);
    }

    /** Unsigned: a negative {@code int} takes five bytes. */
    final void varInt(int v) {
        varLong(v & 0xFFFFFFFFL);
    }

    final void sVarLong(long v) {
        varLong((v << 1) ^ (v >> 63));
    }

    final void sVarInt(int v) {
        varInt((v << 1) ^ (v >> 31));
    }

    /** A count or length that may stand for {@code null}: {@code n + 1}, or 0. */
    final void nullableCount(int n) {
        varInt(n + 1);
    }

    final void absent() {
        varInt(0);
    }

    final void string(String s) {
        if (s == null) {
            absent();
        } else {
            final byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            nullableCount(utf8.length);
            bytes(utf8);
        }
    }

    final void byteString(ByteString data) {
        if (data == null) {
            absent();
        } else {
            nullableCount(data.size());
            bytes(data);
        }
    }

    final void byteStrings(List<ByteString> list) {
        if (list == null) {
            absent();
            return;
        }
        nullableCount(list.size());
        for (ByteString b : list) {
            byteString(b);
        }
    }

    final void duration(Duration d) {
        if (d == null) {
            bool(false);
        } else {
            bool(true);
            sVarLong(d.getSeconds());
            varInt(d.getNano());
        }
    }

    final void instant(Instant t) {
        if (t == null) {
            bool(false);
        } else {
            bool(true);
            sVarLong(t.getEpochSecond());
            varInt(t.getNano());
        }
    }

    /** Counts the bytes a message takes, so that its {@code byte[]} is allocated once, at its size. */
    static final class Sizer extends WireOut {
        private int size;

        int size() {
            return size;
        }

        @Override
        void u8(int v) {
            size = Math.addExact(size, 1);
        }

        @Override
        void bytes(byte[] b) {
            size = Math.addExact(size, b.length);
        }

        @Override
        void bytes(ByteString b) {
            size = Math.addExact(size, b.size());
        }

        @Override
        void bytes(ByteBuffer b, int length) {
            size = Math.addExact(size, length);
        }
    }

    /** Writes into a buffer from its position; a full buffer throws {@link BufferOverflowException}. */
    static final class ToBuffer extends WireOut {
        private final ByteBuffer buffer;

        ToBuffer(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        boolean hasRemaining() {
            return buffer.hasRemaining();
        }

        @Override
        void u8(int v) {
            buffer.put((byte) v);
        }

        @Override
        void bytes(byte[] b) {
            buffer.put(b);
        }

        @Override
        void bytes(ByteString b) {
            // ByteString.copyToBuffer copies what fits and says nothing: overflow is checked here.
            if (buffer.remaining() < b.size()) {
                throw new BufferOverflowException();
            }
            b.copyToBuffer(buffer);
        }

        @Override
        void bytes(ByteBuffer b, int length) {
            buffer.put(b.duplicate().clear().limit(length));
        }
    }
}
