package io.uringactor.stream.javadsl;

import org.apache.pekko.util.ByteString;

/**
 * A block read by {@link UringFileIO#blockReader}: the bytes at {@code offset}. {@code data} holds the
 * block size, fewer when the block runs past the end of the file, none at or past it.
 *
 * @param offset the file offset in bytes the block was read at, as it came from upstream
 * @param data   the bytes read: {@code blockSize} of them, fewer at the end of the file, empty past it
 */
public record BlockRead(long offset, ByteString data) {
}
