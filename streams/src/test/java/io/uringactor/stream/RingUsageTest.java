package io.uringactor.stream;

import static io.uringactor.stream.StreamTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingExtension;
import io.uringactor.actor.RingStats;
import io.uringactor.stream.javadsl.FromPathSettings;
import io.uringactor.stream.javadsl.ToPathSettings;
import io.uringactor.stream.javadsl.UringFileIO;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SinkQueueWithCancel;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionStage;

/**
 * What the stages ask of the ring, seen through the ring actor's counters: this class's system has a
 * ring of its own, and the tests run one after another, so the counters' deltas are the stages' ops.
 */
class RingUsageTest {
    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final ActorSystem<?> system = testKit.system();
    private static final RingClient ring = RingExtension.get(system).client();

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static RingStats stats() {
        return await(ring.stats());
    }

    @Test
    void aRingAttributeRoutesTheStagesToAnotherRingActor() throws Exception {
        final io.uringactor.actor.RingSettings settings = io.uringactor.actor.RingSettings.create(system);
        final org.apache.pekko.actor.typed.ActorRef<io.uringactor.actor.RingCommand> other = testKit.spawn(
                io.uringactor.actor.RingActor.create(settings), "other-ring", io.uringactor.actor.RingActor.props(settings));
        final RingClient otherClient = RingClient.create(other, system);
        final byte[] data = new byte[300_000];
        new java.util.Random(7).nextBytes(data);
        final Path source = Files.write(dir.resolve("attr-source.bin"), data);
        final Path target = dir.resolve("attr-target.bin");
        final RingStats defaultBefore = stats();
        final RingStats otherBefore = await(otherClient.stats());
        final IOResult result = await(UringFileIO.fromPath(system, source)
                .runWith(UringFileIO.toPath(system, target), system.classicSystem())
                .thenApply(r -> r));
        assertEquals(data.length, result.count());
        final RingStats defaultMid = stats();
        final RingStats otherMid = await(otherClient.stats());
        assertTrue(defaultMid.completed() > defaultBefore.completed(), "without the attribute: the default ring");
        assertEquals(otherBefore.completed(), otherMid.completed(), "the other ring was not used");

        final IOResult routed = await(UringFileIO.fromPath(system, source)
                .toMat(UringFileIO.toPath(system, target), Keep.right())
                .withAttributes(io.uringactor.stream.javadsl.RingAttribute.of(otherClient))
                .run(system));
        assertEquals(data.length, routed.count());
        assertArrayEquals(data, Files.readAllBytes(target));
        assertTrue(await(otherClient.stats()).completed() > otherMid.completed(), "with the attribute: the other ring");
        assertEquals(defaultMid.completed(), stats().completed(), "the default ring was not used");
    }

    @Test
    void aSourceWithoutDemandReadsNoFurtherThanItsInFlightLimit() throws Exception {
        final int chunk = 4096;
        final int inFlight = 3;
        final Path in = randomFile(dir.resolve("in.bin"), 100 * chunk, 1);
        final long before = stats().submitted();
        final Pair<CompletionStage<IOResult>, SinkQueueWithCancel<ByteString>> run = UringFileIO
                .fromPath(system, in, FromPathSettings.create().withChunkSize(chunk).withReadsInFlight(inFlight))
                .toMat(Sink.<ByteString>queue().withAttributes(Attributes.inputBuffer(1, 1)), Keep.both())
                .run(system);
        final SinkQueueWithCancel<ByteString> queue = run.second();
        assertEquals(chunk, await(queue.pull()).orElseThrow().size());
        assertEquals(chunk, await(queue.pull()).orElseThrow().size());
        Thread.sleep(300); // time to read ahead, if it would
        final long ops = stats().submitted() - before;
        // open + the 2 pulled + 1 in the queue's buffer + 1 waiting in the stage + 3 read ahead, and some slack
        assertTrue(ops <= 1 + 2 + 1 + 1 + inFlight + 1, "ops submitted without demand: " + ops);
        queue.cancel();
        await(run.first());
    }

    @Test
    void theSinkKeepsAtMostItsWritesInFlight() throws IOException {
        final long maxBefore = stats().inFlightMax();
        final int inFlight = 2;
        final Path out = dir.resolve("out.bin");
        final Pair<SourceQueueWithComplete<ByteString>, CompletionStage<IOResult>> run = Source
                .<ByteString>queue(4, OverflowStrategy.backpressure())
                .toMat(UringFileIO.toPath(system, out, ToPathSettings.create().withChunkSize(64 * 1024)
                        .withWritesInFlight(inFlight)), Keep.both())
                .run(system);
        final SplittableRandom random = new SplittableRandom(2);
        final byte[] expected = new byte[8 << 20];
        random.nextBytes(expected);
        for (int at = 0; at < expected.length; at += 100_000) {
            final int n = Math.min(100_000, expected.length - at);
            assertEquals(QueueOfferResult.enqueued(), await(run.first().offer(ByteString.fromArray(expected, at, n))));
        }
        run.first().complete();
        assertEquals(expected.length, await(run.second()).count());
        assertArrayEquals(expected, Files.readAllBytes(out));
        final int max = stats().inFlightMax();
        assertTrue(max <= Math.max(maxBefore, inFlight), "ops in flight at once: " + max);
    }

    @Test
    void withFsyncAtEndTheResultCompletesAfterTheFsync() throws IOException {
        final SplittableRandom random = new SplittableRandom(3);
        final byte[] data = new byte[1 << 20];
        random.nextBytes(data);
        final ToPathSettings settings = ToPathSettings.create().withChunkSize(128 * 1024);

        long before = stats().completed();
        final Path plain = dir.resolve("plain.bin");
        assertEquals(data.length, await(Source.single(ByteString.fromArray(data))
                .runWith(UringFileIO.toPath(system, plain, settings), system)).count());
        final long plainOps = stats().completed() - before;

        before = stats().completed();
        final Path synced = dir.resolve("synced.bin");
        assertEquals(data.length, await(Source.single(ByteString.fromArray(data))
                .runWith(UringFileIO.toPath(system, synced, settings.withFsyncAtEnd(true)), system)).count());
        final long syncedOps = stats().completed() - before;

        // open + 8 writes + close, and the fsync: all answered before the result completed
        assertEquals(10, plainOps);
        assertEquals(plainOps + 1, syncedOps, "one more op, the fsync, completed before the result");
        assertArrayEquals(data, Files.readAllBytes(synced));
    }
}
