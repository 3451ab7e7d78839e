package io.uringactor.stream;

import static io.uringactor.stream.StreamTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.ConfigFactory;

import io.uringactor.actor.RingExtension;
import io.uringactor.actor.RingGroup;
import io.uringactor.actor.RingStats;
import io.uringactor.stream.javadsl.UringFileIO;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.IOResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionStage;

/**
 * Streams on a system whose rings are a group of two: streams materialized one after another go to the loops
 * in turn, each does its IO through its own loop's ring, and every copy is byte for byte its source.
 */
class RingGroupStreamsTest {
    // A system per test: where a stream island goes depends on the actors the loops hold, so one test's stages
    // (still stopping) must not decide where the next test's go.
    private ActorTestKit testKit;
    private ActorSystem<?> system;

    @TempDir
    Path dir;

    @BeforeEach
    void start() {
        testKit = ActorTestKit.create("RingGroupStreamsTest", ConfigFactory.parseString(
                "io-uring-actor.loop-dispatcher.loops = 2").withFallback(ConfigFactory.load()));
        system = testKit.system();
    }

    @AfterEach
    void shutdown() {
        testKit.shutdownTestKit();
    }

    @Test
    void streamsSpreadOverTheGroupsLoopsAndEachUsesItsLoopsRing() throws Exception {
        final RingGroup group = RingExtension.get(system).group();
        assertEquals(2, group.size());
        final List<RingStats> before = await(group.statsPerRing());
        final List<Path> sources = new ArrayList<>();
        final List<CompletionStage<IOResult>> copies = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            final byte[] bytes = new byte[3 * 65536 + 100 * i];
            new Random(i).nextBytes(bytes);
            final Path in = Files.write(dir.resolve("in-" + i + ".bin"), bytes);
            sources.add(in);
            copies.add(UringFileIO.fromPath(in, 65536).runWith(UringFileIO.toPath(dir.resolve("out-" + i + ".bin")), system));
        }
        for (int i = 0; i < 4; i++) {
            assertEquals(Files.size(sources.get(i)), await(copies.get(i)).count());
            assertArrayEquals(Files.readAllBytes(sources.get(i)), Files.readAllBytes(dir.resolve("out-" + i + ".bin")));
        }
        final List<RingStats> after = await(group.statsPerRing());
        for (int ring = 0; ring < 2; ring++) {
            // Both rings did some of the streams' IO. The split is not asserted: islands go to the loop with the
            // fewest live actors, and these short streams finish (and leave) while later ones are placed.
            assertTrue(after.get(ring).completed() > before.get(ring).completed(),
                    "ring " + ring + ": " + before + " -> " + after);
        }
    }

    @Test
    void aStreamGivenOneLoopsDispatcherDoesAllItsIoThroughThatLoopsRing() throws Exception {
        final RingGroup group = RingExtension.get(system).group();
        final byte[] bytes = new byte[5 * 65536 + 7];
        new Random(42).nextBytes(bytes);
        final Path in = Files.write(dir.resolve("pinned-in.bin"), bytes);
        final Path out = dir.resolve("pinned-out.bin");
        final List<RingStats> before = await(group.statsPerRing());
        final Attributes loop1 = ActorAttributes.dispatcher(group.loopDispatcherId(1));
        assertEquals(bytes.length, await(UringFileIO.fromPath(in, 65536).withAttributes(loop1)
                .runWith(UringFileIO.toPath(out).withAttributes(loop1), system)).count());
        assertArrayEquals(bytes, Files.readAllBytes(out));
        final List<RingStats> after = await(group.statsPerRing());
        assertEquals(before.get(0).completed(), after.get(0).completed(), "nothing on ring 0: " + after);
        assertTrue(after.get(1).completed() - before.get(1).completed() >= 12, "reads and writes on ring 1: " + after);
    }
}
