package io.uringactor.actor;

import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.ring.ErrnoException;

import com.typesafe.config.ConfigFactory;

import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

/** The ring's JMX MBean: its name, its counters as a JMX client reads them, and that every stop unregisters it. */
class RingMBeanTest {
    private static final ActorTestKit testKit = ActorTestKit.create("RingMBeanTest");
    private static final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static ActorRef<RingCommand> spawn(ActorTestKit kit, String name, RingSettings settings) {
        return TestRings.spawnOne(kit, name, settings, Duration.ofSeconds(30)).ref();
    }

    private static ObjectName nameOf(String system, String ring) throws Exception {
        return new ObjectName("io.uringactor:type=Ring,system=" + system + ",name=/user/" + ring);
    }

    private static long attr(ObjectName name, String attribute) throws Exception {
        return ((Number) server.getAttribute(name, attribute)).longValue();
    }

    /** The errors-by-errno attribute as a JMX client sees it: a TabularData of (key, value) rows. */
    private static Map<String, Long> errors(ObjectName name) throws Exception {
        final TabularData table = (TabularData) server.getAttribute(name, "ErrorsByErrno");
        final Map<String, Long> byName = new HashMap<>();
        for (Object row : table.values()) {
            final CompositeData entry = (CompositeData) row;
            byName.put((String) entry.get("key"), (Long) entry.get("value"));
        }
        return byName;
    }

    private static final Duration WITHIN = Duration.ofSeconds(10);

    private static <T> T await(CompletionStage<T> stage) {
        return SafetyTestSupport.await(stage, WITHIN, "the ring's reply");
    }

    private static Throwable failure(CompletionStage<?> stage) {
        return SafetyTestSupport.failureOf(stage, WITHIN, "the ring's failure");
    }

    private Path fifo(String name) throws Exception {
        return TestRings.fifo(dir, name);
    }

    @Test
    void countsWhatTheRingDidAndTheErrnosOfItsFailures() throws Exception {
        final TestRings.Spawned spawned = TestRings.spawnOne(testKit, "metrics-ring",
                RingSettings.create(testKit.system()).withLatencyHistogram(true), Duration.ofSeconds(30));
        final ActorRef<RingCommand> ref = spawned.ref();
        final RingClient ring = spawned.client();
        await(ring.stats()); // started
        final ObjectName name = nameOf("RingMBeanTest", "metrics-ring");
        assertTrue(server.isRegistered(name), "registered: " + server.queryNames(
                new ObjectName("io.uringactor:*"), null));
        assertEquals(ref.path().toString(), server.getAttribute(name, "ActorPath"));
        final ObjectName registered = server.queryNames(new ObjectName("io.uringactor:type=Ring,name=/user/metrics-ring,*"),
                null).iterator().next();
        assertEquals("type=Ring,system=RingMBeanTest,name=/user/metrics-ring", registered.getKeyPropertyListString(),
                "the keys in a fixed order, for the exporter's rules");
        assertEquals(0, attr(name, "Submitted"));
        assertEquals(0, attr(name, "Completed"));
        assertEquals(0, attr(name, "Errors"));

        final Path data = Files.write(dir.resolve("data.bin"), new byte[64 * 1024]);
        final FileHandle file = await(ring.open(data, OpenOptions.readOnly()));
        for (int i = 0; i < 10; i++) {
            assertEquals(4096, await(ring.read(file, i * 4096L, 4096)).size());
        }
        final ErrnoException missing = assertInstanceOf(ErrnoException.class,
                failure(ring.open(dir.resolve("missing.bin"), OpenOptions.readOnly())));
        assertEquals("ENOENT", missing.errnoName());
        final FileHandle writeOnly = await(ring.open(data, OpenOptions.writeOnly()));
        final ErrnoException badFd = assertInstanceOf(ErrnoException.class, failure(ring.read(writeOnly, 0, 10)));
        assertEquals("EBADF", badFd.errnoName());
        final ErrnoException badFdAgain = assertInstanceOf(ErrnoException.class, failure(ring.read(writeOnly, 0, 10)));
        assertEquals("EBADF", badFdAgain.errnoName());
        await(ring.close(file));
        await(ring.close(writeOnly));
        // 3 opens, 10 reads, 2 failed reads, 2 closes: one SQE and one answer each (no op-timeout: no linked SQE)
        final int ops = 17;

        assertEquals(ops, attr(name, "Submitted"));
        assertEquals(ops, attr(name, "Completed"));
        assertEquals(Map.of("ENOENT", 1L, "EBADF", 2L), errors(name));
        assertEquals(3, attr(name, "Errors"));
        assertEquals(0, attr(name, "TimedOut"));
        assertEquals(0, attr(name, "Rejected"));
        assertEquals(0, attr(name, "InFlight"));
        assertEquals(0, attr(name, "Queued"));
        assertTrue(attr(name, "InFlightMax") >= 1);
        assertEquals(256, attr(name, "MaxInFlight"));
        // the engine the run chose (the pom runs this suite on io_uring and on the fallback), as RingStats says it
        final String engine = (String) server.getAttribute(name, "Engine");
        assertEquals("fallback".equals(System.getProperty("io-uring-actor.engine")) ? "fallback (32 threads)" : "io_uring",
                engine);
        assertEquals(engine, await(ring.stats()).engine());
        final long batches = attr(name, "Batches");
        assertTrue(batches >= 1 && batches <= ops, "batches=" + batches);
        assertEquals((double) ops / batches, (Double) server.getAttribute(name, "SqesPerEnter"), 1e-9);
        // the 4 KiB read buffers went back to the pool: held, none in use
        assertTrue(attr(name, "NativeMemoryHeld") >= 4096, "held=" + attr(name, "NativeMemoryHeld"));
        assertEquals(0, attr(name, "NativeMemoryInUse"));
        assertEquals(64L << 20, attr(name, "NativeMemoryLimit"));
        // every answered request is in the latency histogram
        assertEquals(ops, attr(name, "LatencyCount"));
        final long p50 = attr(name, "LatencyP50Nanos");
        final long p99 = attr(name, "LatencyP99Nanos");
        final long max = attr(name, "LatencyMaxNanos");
        assertTrue(p50 > 0 && p50 <= p99 && p99 <= max && max < TimeUnit.SECONDS.toNanos(10),
                "p50=" + p50 + " p99=" + p99 + " max=" + max);

        // The MBean agrees with the GetStats reply, which the ring makes on its own thread.
        final RingStats stats = await(ring.stats());
        assertEquals(stats.submitted(), attr(name, "Submitted"));
        assertEquals(stats.completed(), attr(name, "Completed"));
        assertEquals(stats.maxBatch(), attr(name, "MaxBatch"));

        final TestProbe<StatusReply<Done>> stopped = testKit.createTestProbe();
        ref.tell(new RingCommand.Shutdown(stopped.getRef()));
        assertTrue(stopped.receiveMessage(Duration.ofSeconds(10)).isSuccess());
        assertFalse(server.isRegistered(name), "a ring that stopped gracefully is unregistered by its Done");
        stopped.expectTerminated(ref, Duration.ofSeconds(10));
        assertFalse(server.isRegistered(name));
    }

    /**
     * Issue #24: requests the ring refuses never reach the kernel, so Submitted and Completed do not see them; the
     * Refused* attributes count them by reason.
     */
    @Test
    void refusedRequestsAreCountedByReason() throws Exception {
        final RingSettings settings = RingSettings.create(testKit.system()).withMaxInFlight(2).withMaxQueued(1)
                .withStopTimeout(Duration.ofSeconds(30));
        final TestRings.Spawned spawned = TestRings.spawnOne(testKit, "refusing-ring", settings, Duration.ofSeconds(30));
        final ActorRef<RingCommand> ref = spawned.ref();
        final RingClient ring = spawned.client();
        final ObjectName name = nameOf("RingMBeanTest", "refusing-ring");
        final Path data = Files.write(dir.resolve("refused.bin"), new byte[8192]);
        final FileHandle closed = await(ring.open(data, OpenOptions.readOnly()));
        await(ring.close(closed));
        final FileHandle forged = new FileHandle(0x1234_5678_9abcL);

        // Invalid: 1,000 reads of a closed handle and 1,000 of a forged one.
        final int n = 1000;
        final List<CompletableFuture<ByteString>> invalid = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            invalid.add(ring.read(closed, 0, 4096).toCompletableFuture());
            invalid.add(ring.read(forged, 0, 4096).toCompletableFuture());
        }
        for (CompletableFuture<ByteString> read : invalid) {
            assertInstanceOf(InvalidRequestException.class, failure(read));
        }
        // One that names no one to reply to is dropped, and counted as invalid too.
        ref.tell(new RingCommand.Read(forged, 0, 4096, null, null));
        await(ring.stats()); // the ring has read it
        assertEquals(2 * n + 1, attr(name, "RefusedInvalid"));
        assertEquals(0, attr(name, "RefusedOverloaded"));
        assertEquals(0, attr(name, "RefusedStopped"));
        assertEquals(2, attr(name, "Submitted"), "the open and the close; no refused request reached the kernel");
        assertEquals(2, attr(name, "Completed"));
        assertEquals(0, attr(name, "Errors"));

        // Overloaded: two reads of an empty FIFO hold both slots, one more waits in the queue, the rest is refused.
        final FileHandle pipe = await(ring.open(fifo("refusing-fifo"), OpenOptions.readWrite()));
        final List<CompletableFuture<ByteString>> stuck = List.of(ring.read(pipe, 0, 10).toCompletableFuture(),
                ring.read(pipe, 0, 10).toCompletableFuture());
        final CompletableFuture<ByteString> queued = ring.read(pipe, 0, 10).toCompletableFuture();
        final List<CompletableFuture<ByteString>> overloaded = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            overloaded.add(ring.read(pipe, 0, 10).toCompletableFuture());
        }
        for (CompletableFuture<ByteString> read : overloaded) {
            assertInstanceOf(RingOverloadedException.class, failure(read));
        }
        assertEquals(5, attr(name, "RefusedOverloaded"));
        assertEquals(5, attr(name, "Rejected"), "the older name of RefusedOverloaded");
        assertEquals(2, attr(name, "InFlight"));
        assertEquals(1, attr(name, "Queued"));

        // Stopped: a Shutdown waits for the stuck reads; the queued read and every new request are refused.
        final TestProbe<StatusReply<Done>> stopped = testKit.createTestProbe();
        ref.tell(new RingCommand.Shutdown(stopped.getRef()));
        assertInstanceOf(RingStoppedException.class, failure(queued));
        for (int i = 0; i < 3; i++) {
            assertInstanceOf(RingStoppedException.class, failure(ring.read(pipe, 0, 10)));
        }
        assertTrue(server.isRegistered(name), "a stopping ring keeps its MBean until it has stopped");
        assertEquals(4, attr(name, "RefusedStopped"));
        assertEquals(2 * n + 1, attr(name, "RefusedInvalid"));
        assertEquals(5, attr(name, "RefusedOverloaded"));
        assertEquals(3, attr(name, "Completed"), "the open, the close and the FIFO's open: refusals are not completions");

        // The GetStats snapshot, which a stopping ring still answers, agrees.
        final RingStats stats = await(ring.stats());
        assertEquals(2 * n + 1, stats.refusedInvalid());
        assertEquals(5, stats.refusedOverloaded());
        assertEquals(5, stats.rejected());
        assertEquals(4, stats.refusedStopped());

        testKit.stop(ref, Duration.ofSeconds(10)); // aborts the stuck reads
        for (CompletableFuture<ByteString> read : stuck) {
            assertInstanceOf(RingStoppedException.class, failure(read));
        }
        assertFalse(server.isRegistered(name));
    }

    @Test
    void gaugesShowOpsInFlightAndTimeoutsAreCounted() throws Exception {
        final RingSettings settings = RingSettings.create(testKit.system()).withLatencyHistogram(false);
        final TestRings.Spawned spawned = TestRings.spawnOne(testKit, "gauge-ring", settings, Duration.ofSeconds(30));
        final ActorRef<RingCommand> ref = spawned.ref();
        final RingClient ring = spawned.client();
        final ObjectName name = nameOf("RingMBeanTest", "gauge-ring");
        // A read of an empty FIFO never completes by itself.
        final FileHandle pipe = await(ring.open(fifo("gauge-fifo"), OpenOptions.readWrite()));
        final List<CompletableFuture<ByteString>> stuck = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            stuck.add(ring.read(pipe, 0, 10).toCompletableFuture());
        }
        assertEquals(3, await(ring.stats()).inFlight());
        assertEquals(3, attr(name, "InFlight"));
        assertEquals(3, attr(name, "InFlightMax"));
        assertTrue(attr(name, "NativeMemoryInUse") >= 3 * 4096, "in use=" + attr(name, "NativeMemoryInUse"));
        assertInstanceOf(RingTimeoutException.class, failure(ring.withTimeout(Duration.ofMillis(50)).read(pipe, 0, 10)));
        assertEquals(1, attr(name, "TimedOut"));
        assertEquals(Map.of(), errors(name), "a timeout is no errno failure");
        assertEquals(0, attr(name, "LatencyCount"), "latency-histogram = off");
        assertEquals(0, attr(name, "LatencyP99Nanos"));

        // A stop of the actor itself (PostStop) aborts the ops in flight and unregisters the MBean.
        testKit.stop(ref, Duration.ofSeconds(10));
        assertFalse(server.isRegistered(name), "a ring stopped with ops in flight is unregistered");
        for (CompletableFuture<ByteString> read : stuck) {
            // answered as the kernel gives the cancelled read back: from the loop, once the actor is gone
            assertInstanceOf(RingStoppedException.class, failure(read));
        }
    }

    @Test
    void aStopThatTimesOutUnregistersToo() throws Exception {
        final RingSettings settings = RingSettings.create(testKit.system()).withStopTimeout(Duration.ofMillis(200));
        final TestRings.Spawned spawned = TestRings.spawnOne(testKit, "timeout-stop-ring", settings, Duration.ofSeconds(30));
        final ActorRef<RingCommand> ref = spawned.ref();
        final RingClient ring = spawned.client();
        final ObjectName name = nameOf("RingMBeanTest", "timeout-stop-ring");
        final FileHandle pipe = await(ring.open(fifo("stop-fifo"), OpenOptions.readWrite()));
        final CompletableFuture<ByteString> stuck = ring.read(pipe, 0, 10).toCompletableFuture();
        assertEquals(1, await(ring.stats()).inFlight());
        assertTrue(server.isRegistered(name));
        final TestProbe<StatusReply<Done>> stopped = testKit.createTestProbe();
        ref.tell(new RingCommand.Shutdown(stopped.getRef()));
        assertTrue(stopped.receiveMessage(Duration.ofSeconds(10)).isSuccess());
        assertFalse(server.isRegistered(name), "unregistered when the stop timed out and aborted the read");
        assertInstanceOf(RingStoppedException.class, failure(stuck));
    }

    @Test
    void ringsOfTheSameNameInOtherSystemsDoNotClash() throws Exception {
        final ActorTestKit other = ActorTestKit.create("RingMBeanTestOther");
        final ActorTestKit sameName = ActorTestKit.create("RingMBeanTest",
                ConfigFactory.parseString("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off"));
        try {
            final ActorRef<RingCommand> mine = spawn(testKit, "same-ring", RingSettings.create(testKit.system()));
            await(RingClient.create(mine, testKit.system()).stats());
            final ActorRef<RingCommand> theirs = spawn(other, "same-ring", RingSettings.create(other.system()));
            final RingClient theirRing = RingClient.create(theirs, other.system());
            await(theirRing.stats());
            final ActorRef<RingCommand> twin = spawn(sameName, "same-ring", RingSettings.create(sameName.system()));
            await(RingClient.create(twin, sameName.system()).stats());

            final ObjectName myName = nameOf("RingMBeanTest", "same-ring");
            final ObjectName theirName = nameOf("RingMBeanTestOther", "same-ring");
            final ObjectName twinName = new ObjectName(myName + ",instance=2");
            assertEquals(Set.of(myName, theirName, twinName),
                    server.queryNames(new ObjectName("io.uringactor:type=Ring,name=/user/same-ring,*"), null));
            assertEquals(twin.path().toString(), server.getAttribute(twinName, "ActorPath"));

            // Each MBean counts its own ring.
            final Path data = Files.write(dir.resolve("other.bin"), new byte[4096]);
            await(theirRing.open(data, OpenOptions.readOnly()));
            assertEquals(1, attr(theirName, "Completed"));
            assertEquals(0, attr(myName, "Completed"));

            other.stop(theirs, Duration.ofSeconds(10));
            assertFalse(server.isRegistered(theirName));
            assertTrue(server.isRegistered(myName), "stopping one leaves the other");
            sameName.stop(twin, Duration.ofSeconds(10));
            assertFalse(server.isRegistered(twinName));
            testKit.stop(mine, Duration.ofSeconds(10));
            assertFalse(server.isRegistered(myName));
        } finally {
            other.shutdownTestKit();
            sameName.shutdownTestKit();
        }
    }
}
