package io.uringactor.stream.javadsl;

import org.apache.pekko.util.ByteString;

/**
 * A block read by {@link UringFileIO#blockReader}: the bytes at {@code offset}. {@code data} holds the
 * block size, fewer when the block runs past the end of the file, none at or past it.
 */
public record BlockRead(long offset, ByteString data) {
}
