package io.uringactor.actor;

import io.uringactor.ring.AlignedBuffer;

/**
 * The reply to a block read or write: the caller's buffer, handed back, and how many bytes moved.
 * A read's data is in {@code buffer.byteBuffer()} at positions {@code 0..bytes-1}; fewer bytes than the
 * buffer holds means the block ran past the end of the file.
 *
 * <p>From a ring on another node the buffer is a fresh one of the same capacity and alignment: a read's
 * bytes are copied into it; a write's reply carries no data (the buffer is zeroed).
 */
public record BlockIo(AlignedBuffer buffer, int bytes) {
}
