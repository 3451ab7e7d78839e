package io.uringactor.actor;

import io.uringactor.ring.AlignedBuffer;
import io.uringactor.ring.Statx;

import org.apache.pekko.Done;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.util.ByteString;

import java.time.Duration;
import java.util.List;

/**
 * The ring actor's protocol. It travels between cluster nodes with
 * {@link io.uringactor.actor.serialization.RingProtocolSerializer} (bound in {@code reference.conf}), replies
 * and failures included. Every command carries its {@code replyTo} and gets exactly one reply: a
 * {@link StatusReply} holding the result, or an error holding an
 * {@link io.uringactor.ring.ErrnoException} (errno name and op), {@link InvalidRequestException},
 * {@link RingOverloadedException}, {@link RingTimeoutException} or {@link RingStoppedException}.
 *
 * <p>A {@code timeout} of {@code null} uses the actor's configured {@code op-timeout}; when a timeout
 * elapses the op is cancelled in the kernel ({@code IORING_OP_LINK_TIMEOUT}) and the reply is a
 * {@link RingTimeoutException}. Buffers stay owned by the actor until the kernel is done with them,
 * whether or not the asker still waits.
 */
public sealed interface RingCommand {

    /** Where the single reply goes. */
    ActorRef<?> replyTo();

    /**
     * Opens {@code path}: relative paths resolve against the working directory, or, for a ring with a
     * {@link RingSettings#withRootDirectory root directory}, beneath that directory, which the path may not
     * leave (absolute paths, {@code ..} or symlinks out of it fail with {@code EXDEV}).
     */
    record Open(String path, OpenOptions options, ActorRef<StatusReply<FileHandle>> replyTo) implements RingCommand {
    }

    /** Closes a file; its handle is invalid from now on, ops already in flight finish normally. */
    record Close(FileHandle file, ActorRef<StatusReply<Done>> replyTo) implements RingCommand {
    }

    /** Reads up to {@code length} bytes at {@code offset}; fewer at the end of the file. */
    record Read(FileHandle file, long offset, int length, Duration timeout,
                ActorRef<StatusReply<ByteString>> replyTo) implements RingCommand {
        public Read(FileHandle file, long offset, int length, ActorRef<StatusReply<ByteString>> replyTo) {
            this(file, offset, length, null, replyTo);
        }
    }

    /** Writes all of {@code data} at {@code offset}; short writes are resubmitted until done. Replies the count. */
    record Write(FileHandle file, long offset, ByteString data, Duration timeout,
                 ActorRef<StatusReply<Integer>> replyTo) implements RingCommand {
        public Write(FileHandle file, long offset, ByteString data, ActorRef<StatusReply<Integer>> replyTo) {
            this(file, offset, data, null, replyTo);
        }
    }

    /** Reads into consecutive buffers of the given lengths (one {@code readv}); the last ones are short at EOF. */
    record ReadV(FileHandle file, long offset, List<Integer> lengths, Duration timeout,
                 ActorRef<StatusReply<List<ByteString>>> replyTo) implements RingCommand {
        public ReadV(FileHandle file, long offset, List<Integer> lengths, ActorRef<StatusReply<List<ByteString>>> replyTo) {
            this(file, offset, lengths, null, replyTo);
        }
    }

    /** Writes the buffers one after another (one {@code writev}). Replies the total count. */
    record WriteV(FileHandle file, long offset, List<ByteString> data, Duration timeout,
                  ActorRef<StatusReply<Integer>> replyTo) implements RingCommand {
        public WriteV(FileHandle file, long offset, List<ByteString> data, ActorRef<StatusReply<Integer>> replyTo) {
            this(file, offset, data, null, replyTo);
        }
    }

    /**
     * Zero-copy read of {@code buffer.capacity()} bytes into the caller's buffer, for O_DIRECT files:
     * the offset, the capacity and the buffer address must be aligned to the file's O_DIRECT alignment.
     * The buffer comes back in the reply; do not touch it until then.
     *
     * <p>Sent to a ring on another node, the buffer cannot travel: its capacity and alignment do, the
     * remote ring reads into a buffer of its own and the reply brings the bytes read in a fresh buffer
     * (see {@link io.uringactor.actor.serialization.RingProtocolSerializer}). Exempt from
     * {@code pekko.actor.serialize-messages} so that local use stays zero-copy.
     */
    record ReadBlock(FileHandle file, long offset, AlignedBuffer buffer, Duration timeout,
                     ActorRef<StatusReply<BlockIo>> replyTo) implements RingCommand, NoSerializationVerificationNeeded {
        public ReadBlock(FileHandle file, long offset, AlignedBuffer buffer, ActorRef<StatusReply<BlockIo>> replyTo) {
            this(file, offset, buffer, null, replyTo);
        }
    }

    /**
     * Zero-copy write of the caller's whole buffer at {@code offset}; alignment as for {@link ReadBlock}.
     * Sent to a ring on another node, the buffer's bytes are copied into the message and into a fresh
     * aligned buffer there; the reply does not send them back.
     */
    record WriteBlock(FileHandle file, long offset, AlignedBuffer buffer, Duration timeout,
                      ActorRef<StatusReply<BlockIo>> replyTo) implements RingCommand, NoSerializationVerificationNeeded {
        public WriteBlock(FileHandle file, long offset, AlignedBuffer buffer, ActorRef<StatusReply<BlockIo>> replyTo) {
            this(file, offset, buffer, null, replyTo);
        }
    }

    /**
     * Copies up to {@code length} bytes from {@code source} at {@code sourceOffset} to {@code target} at
     * {@code targetOffset} inside the kernel ({@code IORING_OP_SPLICE} file &rarr; pipe, linked to pipe &rarr;
     * file, through a pipe of the ring's own; the bytes never enter user space). Replies the bytes copied:
     * all of {@code length}, fewer only when the source ends first, 0 at or past its end. A copy larger than
     * the pipe ({@code /proc/sys/fs/pipe-max-size} caps it) takes several rounds, each a pair of SQEs.
     *
     * <p>Both files count the copy as in flight: a {@link Close} of either waits for it. A copy holds no
     * native memory of the ring's budget, only a slot and a pipe.
     *
     * <p>Copies take no timeout: {@code timeout} must be {@code null} (anything else is refused with
     * {@link InvalidRequestException}), and the ring's {@code op-timeout} does not apply to them; a copy
     * ends when the kernel finishes it, or is cancelled when the ring stops.
     *
     * <p>Failures: {@link io.uringactor.ring.ErrnoException} naming the splice half and its errno, e.g.
     * {@code EINVAL} when the kernel cannot splice these files (a file system without splice support, an
     * O_APPEND target), {@code EBADF} for a target opened read-only; after a failure the target may hold
     * part of the range. {@link InvalidRequestException} for an unknown or closed handle, a negative offset
     * or length, a length over {@code max-io-size}, O_DIRECT misalignment, or a non-null timeout;
     * {@link RingOverloadedException} when no pipe can be made ({@code EMFILE}) or the ring is full.
     */
    record CopyRange(FileHandle source, long sourceOffset, FileHandle target, long targetOffset, int length,
                     Duration timeout, ActorRef<StatusReply<Integer>> replyTo) implements RingCommand {
        public CopyRange(FileHandle source, long sourceOffset, FileHandle target, long targetOffset, int length,
                         ActorRef<StatusReply<Integer>> replyTo) {
            this(source, sourceOffset, target, targetOffset, length, null, replyTo);
        }
    }

    /** Deallocates a range ({@code fallocate} punch hole, keep size): it reads back as zeros. */
    record Trim(FileHandle file, long offset, long length, ActorRef<StatusReply<Done>> replyTo) implements RingCommand {
    }

    /** {@code fsync}, or {@code fdatasync} when {@code dataOnly}. */
    record Fsync(FileHandle file, boolean dataOnly, ActorRef<StatusReply<Done>> replyTo) implements RingCommand {
    }

    /** The file's metadata ({@code statx}): size, block size, times, O_DIRECT alignment. */
    record Stat(FileHandle file, ActorRef<StatusReply<Statx>> replyTo) implements RingCommand {
    }

    /** The actor's counters. */
    record GetStats(ActorRef<RingStats> replyTo) implements RingCommand {
    }

    /**
     * Stops the actor gracefully: refuses new requests and queued ones with {@link RingStoppedException},
     * lets in-flight ops complete and answers them, closes the files and the ring, then replies
     * {@code Done}. From another node it is refused with {@link InvalidRequestException} unless
     * {@code io-uring-actor.ring.allow-remote-shutdown = on}.
     */
    record Shutdown(ActorRef<StatusReply<Done>> replyTo) implements RingCommand {
    }
}
