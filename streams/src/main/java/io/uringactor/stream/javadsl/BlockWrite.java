package io.uringactor.stream.javadsl;

import org.apache.pekko.util.ByteString;

/** A write of {@code data} at {@code offset}, for {@link UringFileIO#blockWriter} and {@link UringFileIO#blockWriteSink}. */
public record BlockWrite(long offset, ByteString data) {
    public BlockWrite {
        if (offset < 0) {
            throw new IllegalArgumentException("offset=" + offset + " must not be negative");
        }
        if (data == null) {
            throw new IllegalArgumentException("data must not be null");
        }
    }
}
