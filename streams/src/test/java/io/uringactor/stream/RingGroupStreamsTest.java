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
 * Streams on a system whose rings are a group of two: stages on the group's loops do their IO through the
 * group's rings, a stream pinned to a loop does all of it through that loop's ring, and every copy is byte for
 * byte its source.
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
    void streamsOnTheGroupsLoopsCopyThroughTheGroupsRings() throws Exception {
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
        // Every stage ran on a loop of the group (the stream dispatcher is the group's) and did its IO through
        // the group's rings: 4 chunk reads and 4 writes per stream at least. Which loop each island got is not
        // asserted: islands run on the loop that wakes them, and idle loops take waiting ones.
        final List<RingStats> after = await(group.statsPerRing());
        final long done = after.get(0).completed() + after.get(1).completed()
                - before.get(0).completed() - before.get(1).completed();
        assertTrue(done >= 4 * 8, "the streams' IO went through the group's rings: " + before + " -> " + after);
    }

    @Test
    void streamsPinnedToEachLoopSpreadTheirIoOverBothRings() throws Exception {
        final RingGroup group = RingExtension.get(system).group();
        final List<RingStats> before = await(group.statsPerRing());
        final List<CompletionStage<IOResult>> copies = new ArrayList<>();
        final List<Path> sources = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            final byte[] bytes = new byte[3 * 65536 + 100 * i];
            new Random(10 + i).nextBytes(bytes);
            final Path in = Files.write(dir.resolve("spread-in-" + i + ".bin"), bytes);
            sources.add(in);
            final Attributes loop = ActorAttributes.dispatcher(group.loopDispatcherId(i % 2));
            copies.add(UringFileIO.fromPath(in, 65536).withAttributes(loop)
                    .runWith(UringFileIO.toPath(dir.resolve("spread-out-" + i + ".bin")).withAttributes(loop), system));
        }
        for (int i = 0; i < 4; i++) {
            assertEquals(Files.size(sources.get(i)), await(copies.get(i)).count());
            assertArrayEquals(Files.readAllBytes(sources.get(i)), Files.readAllBytes(dir.resolve("spread-out-" + i + ".bin")));
        }
        final List<RingStats> after = await(group.statsPerRing());
        for (int ring = 0; ring < 2; ring++) {
            // two streams per loop, 4 reads and 4 writes each at least, all through the loop's own ring
            assertTrue(after.get(ring).completed() - before.get(ring).completed() >= 2 * 8,
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
