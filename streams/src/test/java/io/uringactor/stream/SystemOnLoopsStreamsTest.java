package io.uringactor.stream;

import static io.uringactor.stream.StreamTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.uringactor.actor.RingActor;
import io.uringactor.actor.RingExtension;
import io.uringactor.actor.RingGroup;
import io.uringactor.actor.RingStats;
import io.uringactor.stream.javadsl.UringFileIO;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Streams in a system that runs on the ring event loops ({@link RingExtension#SYSTEM_ON_LOOPS}): a plain
 * Pekko stream's island and the file stages run on the loops, and a copy through them is byte for byte.
 */
class SystemOnLoopsStreamsTest {
    @TempDir
    Path dir;

    @Test
    void plainAndFileStreamsRunOnTheLoops() throws IOException {
        final ActorTestKit kit = ActorTestKit.create("streams-on-loops",
                RingExtension.systemOnLoops(ConfigFactory.load()));
        try {
            final List<Boolean> onLoop = await(Source.range(1, 100).map(i -> RingActor.onRingLoopThread())
                    .runWith(Sink.seq(), kit.system()));
            assertEquals(100, onLoop.size());
            assertTrue(onLoop.stream().allMatch(Boolean::booleanValue), "a plain stream's island runs on a loop");
            final Path in = randomFile(dir.resolve("in.bin"), (4 << 20) + 17, 3);
            final Path out = dir.resolve("out.bin");
            final IOResult copied = await(UringFileIO.fromPath(in)
                    .map(chunk -> {
                        assertTrue(RingActor.onRingLoopThread(), "the stages' neighbours run on a loop");
                        return chunk;
                    })
                    .runWith(UringFileIO.toPath(out), kit.system()));
            assertEquals(Files.size(in), copied.count());
            assertEquals(sha256(in), sha256(out));
        } finally {
            kit.shutdownTestKit();
        }
    }

    @Test
    void concurrentCopiesSpreadTheirIoOverTheLoopsRings() throws Exception {
        final ActorTestKit kit = ActorTestKit.create("copies-on-loops",
                RingExtension.systemOnLoops(ConfigFactory.load()));
        try {
            final RingGroup group = RingExtension.get(kit.system()).group();
            assumeTrue(group.size() >= 2, "one processor, one loop: nothing to spread over");
            final Path in = randomFile(dir.resolve("spread-in.bin"), 8 << 20, 5);
            final List<RingStats> before = await(group.statsPerRing());
            final List<CompletionStage<IOResult>> copies = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                copies.add(UringFileIO.fromPath(in).runWith(UringFileIO.toPath(dir.resolve("spread-" + i + ".bin")),
                        kit.system()));
            }
            for (int i = 0; i < 4; i++) {
                assertEquals(Files.size(in), await(copies.get(i)).count());
                assertEquals(sha256(in), sha256(dir.resolve("spread-" + i + ".bin")));
            }
            // Started from this thread, the copies go to the loops in turn, and each stream's islands, which wake
            // each other, stay together: every ring does a share of the IO (placed once by fewest actors, the
            // file stages of all four could land on one ring).
            final List<RingStats> after = await(group.statsPerRing());
            long total = 0;
            final long[] each = new long[after.size()];
            for (int r = 0; r < after.size(); r++) {
                each[r] = after.get(r).completed() - before.get(r).completed();
                total += each[r];
            }
            for (int r = 0; r < each.length; r++) {
                assertTrue(each[r] >= total / 10, "ring " + r + " did " + each[r] + " of " + total + " ops: "
                        + java.util.Arrays.toString(each));
            }
        } finally {
            kit.shutdownTestKit();
        }
    }
}
