package io.uringactor.stream;

import static io.uringactor.stream.StreamTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.stream.javadsl.FromPathSettings;
import io.uringactor.stream.javadsl.ToPathSettings;
import io.uringactor.stream.javadsl.UringFileIO;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * A quick, noisy throughput comparison of a warm-cache copy: {@code cp} (copy_file_range), {@code copy}
 * (splice) and Source → Sink. Opt-in, as it writes a large file:
 * {@code mvn -pl streams -am test -Dtest=CopyThroughputTest -Dsurefire.failIfNoSpecifiedTests=false -Duringactor.copyBenchMiB=1024}.
 */
@EnabledIfSystemProperty(named = "uringactor.copyBenchMiB", matches = "\\d+")
class CopyThroughputTest {
    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final ActorSystem<?> system = testKit.system();

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static double time(String what, long bytes, Callable<?> copy) throws Exception {
        // start each copy with no dirty pages, so none pays for another's write-back
        assertEquals(0, new ProcessBuilder("sync").inheritIO().start().waitFor());
        final long start = System.nanoTime();
        copy.call();
        final double seconds = (System.nanoTime() - start) / 1e9;
        final double mbps = bytes / 1e6 / seconds;
        System.out.printf("COPY %-22s %6.0f MB/s (%.3f s)%n", what, mbps, seconds);
        return mbps;
    }

    @Test
    void compareWithCp() throws Exception {
        final long bytes = Long.parseLong(System.getProperty("uringactor.copyBenchMiB")) << 20;
        final Path source = randomFile(dir.resolve("source.bin"), bytes, 42);
        final Path target = dir.resolve("target.bin");
        try (var in = Files.newInputStream(source)) {
            in.transferTo(java.io.OutputStream.nullOutputStream()); // warm the page cache
        }
        if (System.getProperty("uringactor.copyBenchSweep") != null) {
            for (int chunk : new int[] {256 << 10, 1 << 20}) {
                for (int inFlight : new int[] {1, 2, 4, 8}) {
                    Files.deleteIfExists(target);
                    time("copy " + (chunk >> 10) + "K x" + inFlight, bytes, () -> await(UringFileIO.copy(system, source, target,
                            io.uringactor.stream.javadsl.CopySettings.create().withChunkSize(chunk).withSplicesInFlight(inFlight))));
                }
            }
        }
        for (int round = 0; round < 3; round++) {
            Files.deleteIfExists(target);
            time("cp", bytes, () -> {
                final Process cp = new ProcessBuilder("cp", source.toString(), target.toString()).inheritIO().start();
                assertEquals(0, cp.waitFor());
                return null;
            });
            Files.deleteIfExists(target);
            time("UringFileIO.copy", bytes, () -> await(UringFileIO.copy(system, source, target)));
            Files.deleteIfExists(target);
            time("fromPath -> toPath", bytes, () -> await(UringFileIO.fromPath(system, source,
                            FromPathSettings.create().withChunkSize(1 << 20).withReadsInFlight(8))
                    .runWith(UringFileIO.toPath(system, target, ToPathSettings.create().withChunkSize(1 << 20)), system)));
        }
        assertEquals(bytes, Files.size(target));
    }
}
