package io.uringactor.stream;

import static io.uringactor.stream.StreamTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.actor.RingActor;
import io.uringactor.actor.RingExtension;
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
import java.util.List;

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
}
