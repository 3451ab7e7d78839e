package io.uringactor.stream.javadsl;

import io.uringactor.actor.RingClient;
import io.uringactor.stream.impl.BlockReadStage;
import io.uringactor.stream.impl.BlockWriteStage;
import io.uringactor.stream.impl.FileSinkStage;
import io.uringactor.stream.impl.FileSourceStage;
import io.uringactor.stream.impl.SpliceCopy;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

import java.nio.file.Path;
import java.util.concurrent.CompletionStage;

/**
 * Pekko Streams for files and blocks through the io_uring ring actor of {@code system}
 * ({@link io.uringactor.actor.RingExtension}): a {@link Source} and a {@link Sink} like Pekko's
 * {@code FileIO}, but with several reads or writes in flight, a block-level pair of flows, and an
 * in-kernel {@link #copy}.
 *
 * <pre>{@code
 * CompletionStage<IOResult> written = UringFileIO.fromPath(system, in)
 *         .via(Compression.gzip())
 *         .runWith(UringFileIO.toPath(system, out), system);
 * }</pre>
 *
 * <h2>Backpressure</h2>
 * Every stage keeps at most its in-flight limit of operations outstanding: a source never has more than
 * {@code readsInFlight} chunks read ahead (issued or read but not yet emitted), a sink never more than
 * {@code writesInFlight} writes issued and pulls only while less than one chunk is buffered.
 *
 * <h2>Errors</h2>
 * Every stage opens its file when it starts and closes it when it stops, whether it completes, fails or
 * is cancelled (an open still in flight at that moment is closed as soon as it completes). A failing
 * operation fails the stream with the ring actor's exception: an {@link io.uringactor.ring.ErrnoException}
 * naming the errno and the op ({@code ENOENT} for a missing file, {@code EISDIR} for a directory,
 * {@code EACCES} for a permission), or an {@link io.uringactor.actor.InvalidRequestException},
 * {@link io.uringactor.actor.RingOverloadedException} or {@link io.uringactor.actor.RingStoppedException}.
 *
 * <p>The materialized {@link IOResult} of every stage follows Pekko's {@code FileIO.toPath} (its sink
 * style, for sources too): it completes after the file is closed, successfully with the byte count read
 * or written when the stage completed or was cancelled without a failure, and otherwise fails with an
 * {@link org.apache.pekko.stream.IOOperationIncompleteException} carrying the bytes moved so far and the
 * cause. The stages do not use the deprecated {@code IOResult} status field.
 *
 * <h2>Writing safely</h2>
 * A writer ({@link #toPath}, {@link #blockWriter}, {@link #copy}) checks before it truncates: it opens
 * (creates, truncates) its target only once there is something to write or the stream completes empty,
 * and a copy only once its source is open and known to be a readable file, so a stream or copy that fails
 * first leaves the target alone. A writer whose target is a file this ActorSystem is reading through
 * this class (the copy's own source, or the file of a running {@link #fromPath} or {@link #blockReader},
 * as the rings opened them: the same inode, and birth time where the file system reports one, from the
 * ring's {@code statx} of the reader's file and of the writer's target opened through the writer's ring;
 * {@code ./f}, hard links and symlinks count, and on a ring with a root directory the files beneath the
 * root are compared) fails with a {@link SameFileException} before touching it. A reader counts from when it has opened its file until it
 * has closed it: a reader that already read a small file to its end and closed it no longer protects it
 * from a writer that gets its bytes later (which then writes back what was read). The stages run on the
 * ring's loop, each an island of its own, so "small" is up to what the async boundaries between them hold
 * (16 elements each by default: 2 MiB of 128 KiB chunks) plus the reads in flight. To rewrite a file from
 * itself, use {@code withAtomicReplace(true)}: the old file stays whole until the new one is complete.
 *
 * <p>When the stream into {@link #toPath} fails, the sink writes what it had received before its result
 * fails, so the {@code IOOperationIncompleteException}'s count is what is in the file. Or, with
 * {@link ToPathSettings#withAtomicReplace} (and {@link CopySettings#withAtomicReplace}), the target is
 * replaced only by a complete, fsynced file: after a failure, a kill -9 or a crash it is the old file or
 * the whole new one. {@link ToPathSettings} says exactly what each mode guarantees, with and without
 * {@code fsyncAtEnd}.
 *
 * <p>Every stage talks to the system's default ring actor ({@link io.uringactor.actor.RingExtension})
 * unless a {@link RingAttribute} names another.
 */
public final class UringFileIO {
    private UringFileIO() {
    }

    /**
     * The bytes of {@code path} in chunks of 128 KiB (the last one short), with 4 reads in flight.
     * See {@link #fromPath(ActorSystem, Path, FromPathSettings)}.
     */
    public static Source<ByteString, CompletionStage<IOResult>> fromPath(ActorSystem<?> system, Path path) {
        return fromPath(system, path, FromPathSettings.create());
    }

    /**
     * The bytes of {@code path} from {@code settings.startPosition()}, in chunks of
     * {@code settings.chunkSize()} (the last one short at the end of the file), read up to
     * {@code settings.readsInFlight()} chunks ahead and emitted in file order. Materializes the byte count
     * emitted (see the class comment for failures).
     */
    public static Source<ByteString, CompletionStage<IOResult>> fromPath(ActorSystem<?> system, Path path,
                                                                         FromPathSettings settings) {
        return Source.fromGraph(new FileSourceStage(system, path, settings));
    }

    /**
     * Writes the stream to {@code path}, created or truncated (WRITE, CREATE, TRUNCATE_EXISTING, as
     * {@code FileIO.toPath}), with 4 writes of up to 128 KiB in flight.
     * See {@link #toPath(ActorSystem, Path, ToPathSettings)}.
     */
    public static Sink<ByteString, CompletionStage<IOResult>> toPath(ActorSystem<?> system, Path path) {
        return toPath(system, path, ToPathSettings.create());
    }

    /**
     * Writes the stream to {@code path} at increasing offsets from {@code settings.startPosition()},
     * coalescing small elements into writes of up to {@code settings.chunkSize()} bytes with up to
     * {@code settings.writesInFlight()} in flight (one at a time with APPEND). The target is opened when
     * the first element arrives (or the stream completes empty). Materializes the byte count written, after
     * the last write (and the fsync, with {@code fsyncAtEnd}; the rename, with {@code atomicReplace})
     * succeeded and the file was closed. A failed stream fails it after what was received is written (in
     * place), with that count; see {@link ToPathSettings} for atomic replace.
     */
    public static Sink<ByteString, CompletionStage<IOResult>> toPath(ActorSystem<?> system, Path path,
                                                                     ToPathSettings settings) {
        return Sink.fromGraph(new FileSinkStage(system, path, settings));
    }

    /**
     * Reads a block of {@code blockSize} bytes at each incoming offset (shorter at the end of the file,
     * empty past it), with 8 reads in flight, emitted in the order of the offsets.
     */
    public static Flow<Long, BlockRead, CompletionStage<IOResult>> blockReader(ActorSystem<?> system, Path path,
                                                                              int blockSize) {
        return blockReader(system, path, BlockReadSettings.create(blockSize));
    }

    /**
     * Reads a block at each incoming offset with up to {@code settings.readsInFlight()} reads in flight,
     * emitted in the order of the offsets. With {@code direct}, unaligned offsets or block sizes fail the
     * stream with an {@link IllegalArgumentException}. Materializes the byte count read.
     */
    public static Flow<Long, BlockRead, CompletionStage<IOResult>> blockReader(ActorSystem<?> system, Path path,
                                                                              BlockReadSettings settings) {
        return Flow.fromGraph(new BlockReadStage(system, path, settings));
    }

    /**
     * Writes each {@link BlockWrite} at its offset (the file is opened WRITE, CREATE: existing content is
     * kept), 8 in flight, and emits each one once written, in stream order.
     */
    public static Flow<BlockWrite, BlockWrite, CompletionStage<IOResult>> blockWriter(ActorSystem<?> system, Path path) {
        return blockWriter(system, path, BlockWriteSettings.create());
    }

    /**
     * Writes each {@link BlockWrite} at its offset with up to {@code settings.writesInFlight()} in flight
     * and emits each one once written, in stream order. The file is opened when the first write arrives (or
     * the stream completes empty); a file this system is reading fails the stream with a
     * {@link SameFileException}. A write overlapping one in flight waits for it,
     * so the file ends as if the writes had been made one after another. With {@code direct}, unaligned
     * offsets or lengths fail the stream with an {@link IllegalArgumentException}. Materializes the byte
     * count written, after the fsync with {@code fsyncAtEnd}.
     */
    public static Flow<BlockWrite, BlockWrite, CompletionStage<IOResult>> blockWriter(ActorSystem<?> system, Path path,
                                                                                   BlockWriteSettings settings) {
        return Flow.fromGraph(new BlockWriteStage(system, path, settings));
    }

    /** {@link #blockWriter(ActorSystem, Path, BlockWriteSettings)} as a sink. */
    public static Sink<BlockWrite, CompletionStage<IOResult>> blockWriteSink(ActorSystem<?> system, Path path,
                                                                            BlockWriteSettings settings) {
        return blockWriter(system, path, settings).toMat(Sink.ignore(), Keep.left());
    }

    /** {@link #blockWriter(ActorSystem, Path)} as a sink. */
    public static Sink<BlockWrite, CompletionStage<IOResult>> blockWriteSink(ActorSystem<?> system, Path path) {
        return blockWriteSink(system, path, BlockWriteSettings.create());
    }

    /**
     * Copies {@code source} to {@code target} (created or truncated) inside the kernel: 1 MiB chunks
     * spliced file → pipe → file, 4 in flight. See {@link #copy(ActorSystem, Path, Path, CopySettings)}.
     */
    public static CompletionStage<IOResult> copy(ActorSystem<?> system, Path source, Path target) {
        return copy(system, source, target, CopySettings.create());
    }

    /**
     * Copies {@code source} to {@code target} (created or truncated, mode 0644; or replaced atomically, see
     * {@link CopySettings}) without moving the bytes
     * through the JVM: chunks of {@code chunkSize}, each a {@link io.uringactor.actor.RingCommand.CopyRange}
     * of the system's default ring ({@code IORING_OP_SPLICE} file → pipe linked to pipe → file, with the
     * ring's pipes), {@code splicesInFlight} at a time; the caller never blocks. Falls back to
     * {@link #fromPath} into {@link #toPath} when the kernel cannot splice these files. The source's size
     * when it was opened is copied (bytes appended during the copy are not; a source that shrinks is
     * copied up to its new end). Completes with the
     * bytes copied, or fails with {@link org.apache.pekko.stream.IOOperationIncompleteException} holding
     * the bytes copied so far and the cause ({@code ENOENT}, {@code EISDIR}, {@code EACCES}, ...). The
     * source is opened and checked before the target is created or truncated; copying a file onto itself
     * (also through {@code ./}, a hard link or a symlink) fails with a {@link SameFileException} cause and
     * leaves it untouched.
     */
    public static CompletionStage<IOResult> copy(ActorSystem<?> system, Path source, Path target,
                                                 CopySettings settings) {
        return SpliceCopy.copy(system, source, target, settings);
    }

    /**
     * As {@link #copy(ActorSystem, Path, Path, CopySettings)}, through {@code ring} (what a
     * {@link RingAttribute} does for the stages): the ring's settings apply, so with a
     * {@link io.uringactor.actor.RingSettings#withRootDirectory root directory} relative paths resolve
     * beneath it and a path that leaves it fails with {@code EXDEV}. The stream fallback runs on the same
     * ring, and so does the same-file check (a copy of {@code "f"} onto {@code "f"} is refused by the file
     * beneath the root). The atomic replace's temporary file, mode and rename are JDK calls on the JVM's
     * view of the path (absolute, or relative to the working directory): with a rooted ring, which refuses
     * absolute paths, they would happen where the JVM resolves the relative path, not beneath the root, so
     * copy in place.
     */
    public static CompletionStage<IOResult> copy(ActorSystem<?> system, Path source, Path target,
                                                 CopySettings settings, RingClient ring) {
        return SpliceCopy.copy(system, ring, source, target, settings);
    }
}
