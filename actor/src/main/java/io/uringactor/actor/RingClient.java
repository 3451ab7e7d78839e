package io.uringactor.actor;

import io.uringactor.actor.internal.GroupRouter;
import io.uringactor.actor.internal.Request;
import io.uringactor.ring.AlignedBuffer;
import io.uringactor.ring.Statx;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.util.ByteString;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The ring actor for code that is not an actor: every operation returns a {@link CompletionStage},
 * completed with the result or failed with the reply's exception (an
 * {@link io.uringactor.ring.ErrnoException} names the errno and the op). Thread-safe; any number of
 * threads may share one client and one ring.
 *
 * <p>Failures: a returned stage fails, it never throws, with an {@link io.uringactor.ring.IoUringException},
 * normally one of
 * <ul>
 *   <li>{@link io.uringactor.ring.ErrnoException}: the kernel refused the op; {@code errno()} and
 *       {@code operation()} name the errno and the op with its file, offset and length;</li>
 *   <li>{@link InvalidRequestException}: refused before reaching the kernel (an unknown or closed handle, a
 *       negative offset or length, a length over {@code max-io-size}, an unaligned O_DIRECT request);</li>
 *   <li>{@link RingOverloadedException}: no in-flight slot, no room in the wait queue, no native memory, or
 *       the kernel took no submission; the request was not done (for a write: the rest of a short write
 *       was not) and may be retried later;</li>
 *   <li>{@link RingTimeoutException}: a read or write ran past its op timeout (the ring's {@code op-timeout},
 *       or {@link #withTimeout}'s) and was cancelled in the kernel (a write may have written part of its
 *       data);</li>
 *   <li>{@link RingStoppedException}: the ring actor is stopping, stopped, failed or never started (its
 *       cause says why), or this client's actor system has terminated.</li>
 * </ul>
 * Asking a ring on another node adds a {@link java.util.concurrent.TimeoutException} ("Ask timed out on
 * [ring] after [...]", as Pekko's ask fails) once the client's ask timeout elapses.
 *
 * <p>Threads: for a ring in this JVM the stage is completed on the ring actor's own thread (its event loop,
 * or its own loop), the one that serves every request of the ring, so non-async callbacks
 * ({@code thenApply}, {@code whenComplete}) run there and hold up all other IO of the ring and every actor
 * on its loop: keep them short, or use the {@code *Async} variants with an executor of your own. An actor on
 * the ring's loop that uses {@code pipeToSelf} gets the result on that same thread, without a hand-off.
 * Failures that do not come from the actor (it has stopped, the system shuts down) complete the stage on
 * another Pekko thread instead, and a client of a terminated system returns stages already failed. For a ring
 * on another node the stage is completed on the thread that delivers the reply: Artery's for a request sent
 * alone, a thread of the default dispatcher for one that went in a batch (or the scheduler's, at the ask
 * timeout).
 *
 * <p>A ring on another node: a request made while others of this node are in flight to that ring waits for
 * the next batch, one Artery message carrying many requests, and the ring answers them in batches too
 * (reads and writes up to {@code maximum-frame-size} / 8; see {@code io-uring-actor.ring.remote-batching}).
 * Each request still gets its own reply and its own ask timeout.
 *
 * <pre>{@code
 * RingClient ring = RingExtension.get(system).client();
 * FileHandle file = ring.open(path, OpenOptions.readOnly()).toCompletableFuture().join();
 * ByteString head = ring.read(file, 0, 4096).toCompletableFuture().join();
 * }</pre>
 */
public final class RingClient {
    private final RingAsker asker;
    /** The timeout every read and write of this client carries; {@code null} for the ring's {@code op-timeout}. */
    private final Duration opTimeout;

    private RingClient(RingAsker asker, Duration opTimeout) {
        this.asker = asker;
        this.opTimeout = opTimeout;
    }

    /**
     * A client of {@code ring}, asking with the configured {@code io-uring-actor.ring.ask-timeout}.
     *
     * @param ring   the ring actor to send requests to, in this JVM or on another node
     * @param system the actor system whose scheduler, configuration and lifecycle the client uses
     * @return a new client; cheap, and safe to share between threads
     */
    public static RingClient create(ActorRef<RingCommand> ring, ActorSystem<?> system) {
        return create(ring, system, RingSettings.create(system).askTimeout());
    }

    /**
     * A client of {@code ring}. The ask timeout applies to a ring actor on another node, asked with the ask
     * pattern; it only bounds how long a caller waits, while an op's own {@code op-timeout} is what
     * cancels it in the kernel, so keep the ask timeout longer. A ring in this JVM is not asked with a
     * timeout: it answers every request it receives.
     *
     * @param ring       the ring actor to send requests to, in this JVM or on another node
     * @param system     the actor system whose scheduler and lifecycle the client uses
     * @param askTimeout how long to wait for a ring on another node before failing the stage
     * @return a new client; cheap, and safe to share between threads
     */
    public static RingClient create(ActorRef<RingCommand> ring, ActorSystem<?> system, Duration askTimeout) {
        return new RingClient(new RingAsker(ring, system, askTimeout, null, null), null);
    }

    /** The client of a ring group's rings (all in this JVM), routing each request with {@code router}. */
    static RingClient forGroup(List<ActorRef<RingCommand>> rings, GroupRouter router, ActorSystem<?> system,
                               Duration askTimeout) {
        return new RingClient(new RingAsker(rings.get(0), system, askTimeout, router, List.copyOf(rings)), null);
    }

    /**
     * This client with its own op timeout instead of the ring's {@code op-timeout}: every {@link #read},
     * {@link #write}, {@link #readv}, {@link #writev}, {@link #readBlock} and {@link #writeBlock} through the
     * returned client carries {@code timeout} (a write's short-write rest gets what is left of it). When it
     * elapses the op is cancelled in the kernel and the stage fails with {@link RingTimeoutException} (a write
     * may have written part of its data). The other operations take no op timeout and are unchanged, and so is
     * {@link #ask}, whose command carries its own. The view shares this client's ring (or group and its
     * routing), ask timeout and shutdown handling; it costs one small object, so make it once and keep it
     * rather than once per request:
     *
     * <pre>{@code
     * RingClient quick = ring.withTimeout(Duration.ofMillis(200));
     * ByteString head = quick.read(file, 0, 4096).toCompletableFuture().join();
     * }</pre>
     *
     * @param timeout the op timeout, positive
     * @return a client of the same ring whose reads and writes carry {@code timeout}
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public RingClient withTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("a timeout must be positive, got " + timeout);
        }
        return new RingClient(asker, timeout);
    }

    /**
     * Asks the ring with any {@link RingCommand}, built from a {@code replyTo} as for Pekko's
     * {@code askWithStatus}, and returns the reply's value as a stage (failed with the reply's error). This is
     * the ask pattern for Java code without its costs here: a ring actor in this JVM gets the command as a
     * local {@link Request} and completes the returned future itself, so there is no temporary ask actor and no
     * timer per request, and the stage runs its non-async callbacks on the thread that completes it. (Pekko's
     * javadsl ask returns a stage that runs even those as {@code *Async} callbacks on the common pool, which on
     * machines with two CPUs or fewer starts a new thread per callback.) In an actor:
     *
     * <pre>{@code
     * context.pipeToSelf(client.ask(replyTo -> new RingCommand.Fsync(file, false, replyTo)), (done, failure) -> ...);
     * }</pre>
     *
     * For the client of a {@link RingGroup}, a {@link RingCommand.Shutdown} stops every ring of the group.
     *
     * <p>It needs no timer: the ring answers every request it receives (op timeouts included), the dead-letter
     * guard those it never receives, and while the system shuts down the client answers those nobody will.
     * A ring on another node is asked with Pekko's ask pattern and this client's ask timeout.
     *
     * @param request builds the command from the {@code replyTo} to answer; for a ring in this JVM that
     *                argument is {@code null} and the command's {@code replyTo} is never told
     * @param <T>     the reply's value type
     * @return the reply's value, or its failure
     */
    public <T> CompletionStage<T> ask(Function<ActorRef<StatusReply<T>>, RingCommand> request) {
        return asker.ask(request);
    }

    /**
     * The ring actor this client asks, to tell it {@link RingCommand}s directly. For the client of a
     * {@link RingGroup}: called on one of the group's loops, the ring of that loop, so that a command told to it
     * and its reply stay on the caller's thread (an actor on the group's dispatcher may run on any of its loops,
     * so look it up per command rather than keeping it); called anywhere else, the group's first ring. Every
     * ring of a group serves every file of the group.
     *
     * @return the ring actor given at creation, or the calling loop's ring of the group
     */
    public ActorRef<RingCommand> ring() {
        return asker.ring();
    }

    /**
     * Opens {@code path} ({@code openat}, or {@code openat2} beneath the ring's root directory, if it has
     * one). Relative paths resolve against the ring process's working directory or that root; with a root,
     * a path that leaves it fails with {@code EXDEV}. A file created here gets mode {@code 0644} (less the
     * umask). Opening takes no {@code op-timeout}.
     *
     * @param path    the file, as the ring's node sees it
     * @param options access mode and flags; {@link OpenOptions#withDirect()} makes every later read and write
     *                of the handle need offsets and lengths aligned to the file's O_DIRECT alignment
     * @return a stage completed with the handle, valid with this ring only until {@link #close}; failed with
     *         {@link io.uringactor.ring.ErrnoException} ({@code ENOENT}, {@code EACCES}, {@code EEXIST},
     *         {@code EXDEV}, {@code ELOOP}, ...), {@link InvalidRequestException} (a path holding NUL),
     *         {@link RingOverloadedException} or {@link RingStoppedException}
     */
    public CompletionStage<FileHandle> open(Path path, OpenOptions options) {
        return ask(replyTo -> new RingCommand.Open(path.toString(), options, replyTo));
    }

    /**
     * Opens {@code path} given as the kernel takes it: a {@link Path} cannot express every name Linux
     * accepts (bytes that are no valid UTF-8 in the JVM's file system encoding, say). Otherwise as
     * {@link #open(Path, OpenOptions)}.
     *
     * @param path    the path, relative to the working directory or, for a ring with a root directory,
     *                beneath that root; not empty, no NUL
     * @param options how to open it
     * @return a stage completed with the handle, failed as {@link #open(Path, OpenOptions)} fails
     */
    public CompletionStage<FileHandle> open(String path, OpenOptions options) {
        return ask(replyTo -> new RingCommand.Open(path, options, replyTo));
    }

    /**
     * Closes a file. The handle stops resolving at once (later requests with it fail with
     * {@link InvalidRequestException}); ops on it already in flight finish first, and only then is the
     * descriptor closed, so their results never land in another file. A close is never refused because
     * the wait queue is full.
     *
     * @param file a handle this ring returned
     * @return a stage completed with {@code Done} once the descriptor is closed; failed with
     *         {@link InvalidRequestException} (unknown or already closed handle),
     *         {@link io.uringactor.ring.ErrnoException}, {@link RingOverloadedException} (the kernel took no
     *         submission) or {@link RingStoppedException}
     */
    public CompletionStage<Done> close(FileHandle file) {
        return ask(replyTo -> new RingCommand.Close(file, replyTo));
    }

    /**
     * Reads up to {@code length} bytes at {@code offset} ({@code pread}, one op), into a pooled native buffer
     * that the ring copies into the returned {@code ByteString}.
     *
     * @param file   a handle this ring returned
     * @param offset the file offset in bytes, {@code >= 0}
     * @param length the most bytes to read, {@code 0..max-io-size}
     * @return a stage completed with the bytes read: fewer than {@code length} at the end of the file, empty
     *         at or past it; failed with {@link io.uringactor.ring.ErrnoException},
     *         {@link InvalidRequestException}, {@link RingOverloadedException}, {@link RingTimeoutException}
     *         (after the op timeout: the ring's {@code op-timeout}, or {@link #withTimeout}'s) or
     *         {@link RingStoppedException}
     */
    public CompletionStage<ByteString> read(FileHandle file, long offset, int length) {
        return ask(replyTo -> new RingCommand.Read(file, offset, length, opTimeout, replyTo));
    }

    /**
     * Writes all of {@code data} at {@code offset} ({@code pwrite}): the ring copies it into a pooled native
     * buffer, and a short write is resubmitted for the rest until everything is written.
     *
     * @param file   a handle this ring returned, opened for writing
     * @param offset the file offset in bytes, {@code >= 0} (ignored for a file opened with append)
     * @param data   the bytes, at most {@code max-io-size}
     * @return a stage completed with {@code data.size()}; failed with {@link io.uringactor.ring.ErrnoException}
     *         ({@code ENOSPC}, {@code EBADF} for a read-only file, {@code EIO} when a write made no progress),
     *         {@link InvalidRequestException}, {@link RingOverloadedException}, {@link RingTimeoutException}
     *         or {@link RingStoppedException}; after a failure part of the data may have been written
     */
    public CompletionStage<Integer> write(FileHandle file, long offset, ByteString data) {
        return ask(replyTo -> new RingCommand.Write(file, offset, data, opTimeout, replyTo));
    }

    /**
     * Reads consecutive ranges starting at {@code offset} into one buffer per length, with one {@code readv}.
     *
     * @param file    a handle this ring returned
     * @param offset  the file offset in bytes of the first range, {@code >= 0}
     * @param lengths 1 to 1024 non-negative lengths, together at most {@code max-io-size}
     * @return a stage completed with one {@code ByteString} per length, in order (a {@link ByteStringList}):
     *         at the end of the file the last ones are short or empty; failed as {@link #read} does
     */
    public CompletionStage<List<ByteString>> readv(FileHandle file, long offset, List<Integer> lengths) {
        return ask(replyTo -> new RingCommand.ReadV(file, offset, lengths, opTimeout, replyTo));
    }

    /**
     * Writes the buffers one after another starting at {@code offset}, with one {@code writev}; a short write
     * is resubmitted for the rest.
     *
     * @param file   a handle this ring returned, opened for writing
     * @param offset the file offset in bytes, {@code >= 0}
     * @param data   1 to 1024 buffers, none {@code null}, together at most {@code max-io-size}
     * @return a stage completed with the total byte count; failed as {@link #write} does
     */
    public CompletionStage<Integer> writev(FileHandle file, long offset, List<ByteString> data) {
        return ask(replyTo -> new RingCommand.WriteV(file, offset, data, opTimeout, replyTo));
    }

    /**
     * Zero-copy read of {@code buffer.capacity()} bytes into {@code buffer}; see {@link RingCommand.ReadBlock}.
     *
     * <p>Ownership: from this call until the stage completes, the buffer belongs to the ring and the kernel
     * writes into it: do not read, write or reuse it, and keep a reference to it. One exception: a stage
     * failed with {@link RingStoppedException} because the ring stopped before the kernel gave the op back
     * (after {@code stop-timeout}) leaves the buffer to the kernel for good; drop it.
     *
     * @param file   a handle this ring returned; for an O_DIRECT file the offset, the capacity and the
     *               buffer's address must be multiples of its O_DIRECT alignment
     * @param offset the file offset in bytes, {@code >= 0}
     * @param buffer the memory to read into, e.g. from {@link AlignedBuffer#forDirectIo}
     * @return a stage completed with a {@link BlockIo} holding {@code buffer} (a fresh buffer when the ring
     *         is on another node) and the byte count, less than the capacity at the end of the file; failed
     *         as {@link #read} does, with {@link InvalidRequestException} also for an unaligned buffer
     */
    public CompletionStage<BlockIo> readBlock(FileHandle file, long offset, AlignedBuffer buffer) {
        return ask(replyTo -> new RingCommand.ReadBlock(file, offset, buffer, opTimeout, replyTo));
    }

    /**
     * Zero-copy write of {@code buffer}'s whole capacity at {@code offset}; see {@link RingCommand.WriteBlock}.
     * A short write is resubmitted for the rest.
     *
     * <p>Ownership: until the stage completes the kernel reads the buffer: do not modify it and keep a
     * reference to it (the exception after a stop, as for {@link #readBlock}, applies).
     *
     * @param file   a handle this ring returned, opened for writing; alignment as for {@link #readBlock}
     * @param offset the file offset in bytes, {@code >= 0}
     * @param buffer the bytes to write
     * @return a stage completed with a {@link BlockIo} holding {@code buffer} ({@code null} when the ring is
     *         on another node) and the byte count, the capacity; failed as {@link #write} does
     */
    public CompletionStage<BlockIo> writeBlock(FileHandle file, long offset, AlignedBuffer buffer) {
        return ask(replyTo -> new RingCommand.WriteBlock(file, offset, buffer, opTimeout, replyTo));
    }

    /**
     * Copies up to {@code length} bytes from {@code source} at {@code sourceOffset} to {@code target} at
     * {@code targetOffset} inside the kernel (splice through a pipe of the ring's); completes with the bytes
     * copied: {@code length}, fewer only at the source's end, 0 at or past it. Fails with an
     * {@link io.uringactor.ring.ErrnoException} naming the splice and its errno ({@code EINVAL}: the kernel
     * cannot splice these files) or an {@link InvalidRequestException} (bad handle, offset or length, a
     * length over {@code max-io-size}). See {@link RingCommand.CopyRange}.
     */
    public CompletionStage<Integer> copyRange(FileHandle source, long sourceOffset, FileHandle target,
                                              long targetOffset, int length) {
        return ask(replyTo -> new RingCommand.CopyRange(source, sourceOffset, target, targetOffset, length, replyTo));
    }

    /**
     * Punches a hole, keeping the file size ({@code fallocate(PUNCH_HOLE | KEEP_SIZE)}): the range's blocks
     * are freed and it reads back as zeros. Takes no {@code op-timeout}.
     *
     * @param file   a handle this ring returned, opened for writing
     * @param offset the first byte of the range, {@code >= 0}
     * @param length the range's length in bytes, {@code > 0}
     * @return a stage completed with {@code Done}; failed with {@link io.uringactor.ring.ErrnoException}
     *         ({@code EOPNOTSUPP} where the filesystem cannot punch holes), {@link InvalidRequestException},
     *         {@link RingOverloadedException} or {@link RingStoppedException}
     */
    public CompletionStage<Done> trim(FileHandle file, long offset, long length) {
        return ask(replyTo -> new RingCommand.Trim(file, offset, length, replyTo));
    }

    /**
     * Flushes the file's data and metadata to stable storage ({@code fsync}). It covers writes that
     * completed before it; writes still in flight may or may not be included. Takes no {@code op-timeout}.
     *
     * @param file a handle this ring returned
     * @return a stage completed with {@code Done}; failed with {@link io.uringactor.ring.ErrnoException}
     *         ({@code EIO}), {@link InvalidRequestException}, {@link RingOverloadedException} or
     *         {@link RingStoppedException}
     */
    public CompletionStage<Done> fsync(FileHandle file) {
        return ask(replyTo -> new RingCommand.Fsync(file, false, replyTo));
    }

    /**
     * Like {@link #fsync}, but flushes only the data and the metadata needed to read it back ({@code fdatasync}).
     *
     * @param file a handle this ring returned
     * @return a stage completed with {@code Done}; failed as {@link #fsync} does
     */
    public CompletionStage<Done> fdatasync(FileHandle file) {
        return ask(replyTo -> new RingCommand.Fsync(file, true, replyTo));
    }

    /**
     * The open file's metadata ({@code statx} on the descriptor), including its O_DIRECT alignment on Linux 6.1+.
     *
     * @param file a handle this ring returned
     * @return a stage completed with the metadata; failed with {@link io.uringactor.ring.ErrnoException},
     *         {@link InvalidRequestException}, {@link RingOverloadedException} or {@link RingStoppedException}
     */
    public CompletionStage<Statx> stat(FileHandle file) {
        return ask(replyTo -> new RingCommand.Stat(file, replyTo));
    }

    /**
     * The ring actor's counters; like every request to a ring in this JVM, without an ask or its timeout. For
     * the client of a {@link RingGroup}: the counters of its running rings added up ({@link RingStats#sum}).
     *
     * @return a stage completed with a snapshot of the counters; failed with {@link RingStoppedException}
     *         when the ring (every ring of the group) has stopped or could not start (the cause says why)
     */
    public CompletionStage<RingStats> stats() {
        if (asker.groupRings == null) {
            return ask(RingCommand.GetStats::new);
        }
        return statsPerRing().thenApply(RingStats::sum);
    }

    /**
     * The counters of each ring of a group, by ring number, those of stopped rings left out; for a client of
     * one ring, its counters alone.
     *
     * @return a stage completed with the snapshots; failed with {@link RingStoppedException} when no ring runs
     */
    public CompletionStage<List<RingStats>> statsPerRing() {
        if (asker.groupRings == null) {
            return stats().thenApply(List::of);
        }
        return asker.groupStats();
    }
}
