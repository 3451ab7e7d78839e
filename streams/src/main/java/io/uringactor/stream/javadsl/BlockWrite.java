package io.uringactor.stream.javadsl;

import org.apache.pekko.util.ByteString;

/**
 * A write of {@code data} at {@code offset}, for {@link UringFileIO#blockWriter} and
 * {@link UringFileIO#blockWriteSink}.
 *
 * @param offset the file offset in bytes to write at, {@code >= 0}
 * @param data   the bytes to write, all of them (at most the ring's {@code max-io-size})
 */
public record BlockWrite(long offset, ByteString data) {
    /**
     * Checks the write.
     *
     * @throws IllegalArgumentException when {@code offset} is negative or {@code data} is {@code null}
     */
    public BlockWrite {
        if (offset < 0) {
            throw new IllegalArgumentException("offset=" + offset + " must not be negative");
        }
        if (data == null) {
            throw new IllegalArgumentException("data must not be null");
        }
    }
}
