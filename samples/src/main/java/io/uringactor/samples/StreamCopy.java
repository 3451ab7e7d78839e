package io.uringactor.samples;

import io.uringactor.stream.javadsl.CopySettings;
import io.uringactor.stream.javadsl.FromPathSettings;
import io.uringactor.stream.javadsl.ToPathSettings;
import io.uringactor.stream.javadsl.UringFileIO;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.Keep;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/** One running file copy, whichever way it goes, with a byte count for a progress bar. */
final class StreamCopy {
    /** Chunks each async boundary of the CLI's stream copy buffers. */
    static final int STREAM_BUFFER = 4;

    private final long startNanos = System.nanoTime();
    private final Path target;
    private final LongSupplier copied;
    /** The file the bytes are written to, once known; null if not known (a streamed copy). */
    private final Supplier<Path> writing;
    private final CompletionStage<IOResult> result;
    private volatile long endNanos;

    private StreamCopy(Path target, LongSupplier copied, CompletionStage<IOResult> result) {
        this(target, copied, () -> null, result);
    }

    private StreamCopy(Path target, LongSupplier copied, Supplier<Path> writing, CompletionStage<IOResult> result) {
        this.target = target;
        this.copied = copied;
        this.writing = writing;
        this.result = result.whenComplete((r, e) -> endNanos = System.nanoTime());
    }

    /** A pipelined Source→Sink copy through the ring actor, as the CLI's options say. */
    static StreamCopy start(ActorSystem<?> system, CopyCli.Options options) {
        final AtomicLong counter = new AtomicLong();
        final CompletionStage<IOResult> result = UringFileIO
                .fromPath(system, options.source(), FromPathSettings.create().withChunkSize(options.chunk())
                        .withReadsInFlight(options.inFlight()).withDirect(options.direct()))
                .map(bytes -> {
                    counter.addAndGet(bytes.size());
                    return bytes;
                })
                .toMat(UringFileIO.toPath(system, options.target(), ToPathSettings.create().withChunkSize(options.chunk())
                        .withWritesInFlight(options.inFlight()).withDirect(options.direct())
                        .withFsyncAtEnd(options.fsync()).withAtomicReplace(CopyCli.replacesAtomically(options))),
                        Keep.right())
                // The stages are islands joined by async boundaries, each buffering up to 16 chunks by
                // default: 4 keep the pipeline full and bound the heap a copy holds (see CopyCli.heapNeeded).
                .addAttributes(Attributes.inputBuffer(STREAM_BUFFER, STREAM_BUFFER))
                .run(system);
        return new StreamCopy(options.target(), counter::get, result);
    }

    /**
     * {@link UringFileIO#copy} as the CLI's options say: the bytes move inside the kernel (splice file → pipe
     * → file), so the count is the size of the file being written (see {@link WrittenSize}).
     */
    static StreamCopy startInKernel(ActorSystem<?> system, CopyCli.Options options) {
        final boolean atomic = CopyCli.replacesAtomically(options);
        final WrittenSize written = new WrittenSize(options.target(), atomic);
        final CompletionStage<IOResult> result = UringFileIO.copy(system, options.source(), options.target(),
                CopySettings.create().withChunkSize(options.chunk()).withSplicesInFlight(options.inFlight())
                        .withFsyncAtEnd(options.fsync()).withAtomicReplace(atomic));
        return new StreamCopy(options.target(), written, written::file, result);
    }

    /** Pekko's own {@code FileIO.fromPath → FileIO.toPath}, default 8 KiB chunks, for comparison. */
    static StreamCopy startFileIO(ActorSystem<?> system, Path source, Path target) {
        final AtomicLong counter = new AtomicLong();
        final CompletionStage<IOResult> result = FileIO.fromPath(source)
                .map(bytes -> {
                    counter.addAndGet(bytes.size());
                    return bytes;
                })
                .toMat(FileIO.toPath(target), Keep.right())
                .run(system);
        return new StreamCopy(target, counter::get, result);
    }

    /** {@link UringFileIO#copy}: the bytes move inside the kernel (splice), so progress is the target's size. */
    static StreamCopy startSplice(ActorSystem<?> system, Path source, Path target) {
        return new StreamCopy(target, () -> sizeOf(target), UringFileIO.copy(system, source, target));
    }

    Path target() {
        return target;
    }

    /** The file the bytes go to (a temporary one, with atomic replace), or null until known or if unknown. */
    Path fileBeingWritten() {
        return writing.get();
    }

    /** The bytes copied so far; once the copy has succeeded, its result's count. */
    long bytesCopied() {
        final CompletableFuture<IOResult> done = result.toCompletableFuture();
        return done.isDone() && !done.isCompletedExceptionally() ? done.join().count() : copied.getAsLong();
    }

    CompletionStage<IOResult> result() {
        return result;
    }

    /** Seconds from start to completion (or until now while running). */
    double seconds() {
        final long end = endNanos != 0 ? endNanos : System.nanoTime();
        return (end - startNanos) / 1e9;
    }

    private static long sizeOf(Path path) {
        try {
            return Files.exists(path) ? Files.size(path) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * The bytes an in-kernel copy has written so far, for the progress bar only (the result has the exact
     * count): in place the target's size; with atomic replace the size of the temporary
     * {@code .<name>.<random>.tmp} the library creates beside the target (after following a symlink, as it
     * does), found by listing the directory until a name appears that was not there when the copy started
     * (a stray one from a killed copy is never mistaken for it), then statted; once it is renamed over the
     * target, the last size stays.
     */
    static final class WrittenSize implements LongSupplier {
        private final Path target;
        private final Path directory;
        private final String prefix;
        private final Set<Path> before = new HashSet<>();
        private final boolean atomic;
        private Path temporary;
        private long last;

        WrittenSize(Path target, boolean atomic) {
            this.target = target;
            this.atomic = atomic;
            Path replaced = target;
            try {
                replaced = Files.exists(target) ? target.toRealPath() : target;
            } catch (IOException e) {
                // the copy reports it; the bar just shows less
            }
            this.directory = replaced.toAbsolutePath().getParent();
            this.prefix = "." + replaced.getFileName() + ".";
            if (atomic) {
                before.addAll(temporaries());
            }
        }

        private Set<Path> temporaries() {
            final Set<Path> found = new HashSet<>();
            final DirectoryStream.Filter<Path> temporary = path -> {
                final String name = path.getFileName().toString();
                return name.startsWith(prefix) && name.endsWith(".tmp");
            };
            try (DirectoryStream<Path> names = Files.newDirectoryStream(directory, temporary)) {
                names.forEach(found::add);
            } catch (IOException | UncheckedIOException e) {
                // not listable: no progress, the copy still reports its result
            }
            return found;
        }

        /** The file whose size is counted: the target in place, the temporary file once found; else null. */
        synchronized Path file() {
            return atomic ? temporary : target;
        }

        @Override
        public synchronized long getAsLong() {
            if (!atomic) {
                return sizeOf(target); // truncated first, then it grows
            }
            if (temporary == null) {
                for (Path candidate : temporaries()) {
                    if (!before.contains(candidate)) {
                        temporary = candidate;
                        break;
                    }
                }
            }
            if (temporary != null) {
                last = Math.max(last, sizeOf(temporary));
            }
            return last;
        }
    }
}
