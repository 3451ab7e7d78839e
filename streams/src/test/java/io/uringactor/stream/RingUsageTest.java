package io.uringactor.stream;

import static io.uringactor.stream.StreamTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.actor.RingActor;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingExtension;
import io.uringactor.actor.RingSettings;
import io.uringactor.actor.RingStats;
import io.uringactor.stream.javadsl.FromPathSettings;
import io.uringactor.stream.javadsl.RingAttribute;
import io.uringactor.stream.javadsl.ToPathSettings;
import io.uringactor.stream.javadsl.UringFileIO;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * What the stages ask of the ring, seen through the ring actor's counters. Each test that counts gives
 * its stages a ring actor of its own ({@link RingAttribute}), so the counters start at zero and hold
 * only that test's ops, and it waits for conditions on them, never for time to pass.
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

    /** A new ring actor for one test, stopped with the system. */
    private static RingClient ownRing(String name) {
        final RingSettings settings = RingSettings.create(system);
        return RingClient.create(testKit.spawn(RingActor.create(settings), name, RingActor.props(settings)), system);
    }

    /** The ring's stats once {@code settled} holds; fails the test if it does not within 10 s. */
    private static RingStats awaitStats(RingClient ring, Predicate<RingStats> settled) throws InterruptedException {
        final RingStats[] last = new RingStats[1];
        awaitCondition("ring stats to settle", () -> settled.test(last[0] = await(ring.stats())));
        return last[0];
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

    /** One element at a time, only when asked: no demand until {@link #request}. */
    private static final class ManualDemand implements Subscriber<ByteString> {
        final CompletableFuture<Subscription> subscription = new CompletableFuture<>();
        final List<ByteString> received = new CopyOnWriteArrayList<>();

        @Override
        public void onSubscribe(Subscription s) {
            subscription.complete(s);
        }

        @Override
        public void onNext(ByteString element) {
            received.add(element);
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onComplete() {
        }

        void request(long n) {
            await(subscription).request(n);
        }
    }

    @Test
    void aSourceWithoutDemandReadsNoFurtherThanItsInFlightLimit() throws Exception {
        final RingClient ring = ownRing("source-demand");
        final int chunk = 4096;
        final int inFlight = 3;
        final Path in = randomFile(dir.resolve("in.bin"), 100 * chunk, 1);
        final ManualDemand subscriber = new ManualDemand();
        final CompletionStage<IOResult> result = UringFileIO
                .fromPath(system, in, FromPathSettings.create().withChunkSize(chunk).withReadsInFlight(inFlight))
                .withAttributes(RingAttribute.of(ring))
                .toMat(Sink.fromSubscriber(subscriber), Keep.left())
                .run(system);

        // Without any demand: the open, its stat and the reads ahead, then nothing until demand comes.
        RingStats settled = awaitStats(ring, s -> s.completed() >= 2 + inFlight && s.inFlight() == 0);
        assertEquals(2 + inFlight, settled.submitted(), "open + stat + " + inFlight + " reads ahead, no more: "
                + settled);
        assertEquals(List.of(), subscriber.received);

        // Each element taken frees one read.
        subscriber.request(2);
        awaitCondition("two elements", () -> subscriber.received.size() == 2);
        settled = awaitStats(ring, s -> s.completed() >= 2 + inFlight + 2 && s.inFlight() == 0);
        assertEquals(2 + inFlight + 2, settled.submitted(), "one more read per element taken: " + settled);

        await(subscriber.subscription).cancel();
        assertEquals(2L * chunk, await(result).count());
    }

    @Test
    void theSinkKeepsAtMostItsWritesInFlight() throws IOException {
        final RingClient ring = ownRing("sink-in-flight");
        final int inFlight = 2;
        final Path out = dir.resolve("out.bin");
        final byte[] expected = new byte[8 << 20];
        new SplittableRandom(2).nextBytes(expected);
        final List<ByteString> elements = new ArrayList<>();
        for (int at = 0; at < expected.length; at += 1 << 20) {
            elements.add(ByteString.fromArray(expected, at, 1 << 20)); // 16 chunks ready at once
        }
        final IOResult result = await(Source.from(elements)
                .runWith(UringFileIO.toPath(system, out, ToPathSettings.create().withChunkSize(64 * 1024)
                        .withWritesInFlight(inFlight)).withAttributes(RingAttribute.of(ring)), system));
        assertEquals(expected.length, result.count());
        assertArrayEquals(expected, Files.readAllBytes(out));
        final RingStats stats = await(ring.stats());
        assertEquals(1 + 1 + 128 + 1, stats.completed(), "open, stat, 128 writes, close: all on this ring " + stats);
        assertTrue(stats.inFlightMax() <= inFlight, "ops in flight at once: " + stats);
    }

    @Test
    void withFsyncAtEndTheResultCompletesAfterTheFsync() throws IOException {
        final SplittableRandom random = new SplittableRandom(3);
        final byte[] data = new byte[1 << 20];
        random.nextBytes(data);
        final ToPathSettings settings = ToPathSettings.create().withChunkSize(128 * 1024);

        final RingClient plainRing = ownRing("plain");
        final Path plain = dir.resolve("plain.bin");
        assertEquals(data.length, await(Source.single(ByteString.fromArray(data))
                .runWith(UringFileIO.toPath(system, plain, settings).withAttributes(RingAttribute.of(plainRing)),
                        system)).count());
        final long plainOps = await(plainRing.stats()).completed();

        final RingClient syncedRing = ownRing("synced");
        final Path synced = dir.resolve("synced.bin");
        assertEquals(data.length, await(Source.single(ByteString.fromArray(data))
                .runWith(UringFileIO.toPath(system, synced, settings.withFsyncAtEnd(true))
                        .withAttributes(RingAttribute.of(syncedRing)), system)).count());
        final long syncedOps = await(syncedRing.stats()).completed();

        // open + stat (is it a regular file?) + 8 writes + close, and the fsync: all answered before the result
        assertEquals(11, plainOps);
        assertEquals(plainOps + 1, syncedOps, "one more op, the fsync, completed before the result");
        assertArrayEquals(data, Files.readAllBytes(synced));
    }
}
