package io.uringactor.stream.javadsl;

import io.uringactor.actor.RingClient;
import io.uringactor.stream.impl.BlockReadStage;
import io.uringactor.stream.impl.BlockWriteStage;
import io.uringactor.stream.impl.FileSinkStage;
import io.uringactor.stream.impl.FileSourceStage;
import io.uringactor.stream.impl.SpliceCopy;
import io.uringactor.stream.impl.StageSetup;

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
 * Pekko Streams for files and blocks through an io_uring ring actor ({@link io.uringactor.actor.RingExtension}):
 * a {@link Source} and a {@link Sink} like Pekko's {@code FileIO}, but with several reads or writes in
 * flight, a block-level pair of flows, and an in-kernel {@link #copy}.
 *
 * <pre>{@code
 * CompletionStage<IOResult> written = UringFileIO.fromPath(in)
 *         .via(Compression.gzip())
 *         .runWith(UringFileIO.toPath(out), system);
 * }</pre>
 *
 * <h2>System and settings</h2>
 * Like {@code FileIO}, the stages need no {@code ActorSystem}: when one is materialized it takes the
 * materializer's system, that system's default ring ({@code RingExtension.get(system)}) unless a
 * {@link RingAttribute} names another, and, when no settings are given, the system's configured ones
 * ({@code io-uring-actor.stream.from-path}, {@code .to-path}, {@code .block-read}, {@code .block-write}; see
 * {@link FromPathSettings#create(org.apache.pekko.actor.typed.ActorSystem)} and the others). The forms with
 * an {@code ActorSystem} first are kept for compatibility: they use that system's default ring and its
 * configured settings whatever materializes them, which is the same thing unless the stage is run by
 * another system. {@link #copy} is no stage (it runs at once and returns a {@code CompletionStage}), so it
 * keeps its {@code ActorSystem}.
 *
 * <h2>Dispatcher</h2>
 * Every stage carries {@code ActorAttributes.dispatcher("io-uring-actor.stream.dispatcher")}, a config key
 * whose value names the dispatcher (by default the default ring's loop), and is an island of its own, as
 * Pekko's {@code FileIO} stages are. Point that key at another dispatcher id to move all stages, or use
 * {@code .withAttributes(ActorAttributes.dispatcher(id))} on one Source, Sink or Flow (this replaces its
 * attributes: add a {@link RingAttribute} after it). The stages are not fused with their neighbours.
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
     * The bytes of {@code path} as {@link #fromPath(Path, FromPathSettings)} reads them, with the settings the
     * materializer's system configures ({@code io-uring-actor.stream.from-path}: chunks of 128 KiB, 4 reads
     * in flight by default).
     */
    public static Source<ByteString, CompletionStage<IOResult>> fromPath(Path path) {
        return Source.fromGraph(new FileSourceStage(StageSetup.configured(path, FromPathSettings::create)));
    }

    /**
     * As {@link #fromPath(Path)}, in chunks of {@code chunkSize} bytes (as {@code FileIO.fromPath(path,
     * chunkSize)}); the rest of the settings as the system configures them.
     *
     * @throws IllegalArgumentException unless {@code chunkSize} is positive
     */
    public static Source<ByteString, CompletionStage<IOResult>> fromPath(Path path, int chunkSize) {
        FromPathSettings.create().withChunkSize(chunkSize); // refuses a bad chunk size now, not when run
        return Source.fromGraph(new FileSourceStage(StageSetup.configured(path,
                config -> FromPathSettings.create(config).withChunkSize(chunkSize))));
    }

    /**
     * The bytes of {@code path} from {@code settings.startPosition()}, in chunks of
     * {@code settings.chunkSize()} (the last one short at the end of the file), read up to
     * {@code settings.readsInFlight()} chunks ahead and emitted in file order, through the default ring of
     * the materializer's system. Materializes the byte count emitted (see the class comment for failures).
     */
    public static Source<ByteString, CompletionStage<IOResult>> fromPath(Path path, FromPathSettings settings) {
        return Source.fromGraph(new FileSourceStage(StageSetup.of(null, path, settings)));
    }

    /**
     * Writes the stream to {@code path} as {@link #toPath(Path, ToPathSettings)} does, with the settings the
     * materializer's system configures ({@code io-uring-actor.stream.to-path}: created or truncated,
     * 4 writes of up to 128 KiB in flight by default, as {@code FileIO.toPath}).
     */
    public static Sink<ByteString, CompletionStage<IOResult>> toPath(Path path) {
        return Sink.fromGraph(new FileSinkStage(StageSetup.configured(path, ToPathSettings::create)));
    }

    /**
     * Writes the stream to {@code path} at increasing offsets from {@code settings.startPosition()},
     * coalescing small elements into writes of up to {@code settings.chunkSize()} bytes with up to
     * {@code settings.writesInFlight()} in flight (one at a time with APPEND), through the default ring of
     * the materializer's system. The target is opened when the first element arrives (or the stream
     * completes empty). Materializes the byte count written, after the last write (and the fsync, with
     * {@code fsyncAtEnd}; the rename, with {@code atomicReplace}) succeeded and the file was closed. A failed
     * stream fails it after what was received is written (in place), with that count; see
     * {@link ToPathSettings} for atomic replace.
     */
    public static Sink<ByteString, CompletionStage<IOResult>> toPath(Path path, ToPathSettings settings) {
        return Sink.fromGraph(new FileSinkStage(StageSetup.of(null, path, settings)));
    }

    /**
     * Reads a block of {@code blockSize} bytes at each incoming offset (shorter at the end of the file,
     * empty past it), emitted in the order of the offsets; the rest as the materializer's system configures
     * it ({@code io-uring-actor.stream.block-read}: 8 reads in flight by default).
     *
     * @throws IllegalArgumentException unless {@code blockSize} is positive
     */
    public static Flow<Long, BlockRead, CompletionStage<IOResult>> blockReader(Path path, int blockSize) {
        BlockReadSettings.create(blockSize); // refuses a bad block size now, not when run
        return Flow.fromGraph(new BlockReadStage(StageSetup.configured(path,
                config -> BlockReadSettings.create(config, blockSize))));
    }

    /**
     * Reads a block at each incoming offset with up to {@code settings.readsInFlight()} reads in flight,
     * emitted in the order of the offsets. With {@code direct}, unaligned offsets or block sizes fail the
     * stream with an {@link IllegalArgumentException}. Materializes the byte count read.
     */
    public static Flow<Long, BlockRead, CompletionStage<IOResult>> blockReader(Path path, BlockReadSettings settings) {
        return Flow.fromGraph(new BlockReadStage(StageSetup.of(null, path, settings)));
    }

    /**
     * Writes each {@link BlockWrite} at its offset as {@link #blockWriter(Path, BlockWriteSettings)} does, with
     * the settings the materializer's system configures ({@code io-uring-actor.stream.block-write}: WRITE,
     * CREATE, existing content kept, 8 in flight by default).
     */
    public static Flow<BlockWrite, BlockWrite, CompletionStage<IOResult>> blockWriter(Path path) {
        return Flow.fromGraph(new BlockWriteStage(StageSetup.configured(path, BlockWriteSettings::create)));
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
    public static Flow<BlockWrite, BlockWrite, CompletionStage<IOResult>> blockWriter(Path path,
                                                                                   BlockWriteSettings settings) {
        return Flow.fromGraph(new BlockWriteStage(StageSetup.of(null, path, settings)));
    }

    /** {@link #blockWriter(Path)} as a sink. */
    public static Sink<BlockWrite, CompletionStage<IOResult>> blockWriteSink(Path path) {
        return blockWriter(path).toMat(Sink.ignore(), Keep.left());
    }

    /** {@link #blockWriter(Path, BlockWriteSettings)} as a sink. */
    public static Sink<BlockWrite, CompletionStage<IOResult>> blockWriteSink(Path path, BlockWriteSettings settings) {
        return blockWriter(path, settings).toMat(Sink.ignore(), Keep.left());
    }

    // The forms with an ActorSystem: kept for compatibility (see the class comment).

    /**
     * {@link #fromPath(Path)} through {@code system}'s default ring, with {@code system}'s configured
     * settings ({@link FromPathSettings#create(ActorSystem)}).
     */
    public static Source<ByteString, CompletionStage<IOResult>> fromPath(ActorSystem<?> system, Path path) {
        return fromPath(system, path, FromPathSettings.create(system));
    }

    /**
     * {@link #fromPath(Path, FromPathSettings)} through {@code system}'s default ring (unless a
     * {@link RingAttribute} names another), whatever system materializes it.
     */
    public static Source<ByteString, CompletionStage<IOResult>> fromPath(ActorSystem<?> system, Path path,
                                                                         FromPathSettings settings) {
        return Source.fromGraph(new FileSourceStage(StageSetup.of(system, path, settings)));
    }

    /**
     * {@link #toPath(Path)} through {@code system}'s default ring, with {@code system}'s configured
     * settings ({@link ToPathSettings#create(ActorSystem)}).
     */
    public static Sink<ByteString, CompletionStage<IOResult>> toPath(ActorSystem<?> system, Path path) {
        return toPath(system, path, ToPathSettings.create(system));
    }

    /**
     * {@link #toPath(Path, ToPathSettings)} through {@code system}'s default ring (unless a
     * {@link RingAttribute} names another), whatever system materializes it.
     */
    public static Sink<ByteString, CompletionStage<IOResult>> toPath(ActorSystem<?> system, Path path,
                                                                     ToPathSettings settings) {
        return Sink.fromGraph(new FileSinkStage(StageSetup.of(system, path, settings)));
    }

    /**
     * {@link #blockReader(Path, int)} through {@code system}'s default ring, with {@code system}'s configured
     * settings ({@link BlockReadSettings#create(ActorSystem, int)}).
     */
    public static Flow<Long, BlockRead, CompletionStage<IOResult>> blockReader(ActorSystem<?> system, Path path,
                                                                              int blockSize) {
        return blockReader(system, path, BlockReadSettings.create(system, blockSize));
    }

    /**
     * {@link #blockReader(Path, BlockReadSettings)} through {@code system}'s default ring (unless a
     * {@link RingAttribute} names another), whatever system materializes it.
     */
    public static Flow<Long, BlockRead, CompletionStage<IOResult>> blockReader(ActorSystem<?> system, Path path,
                                                                              BlockReadSettings settings) {
        return Flow.fromGraph(new BlockReadStage(StageSetup.of(system, path, settings)));
    }

    /**
     * {@link #blockWriter(Path)} through {@code system}'s default ring, with {@code system}'s configured
     * settings ({@link BlockWriteSettings#create(ActorSystem)}).
     */
    public static Flow<BlockWrite, BlockWrite, CompletionStage<IOResult>> blockWriter(ActorSystem<?> system, Path path) {
        return blockWriter(system, path, BlockWriteSettings.create(system));
    }

    /**
     * {@link #blockWriter(Path, BlockWriteSettings)} through {@code system}'s default ring (unless a
     * {@link RingAttribute} names another), whatever system materializes it.
     */
    public static Flow<BlockWrite, BlockWrite, CompletionStage<IOResult>> blockWriter(ActorSystem<?> system, Path path,
                                                                                   BlockWriteSettings settings) {
        return Flow.fromGraph(new BlockWriteStage(StageSetup.of(system, path, settings)));
    }

    /** {@link #blockWriter(ActorSystem, Path, BlockWriteSettings)} as a sink. */
    public static Sink<BlockWrite, CompletionStage<IOResult>> blockWriteSink(ActorSystem<?> system, Path path,
                                                                            BlockWriteSettings settings) {
        return blockWriter(system, path, settings).toMat(Sink.ignore(), Keep.left());
    }

    /** {@link #blockWriter(ActorSystem, Path)} as a sink. */
    public static Sink<BlockWrite, CompletionStage<IOResult>> blockWriteSink(ActorSystem<?> system, Path path) {
        return blockWriteSink(system, path, BlockWriteSettings.create(system));
    }

    // copy is no stage: it runs at once, so it needs its system (the ring, the blocking-IO dispatcher for
    // atomic replace, the readers the same-file check knows, the materializer of the stream fallback).

    /**
     * Copies {@code source} to {@code target} (created or truncated) inside the kernel, with {@code system}'s
     * configured settings ({@link CopySettings#create(ActorSystem)}; by default 1 MiB chunks spliced
     * file → pipe → file, 4 in flight). See {@link #copy(ActorSystem, Path, Path, CopySettings)}.
     */
    public static CompletionStage<IOResult> copy(ActorSystem<?> system, Path source, Path target) {
        return copy(system, source, target, CopySettings.create(system));
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
