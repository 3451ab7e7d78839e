package io.uringactor.stream.impl;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingExtension;
import io.uringactor.ring.Errno;
import io.uringactor.ring.ErrnoException;
import io.uringactor.ring.Statx;
import io.uringactor.stream.javadsl.CopySettings;
import io.uringactor.stream.javadsl.FromPathSettings;
import io.uringactor.stream.javadsl.RingAttribute;
import io.uringactor.stream.javadsl.ToPathSettings;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.annotation.InternalApi;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.IOOperationIncompleteException;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Copies a file inside the kernel through the ring actor: the source is cut into chunks of
 * {@code chunkSize}, each a {@link RingCommand.CopyRange} (splice file &rarr; pipe &rarr; file, done by the
 * ring with a pipe of its own), {@code splicesInFlight} of them in flight, sent in order of offsets. The
 * copy therefore honours the ring's settings: its root directory (relative paths resolve beneath it),
 * its limits and its shutdown. When the kernel refuses to splice these files ({@code EINVAL},
 * {@code EOPNOTSUPP}, which is also what a kernel without {@code IORING_OP_SPLICE} answers) or the source
 * is not a regular file, the copy falls back to the ring actor's Source &rarr; Sink.
 *
 * <p>Check before you truncate: the source is opened and statted through the ring, and registered as read
 * in {@link OpenReaders}, before the target is checked through the ring ({@link TargetProbe}, which refuses
 * the source itself and any other file this system reads), the {@link WriteTarget} prepared and the target
 * opened for writing.
 *
 * <p>Nothing blocks a thread except the JDK's file work of atomic mode ({@link WriteTarget}), which runs
 * on Pekko's blocking-IO dispatcher; the ring's replies continue the copy on the thread that completes them
 * (the ring actor's, for a local ring), with short work only: the next request.
 */
@InternalApi
public final class SpliceCopy {
    private final ActorSystem<?> system;
    private final RingClient ring;
    private final Path source;
    private final Path target;
    private final CopySettings settings;
    private final OpenReaders readers;
    private final WriteTarget writeTarget;
    private final Executor blocking;
    private final CompletableFuture<Void> chunksDone = new CompletableFuture<>();

    // Guarded by this: the ring's replies and the blocking dispatcher both touch the copy's state.
    private FileHandle sourceFile;
    private FileHandle targetFile;
    /** The target as {@link TargetProbe} opened it, kept open until the copy's end. */
    private FileHandle probeFile;
    private OpenReaders.Reading reading;
    private long size;
    /** The offset of the next chunk to send. */
    private long next;
    /** Chunks sent and not yet answered. */
    private int active;
    /** A chunk came back short: the source shrank, send no more. */
    private boolean endOfSource;
    /** Bytes the answered chunks copied. */
    private long copied;
    private Throwable error;

    /** The kernel cannot splice these files: copy through the stream instead. */
    private static final class SpliceUnsupported extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SpliceUnsupported(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private SpliceCopy(ActorSystem<?> system, RingClient ring, Path source, Path target, CopySettings settings) {
        this.system = system;
        this.ring = ring;
        this.source = source;
        this.target = target;
        this.settings = settings;
        this.readers = OpenReaders.get(system);
        this.writeTarget = settings.atomicReplace() ? WriteTarget.atomic(target, true, false) : WriteTarget.inPlace(target);
        this.blocking = Blocking.dispatcher(system);
    }

    /** A copy through the system's default ring; see {@link io.uringactor.stream.javadsl.UringFileIO#copy}. */
    public static CompletionStage<IOResult> copy(ActorSystem<?> system, Path source, Path target, CopySettings settings) {
        return copy(system, RingExtension.get(system).client(), source, target, settings);
    }

    /** A copy through {@code ring}; see {@link io.uringactor.stream.javadsl.UringFileIO#copy}. */
    public static CompletionStage<IOResult> copy(ActorSystem<?> system, RingClient ring, Path source, Path target,
                                                 CopySettings settings) {
        if (!settings.useSplice()) {
            return streamCopy(system, ring, source, target, settings);
        }
        return new SpliceCopy(system, ring, source, target, settings).run();
    }

    /** The fallback: the ring actor's file Source into its file Sink; completes after both files are closed. */
    static CompletionStage<IOResult> streamCopy(ActorSystem<?> system, RingClient ring, Path source, Path target,
                                                CopySettings settings) {
        final FromPathSettings read = FromPathSettings.create().withChunkSize(settings.chunkSize())
                .withReadsInFlight(settings.splicesInFlight());
        final ToPathSettings write = ToPathSettings.create().withChunkSize(settings.chunkSize())
                .withWritesInFlight(settings.splicesInFlight()).withFsyncAtEnd(settings.fsyncAtEnd())
                .withAtomicReplace(settings.atomicReplace());
        final Attributes onRing = RingAttribute.of(ring);
        // One island: with an async boundary between them the source could read a small file to its end and
        // close it before the sink opens its target, and the same-file check would no longer see the reader.
        // The stages are built fused (ownIsland = false) and the graph as a whole gets their dispatcher.
        final Pair<CompletionStage<IOResult>, CompletionStage<IOResult>> results =
                Source.fromGraph(new FileSourceStage(StageSetup.fused(system, source, read))).addAttributes(onRing)
                        .toMat(Sink.fromGraph(new FileSinkStage(StageSetup.fused(system, target, write)))
                                .addAttributes(onRing), Keep.both())
                        .withAttributes(ActorAttributes.dispatcher(RingFileStage.DISPATCHER_SETTING))
                        .run(system);
        // The sink's result says what was copied (a source failure fails it too); wait for both files' close.
        return results.first().handle((r, e) -> r).thenCompose(ignored -> results.second());
    }

    private CompletionStage<IOResult> run() {
        final CompletableFuture<IOResult> result = new CompletableFuture<>();
        ring.open(source, OpenOptions.readOnly())
                .thenCompose(this::statSource)
                .thenCompose(this::registerSource)
                .thenCompose(ignored -> TargetProbe.check(ring, target, readers.snapshot(), this::keepProbe, () -> { }))
                .thenCompose(ignored -> Blocking.run(blocking, writeTarget::prepare))
                .thenCompose(writePath -> ring.open(writePath, writeTarget.isAtomic()
                        ? OpenOptions.writeOnly() // created empty by prepare
                        : OpenOptions.writeOnly().withCreate().withTruncate()))
                .thenCompose(this::copyChunks)
                .thenCompose(ignored -> settings.fsyncAtEnd() && !writeTarget.isAtomic() // an atomic commit fsyncs
                        ? ring.fsync(targetOrNull()) : CompletableFuture.completedFuture(Done.getInstance()))
                .thenCompose(ignored -> ring.close(takeTarget()))
                .thenCompose(ignored -> Blocking.run(blocking, () -> {
                    writeTarget.commit();
                    return Done.getInstance();
                }))
                .whenComplete((done, failure) -> finish(failure == null ? null : RingStageLogic.unwrap(failure),
                        result));
        return result;
    }

    private CompletionStage<Statx> statSource(FileHandle file) {
        synchronized (this) {
            sourceFile = file;
        }
        return ring.stat(file);
    }

    /** Registers the source as read, by the ring's stat of it. */
    private CompletionStage<Void> registerSource(Statx stat) {
        if (stat.isDirectory()) {
            return CompletableFuture.failedFuture(new ErrnoException("read(" + source + ")", Errno.EISDIR));
        }
        if (!stat.isRegularFile()) {
            return CompletableFuture.failedFuture(new SpliceUnsupported(source + " is not a regular file", null));
        }
        synchronized (this) {
            size = stat.size();
            reading = readers.register(FileIdentity.of(stat), source);
        }
        return CompletableFuture.completedFuture(null);
    }

    /** The copy ends only after the chain that opens the probe: the probe is kept, and closed by {@link #finish}. */
    private synchronized boolean keepProbe(FileHandle file) {
        probeFile = file;
        return true;
    }

    /** Sends the chunks, {@code splicesInFlight} at a time; completes when every one sent has been answered. */
    private CompletionStage<Void> copyChunks(FileHandle file) {
        final List<long[]> chunks;
        synchronized (this) {
            targetFile = file;
            chunks = nextChunks();
        }
        send(chunks);
        return chunksDone;
    }

    /**
     * The chunks to send now, as {offset, length}, counted as active; an empty list and no chunk active means
     * the copy of chunks is over ({@link #send} then completes {@link #chunksDone}).
     */
    private List<long[]> nextChunks() {
        final List<long[]> chunks = new ArrayList<>(settings.splicesInFlight());
        while (active < settings.splicesInFlight() && error == null && !endOfSource && next < size) {
            final int length = (int) Math.min(settings.chunkSize(), size - next);
            chunks.add(new long[] {next, length});
            next += length;
            active++;
        }
        return chunks;
    }

    /** Outside the lock: a reply may come at once, on this thread, and what follows the chunks runs here. */
    private void send(List<long[]> chunks) {
        if (chunks.isEmpty()) {
            final Throwable failure;
            synchronized (this) {
                if (active > 0) {
                    return;
                }
                failure = error;
            }
            if (failure != null) {
                chunksDone.completeExceptionally(failure);
            } else {
                chunksDone.complete(null);
            }
            return;
        }
        for (long[] chunk : chunks) {
            final long offset = chunk[0];
            final int length = (int) chunk[1];
            ring.copyRange(sourceFile(), offset, targetOrNull(), offset, length)
                    .whenComplete((n, failure) -> onChunk(length, n, failure));
        }
    }

    private void onChunk(int length, Integer n, Throwable failure) {
        final List<long[]> chunks;
        synchronized (this) {
            active--;
            if (failure != null) {
                if (error == null) {
                    final Throwable cause = RingStageLogic.unwrap(failure);
                    error = unsupported(cause) ? new SpliceUnsupported(cause.getMessage(), cause) : cause;
                }
            } else {
                copied += n;
                if (n < length) {
                    endOfSource = true; // the source shrank while being copied: copy what there was
                }
            }
            chunks = nextChunks();
        }
        send(chunks);
    }

    private static boolean unsupported(Throwable cause) {
        return cause instanceof ErrnoException && (((ErrnoException) cause).errno() == Errno.EINVAL
                || ((ErrnoException) cause).errno() == Errno.EOPNOTSUPP);
    }

    private synchronized FileHandle sourceFile() {
        return sourceFile;
    }

    private synchronized FileHandle targetOrNull() {
        return targetFile;
    }

    /** The target's handle, forgotten: it is being closed. */
    private synchronized FileHandle takeTarget() {
        final FileHandle file = targetFile;
        targetFile = null;
        return file;
    }

    /**
     * Every exit: closes the files still open and unregisters the source, then (on the blocking-IO
     * dispatcher) removes a failed atomic copy's temporary file; then completes {@code result}, or hands a
     * copy the kernel cannot splice to the stream.
     */
    private void finish(Throwable failure, CompletableFuture<IOResult> result) {
        final FileHandle openSource;
        final FileHandle openTarget;
        final FileHandle openProbe;
        final OpenReaders.Reading registered;
        final long count;
        synchronized (this) {
            openSource = sourceFile;
            openTarget = targetFile;
            openProbe = probeFile;
            registered = reading;
            sourceFile = null;
            targetFile = null;
            probeFile = null;
            reading = null;
            // Atomic: the target was not replaced, so none of the bytes copied reached it.
            count = settings.atomicReplace() && !writeTarget.committed() ? 0 : copied;
        }
        final CompletionStage<Done> closed = close(openTarget).thenCombine(close(openProbe), (a, b) -> a)
                .thenCombine(close(openSource), (a, b) -> a);
        closed.whenComplete((ignored, closeError) -> Blocking.run(blocking, () -> {
            if (registered != null) {
                registered.close(); // after the close: a writer that follows still finds the file until then
            }
            if (failure != null) {
                writeTarget.abort(); // the temporary file of a failed atomic copy; the target stays as it was
            }
            return Done.getInstance();
        }).whenComplete((ignored2, cleanUpError) -> {
            if (failure instanceof SpliceUnsupported) {
                system.log().debug("Copying {} to {} through the stream: {}", source, target, failure.getMessage());
                streamCopy(system, ring, source, target, settings).whenComplete((r, streamFailure) -> {
                    if (streamFailure != null) {
                        result.completeExceptionally(RingStageLogic.unwrap(streamFailure));
                    } else {
                        result.complete(r);
                    }
                });
                return;
            }
            Throwable error = failure;
            if (error == null && closeError != null) {
                error = RingStageLogic.unwrap(closeError);
            }
            if (error != null && cleanUpError != null) {
                error.addSuppressed(RingStageLogic.unwrap(cleanUpError));
            }
            if (error == null) {
                result.complete(IOResult.createSuccessful(count));
            } else {
                result.completeExceptionally(new IOOperationIncompleteException(count, error));
            }
        }));
    }

    private CompletionStage<Done> close(FileHandle file) {
        return file == null ? CompletableFuture.completedFuture(Done.getInstance())
                : ring.close(file).exceptionally(e -> Done.getInstance()); // a failure of the copy already counts
    }
}
