package io.uringactor.samples;

import io.uringactor.stream.javadsl.FromPathSettings;
import io.uringactor.stream.javadsl.ToPathSettings;
import io.uringactor.stream.javadsl.UringFileIO;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.Keep;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** One running file copy, whichever way it goes, with a byte count for a progress bar. */
final class StreamCopy {
    private final long startNanos = System.nanoTime();
    private final Path target;
    private final LongSupplier copied;
    private final CompletionStage<IOResult> result;
    private volatile long endNanos;

    private StreamCopy(Path target, LongSupplier copied, CompletionStage<IOResult> result) {
        this.target = target;
        this.copied = copied;
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
                .run(system);
        return new StreamCopy(options.target(), counter::get, result);
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

    long bytesCopied() {
        return copied.getAsLong();
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
}
