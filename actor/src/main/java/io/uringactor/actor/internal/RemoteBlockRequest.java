package io.uringactor.actor.internal;

import io.uringactor.actor.BlockIo;
import io.uringactor.actor.FileHandle;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.annotation.InternalApi;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.util.ByteString;

import java.time.Duration;

/**
 * A {@link io.uringactor.actor.RingCommand.ReadBlock} or {@link io.uringactor.actor.RingCommand.WriteBlock}
 * that came from another node. An {@link io.uringactor.ring.AlignedBuffer} cannot cross the wire, so the
 * serializer decodes the block command into this shape and allocates nothing: the ring actor takes the
 * aligned buffer from its memory budget when it admits the request (a request that does not fit waits or
 * is refused as overloaded), so a few bytes on the wire never make the receiver reserve megabytes.
 *
 * @param write     a block write (else a read)
 * @param capacity  the block's size: bytes to read, or {@code data.size()} for a write
 * @param alignment the buffer's alignment, a power of two
 * @param file      the handle on the ring's node
 * @param offset    the file offset in bytes
 * @param data      the bytes to write; {@code null} for a read
 * @param timeout   cancels the op in the kernel after this long; {@code null} for the ring's {@code op-timeout}
 * @param replyTo   gets a {@link io.uringactor.actor.BlockIo}: a fresh buffer of the bytes read, or no buffer
 *                  for a write
 */
@InternalApi
public record RemoteBlockRequest(boolean write, FileHandle file, long offset, int capacity, int alignment,
                                 ByteString data, Duration timeout, ActorRef<StatusReply<BlockIo>> replyTo) {
}
