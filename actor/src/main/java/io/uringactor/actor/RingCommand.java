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
 * whether or not the asker still waits. Only the reads and writes take a timeout; open, close, trim, fsync
 * and stat wait as long as the kernel takes.
 *
 * <p>Each {@code replyTo} is told exactly once, by the ring actor on its own thread (or, for a request
 * that never reaches a running ring, by the ring's mailbox or a dead-letter guard with a
 * {@link RingStoppedException}).
 */
public sealed interface RingCommand {

    /**
     * Where the single reply goes.
     *
     * @return the actor told the result or the failure
     */
    ActorRef<?> replyTo();

    /**
     * Opens {@code path}: relative paths resolve against the working directory, or, for a ring with a
     * {@link RingSettings#withRootDirectory root directory}, beneath that directory, which the path may not
     * leave (absolute paths, {@code ..} or symlinks out of it fail with {@code EXDEV}). Created files get
     * mode {@code 0644}, less the umask.
     *
     * @param path    the file's path on the ring's node; not empty, no NUL
     * @param options access mode and flags
     * @param replyTo gets the new file's handle, valid with this actor only
     */
    record Open(String path, OpenOptions options, ActorRef<StatusReply<FileHandle>> replyTo) implements RingCommand {
    }

    /**
     * Closes a file; its handle is invalid from now on, ops already in flight finish normally, and the
     * descriptor is closed after the last of them. Never refused because the wait queue is full.
     *
     * @param file    the handle to close
     * @param replyTo gets {@code Done} once the descriptor is closed
     */
    record Close(FileHandle file, ActorRef<StatusReply<Done>> replyTo) implements RingCommand {
    }

    /**
     * Reads up to {@code length} bytes at {@code offset}; fewer at the end of the file.
     *
     * @param file    the handle to read
     * @param offset  the file offset in bytes, {@code >= 0}
     * @param length  the most bytes to read, {@code 0..max-io-size}
     * @param timeout cancels the read in the kernel after this long; {@code null} for the actor's {@code op-timeout}
     * @param replyTo gets the bytes read: empty at or past the end of the file
     */
    record Read(FileHandle file, long offset, int length, Duration timeout,
                ActorRef<StatusReply<ByteString>> replyTo) implements RingCommand {
        /**
         * A read with the actor's configured {@code op-timeout}.
         *
         * @param file    the handle to read
         * @param offset  the file offset in bytes, {@code >= 0}
         * @param length  the most bytes to read
         * @param replyTo gets the bytes read
         */
        public Read(FileHandle file, long offset, int length, ActorRef<StatusReply<ByteString>> replyTo) {
            this(file, offset, length, null, replyTo);
        }
    }

    /**
     * Writes all of {@code data} at {@code offset}; short writes are resubmitted until done. Replies the count.
     * A write that fails or times out may have written part of the data.
     *
     * @param file    the handle to write, opened for writing
     * @param offset  the file offset in bytes, {@code >= 0}
     * @param data    the bytes, at most {@code max-io-size}; copied into native memory before the write starts
     * @param timeout bounds the whole write, continuations included; {@code null} for the actor's {@code op-timeout}
     * @param replyTo gets {@code data.size()}
     */
    record Write(FileHandle file, long offset, ByteString data, Duration timeout,
                 ActorRef<StatusReply<Integer>> replyTo) implements RingCommand {
        /**
         * A write with the actor's configured {@code op-timeout}.
         *
         * @param file    the handle to write
         * @param offset  the file offset in bytes, {@code >= 0}
         * @param data    the bytes
         * @param replyTo gets {@code data.size()}
         */
        public Write(FileHandle file, long offset, ByteString data, ActorRef<StatusReply<Integer>> replyTo) {
            this(file, offset, data, null, replyTo);
        }
    }

    /**
     * Reads into consecutive buffers of the given lengths (one {@code readv}); the last ones are short at EOF.
     *
     * @param file    the handle to read
     * @param offset  the file offset in bytes of the first buffer, {@code >= 0}
     * @param lengths 1 to 1024 non-negative lengths, together at most {@code max-io-size}
     * @param timeout cancels the read in the kernel after this long; {@code null} for the actor's {@code op-timeout}
     * @param replyTo gets one {@code ByteString} per length, as a {@link ByteStringList}
     */
    record ReadV(FileHandle file, long offset, List<Integer> lengths, Duration timeout,
                 ActorRef<StatusReply<List<ByteString>>> replyTo) implements RingCommand {
        /**
         * A vectored read with the actor's configured {@code op-timeout}.
         *
         * @param file    the handle to read
         * @param offset  the file offset in bytes of the first buffer
         * @param lengths the buffers' lengths
         * @param replyTo gets one {@code ByteString} per length
         */
        public ReadV(FileHandle file, long offset, List<Integer> lengths, ActorRef<StatusReply<List<ByteString>>> replyTo) {
            this(file, offset, lengths, null, replyTo);
        }
    }

    /**
     * Writes the buffers one after another (one {@code writev}; a short write is resubmitted for the rest).
     * Replies the total count.
     *
     * @param file    the handle to write, opened for writing
     * @param offset  the file offset in bytes of the first buffer, {@code >= 0}
     * @param data    1 to 1024 buffers, none {@code null}, together at most {@code max-io-size}
     * @param timeout bounds the whole write, continuations included; {@code null} for the actor's {@code op-timeout}
     * @param replyTo gets the total byte count
     */
    record WriteV(FileHandle file, long offset, List<ByteString> data, Duration timeout,
                  ActorRef<StatusReply<Integer>> replyTo) implements RingCommand {
        /**
         * A vectored write with the actor's configured {@code op-timeout}.
         *
         * @param file    the handle to write
         * @param offset  the file offset in bytes of the first buffer
         * @param data    the buffers
         * @param replyTo gets the total byte count
         */
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
     *
     * <p>Ownership: the actor keeps a reference to the buffer, and the kernel may write it, until the op's
     * last CQE (the read's and its linked timeout's) has been reaped; only then is the reply sent, a timeout
     * or an error included. If the actor stops before the kernel gives the op back ({@code stop-timeout}),
     * the reply is a {@link RingStoppedException} and the buffer stays the kernel's: never reuse it.
     *
     * @param file    the handle to read
     * @param offset  the file offset in bytes, {@code >= 0}
     * @param buffer  the memory to read into, its whole capacity (at most {@code max-io-size})
     * @param timeout cancels the read in the kernel after this long; {@code null} for the actor's {@code op-timeout}
     * @param replyTo gets the buffer back with the byte count
     */
    record ReadBlock(FileHandle file, long offset, AlignedBuffer buffer, Duration timeout,
                     ActorRef<StatusReply<BlockIo>> replyTo) implements RingCommand, NoSerializationVerificationNeeded {
        /**
         * A block read with the actor's configured {@code op-timeout}.
         *
         * @param file    the handle to read
         * @param offset  the file offset in bytes
         * @param buffer  the memory to read into
         * @param replyTo gets the buffer back with the byte count
         */
        public ReadBlock(FileHandle file, long offset, AlignedBuffer buffer, ActorRef<StatusReply<BlockIo>> replyTo) {
            this(file, offset, buffer, null, replyTo);
        }
    }

    /**
     * Zero-copy write of the caller's whole buffer at {@code offset}; alignment as for {@link ReadBlock}.
     * Sent to a ring on another node, the buffer's bytes are copied into the message and into a fresh
     * aligned buffer there; the reply does not send them back. A short write is resubmitted for the rest.
     *
     * <p>Ownership: as for {@link ReadBlock}; the kernel reads the buffer until the reply, so do not modify it.
     *
     * @param file    the handle to write, opened for writing
     * @param offset  the file offset in bytes, {@code >= 0}
     * @param buffer  the bytes to write, its whole capacity (at most {@code max-io-size})
     * @param timeout bounds the whole write, continuations included; {@code null} for the actor's {@code op-timeout}
     * @param replyTo gets the buffer back with the byte count
     */
    record WriteBlock(FileHandle file, long offset, AlignedBuffer buffer, Duration timeout,
                      ActorRef<StatusReply<BlockIo>> replyTo) implements RingCommand, NoSerializationVerificationNeeded {
        /**
         * A block write with the actor's configured {@code op-timeout}.
         *
         * @param file    the handle to write
         * @param offset  the file offset in bytes
         * @param buffer  the bytes to write
         * @param replyTo gets the buffer back with the byte count
         */
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
     *
     * @param source       the handle of the file to copy from, opened for reading
     * @param sourceOffset where in {@code source} the range starts, {@code >= 0}
     * @param target       the handle of the file to copy to, opened for writing (not O_APPEND)
     * @param targetOffset where in {@code target} the bytes go, {@code >= 0}
     * @param length       the most bytes to copy, {@code 0..max-io-size}
     * @param timeout      must be {@code null}: copies take no timeout
     * @param replyTo      gets the number of bytes copied
     */
    record CopyRange(FileHandle source, long sourceOffset, FileHandle target, long targetOffset, int length,
                     Duration timeout, ActorRef<StatusReply<Integer>> replyTo) implements RingCommand {
        public CopyRange(FileHandle source, long sourceOffset, FileHandle target, long targetOffset, int length,
                         ActorRef<StatusReply<Integer>> replyTo) {
            this(source, sourceOffset, target, targetOffset, length, null, replyTo);
        }
    }

    /**
     * Deallocates a range ({@code fallocate} punch hole, keep size): it reads back as zeros.
     *
     * @param file    the handle of the file, opened for writing
     * @param offset  the first byte of the range, {@code >= 0}
     * @param length  the range's length in bytes, {@code > 0}
     * @param replyTo gets {@code Done}
     */
    record Trim(FileHandle file, long offset, long length, ActorRef<StatusReply<Done>> replyTo) implements RingCommand {
    }

    /**
     * {@code fsync}, or {@code fdatasync} when {@code dataOnly}.
     *
     * @param file     the handle of the file to flush
     * @param dataOnly flush only the data and the metadata needed to read it ({@code fdatasync})
     * @param replyTo  gets {@code Done} once the file is on stable storage
     */
    record Fsync(FileHandle file, boolean dataOnly, ActorRef<StatusReply<Done>> replyTo) implements RingCommand {
    }

    /**
     * The file's metadata ({@code statx}): size, block size, times, O_DIRECT alignment.
     *
     * @param file    the handle of the file
     * @param replyTo gets the metadata
     */
    record Stat(FileHandle file, ActorRef<StatusReply<Statx>> replyTo) implements RingCommand {
    }

    /**
     * The actor's counters. Answered at once, also while the actor stops; a stopped ring (or one that
     * could not start) answers with {@link RingStoppedException}, like every other command.
     *
     * @param replyTo gets a snapshot of the counters
     */
    record GetStats(ActorRef<StatusReply<RingStats>> replyTo) implements RingCommand {
    }

    /**
     * Stops the actor gracefully: refuses new requests and queued ones with {@link RingStoppedException},
     * lets in-flight ops complete and answers them, closes the files and the ring, then replies
     * {@code Done}. From another node it is refused with {@link InvalidRequestException} unless
     * {@code io-uring-actor.ring.allow-remote-shutdown = on}.
     *
     * @param replyTo gets {@code Done} once the ring is closed; every Shutdown sent meanwhile gets one too
     */
    record Shutdown(ActorRef<StatusReply<Done>> replyTo) implements RingCommand {
    }
}
