package io.uringactor.bench.compare;

import io.uringactor.bench.compare.Engine.Sample;
import io.uringactor.stream.javadsl.FromPathSettings;
import io.uringactor.stream.javadsl.ToPathSettings;
import io.uringactor.stream.javadsl.UringFileIO;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.javadsl.FileIO;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The engines of the streaming copy. Each run copies the whole source to a fresh target; the clock stops
 * when the copy reports completion; then (untimed) the target is fsynced, its size checked and deleted,
 * so that no run leaves dirty pages for the next one to write back.
 */
final class CopyEngines {
    private CopyEngines() {
    }

    interface CopyOp {
        void copy(Path source, Path target) throws Exception;
    }

    @SuppressWarnings("try") // see Engine
    static final class CopyEngine implements Engine {
        private final String name;
        private final Group group;
        private final CopyOp op;
        private Workload w;

        CopyEngine(String name, Group group, CopyOp op) {
            this.name = name;
            this.group = group;
            this.op = op;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Group group() {
            return group;
        }

        @Override
        public void setup(Workload workload) {
            w = workload;
        }

        @Override
        public Sample run(long windowNanos, Recorder recorder) throws Exception {
            final Path target = w.scratch().resolve("copy-" + name.replaceAll("[^A-Za-z0-9]+", "-") + ".bin");
            Files.deleteIfExists(target);
            final long start = System.nanoTime();
            op.copy(w.file(), target);
            final long elapsed = System.nanoTime() - start;
            try {
                try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                final long size = Files.size(target);
                if (size != w.fileSize()) {
                    throw new IllegalStateException(name + " copied " + size + " bytes, not " + w.fileSize());
                }
            } finally {
                Files.deleteIfExists(target);
            }
            return new Sample(0, w.fileSize(), elapsed / 1e9, Double.NaN, Double.NaN);
        }
    }

    private static void await(CompletionStage<IOResult> result) throws Exception {
        result.toCompletableFuture().get(10, TimeUnit.MINUTES);
    }

    static Engine uringStream(ActorSystem<?> system) {
        final int chunk = 1 << 20;
        return new CopyEngine("uring-stream", Engine.Group.LIBRARY, (source, target) -> await(
                UringFileIO.fromPath(system, source, FromPathSettings.create().withChunkSize(chunk).withReadsInFlight(8))
                        .runWith(UringFileIO.toPath(system, target,
                                ToPathSettings.create().withChunkSize(chunk).withWritesInFlight(8)), system)));
    }

    static Engine uringCopy(ActorSystem<?> system) {
        return new CopyEngine("uring-copy", Engine.Group.LIBRARY, (source, target) ->
                await(UringFileIO.copy(system, source, target)));
    }

    static Engine pekkoFileIo(ActorSystem<?> system, int chunkSize) {
        final String name = chunkSize == 0 ? "pekko-fileio" : "pekko-fileio-" + (chunkSize >> 10) + "k";
        return new CopyEngine(name, Engine.Group.JAVA_PEER, (source, target) -> await(
                (chunkSize == 0 ? FileIO.fromPath(source) : FileIO.fromPath(source, chunkSize))
                        .runWith(FileIO.toPath(target), system)));
    }

    static Engine cp() {
        return new CopyEngine("cp", Engine.Group.NATIVE, (source, target) -> {
            final Process p = new ProcessBuilder("cp", source.toString(), target.toString())
                    .redirectErrorStream(true).start();
            final String output = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IllegalStateException("cp failed: " + output.trim());
            }
        });
    }
}
