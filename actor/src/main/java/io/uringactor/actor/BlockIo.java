package io.uringactor.actor;

import io.uringactor.ring.AlignedBuffer;

/**
 * The reply to a block read or write: the caller's buffer, handed back, and how many bytes moved.
 * A read's data is in {@code buffer.byteBuffer()} at positions {@code 0..bytes-1}; fewer bytes than the
 * buffer holds means the block ran past the end of the file.
 *
 * <p>From a ring on another node the caller's buffer stays untouched (it never left this process). A read's
 * reply holds a fresh buffer of exactly the bytes read: its capacity is {@code bytes}, its alignment that of
 * the buffer sent (when it holds fewer bytes than that alignment: the largest power of two it holds, at least
 * 4096, enough for every O_DIRECT op that fits in it). A write's reply has no buffer ({@code buffer()} is
 * {@code null}): {@code bytes} is the count written, the caller has those bytes already.
 *
 * @param buffer the buffer the bytes were read into or written from, back in the caller's hands; a fresh buffer
 *               for a read from another node, {@code null} for a write to another node
 * @param bytes  the number of bytes read or written
 */
public record BlockIo(AlignedBuffer buffer, int bytes) {
}
