package io.uringactor.stream;

import static io.uringactor.stream.StreamTestSupport.await;
import static io.uringactor.stream.StreamTestSupport.failure;
import static io.uringactor.stream.StreamTestSupport.randomFile;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.actor.InvalidRequestException;
import io.uringactor.actor.RingActor;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingSettings;
import io.uringactor.stream.javadsl.FromPathSettings;
import io.uringactor.stream.javadsl.RingAttribute;
import io.uringactor.stream.javadsl.ToPathSettings;
import io.uringactor.stream.javadsl.UringFileIO;

import com.typesafe.config.ConfigFactory;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Streams between two nodes' disks: node A has a ring confined to a root directory; node B (another ActorSystem
 * over Artery on loopback) streams A's files through that ring with {@link RingAttribute}, to and from its own
 * disk. Every read and write crosses the wire, in chunks that fit Artery's frame, with many in flight.
 */
class RemoteStreamsTest {
    private static final String REMOTE = String.join("\n",
            "pekko.actor.provider = remote",
            "pekko.remote.artery.canonical.hostname = 127.0.0.1",
            "pekko.remote.artery.canonical.port = 0",
            "pekko.loglevel = WARNING",
            "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off");

    @TempDir
    static Path rootA;
    @TempDir
    static Path diskB;

    private static ActorTestKit nodeA;
    private static ActorTestKit nodeB;
    private static ActorRef<RingCommand> ringA;
    /** A's ring as B reaches it. */
    private static RingClient remote;

    @BeforeAll
    static void startNodes() {
        nodeA = ActorTestKit.create("node-a", ConfigFactory.parseString(REMOTE).withFallback(ConfigFactory.load()));
        nodeB = ActorTestKit.create("node-b", ConfigFactory.parseString(REMOTE).withFallback(ConfigFactory.load()));
        final RingSettings settings = RingSettings.create(nodeA.system()).withRootDirectory(rootA)
                .withRegisterWithReceptionist(false);
        ringA = nodeA.spawn(RingActor.create(settings), "disk", RingActor.props(settings));
        final ActorRef<RingCommand> fromB = ActorRefResolver.get(nodeB.system())
                .resolveActorRef(ringA.path().toStringWithAddress(nodeA.system().address()));
        remote = RingClient.create(fromB, nodeB.system(), Duration.ofSeconds(20));
        await(remote.stats());
    }

    @AfterAll
    static void stopNodes() {
        nodeB.shutdownTestKit();
        nodeA.shutdownTestKit();
    }

    @Test
    void nodeBStreamsAFileOfNodeAsDiskToItsOwnDisk() throws Exception {
        final Path source = randomFile(rootA.resolve("from-a.bin"), 5_000_003, 1);
        final Path target = diskB.resolve("from-a-copy.bin");
        // 1 MiB chunks ask for more than Artery's 256 KiB frame: the source cuts them to what fits.
        final IOResult read = await(UringFileIO.fromPath(Path.of("from-a.bin"), FromPathSettings.create(nodeB.system())
                        .withChunkSize(1 << 20).withReadsInFlight(8))
                .withAttributes(RingAttribute.of(remote))
                .runWith(UringFileIO.toPath(target), nodeB.system()));
        assertEquals(5_000_003, read.count());
        assertEquals(-1, Files.mismatch(source, target));
        assertTrue(await(RingClient.create(ringA, nodeA.system()).stats()).inFlightMax() <= 8,
                "never more reads in flight on A than the source asked for");
    }

    @Test
    void nodeBStreamsItsFileToNodeAsDiskInPlace() throws Exception {
        final Path source = randomFile(diskB.resolve("to-a.bin"), 3_000_001, 2);
        final IOResult written = await(UringFileIO.fromPath(source)
                .runWith(UringFileIO.toPath(Path.of("to-a-copy.bin"), ToPathSettings.create(nodeB.system())
                        .withChunkSize(1 << 20)).withAttributes(RingAttribute.of(remote)), nodeB.system()));
        assertEquals(3_000_001, written.count());
        assertEquals(-1, Files.mismatch(source, rootA.resolve("to-a-copy.bin")));
    }

    @Test
    void aSlowReaderOnNodeBHoldsNoMoreThanItsReadAhead() throws Exception {
        randomFile(rootA.resolve("slow.bin"), 2_000_000, 3);
        final List<ByteString> chunks = await(UringFileIO.fromPath(Path.of("slow.bin"),
                        FromPathSettings.create(nodeB.system()).withChunkSize(64 << 10).withReadsInFlight(4))
                .withAttributes(RingAttribute.of(remote))
                .throttle(20, Duration.ofMillis(100))
                .runWith(Sink.seq(), nodeB.system()));
        assertEquals(2_000_000, chunks.stream().mapToInt(ByteString::size).sum());
        assertTrue(chunks.stream().allMatch(c -> c.size() <= 64 << 10), "chunks of at most 64 KiB");
    }

    /**
     * The disk's node stops mid-stream (its system terminates): the stream on B fails with a typed failure (the
     * ring's RingStoppedException, or the ask's timeout for what the dead node no longer answers), within the
     * client's ask timeout, and B's own target file is closed.
     */
    @Test
    void aStreamFailsCleanlyWhenTheDisksNodeStops() throws Exception {
        final ActorTestKit nodeC = ActorTestKit.create("node-c", ConfigFactory.parseString(REMOTE)
                .withFallback(ConfigFactory.load()));
        final Path rootC = java.nio.file.Files.createDirectories(diskB.resolve("root-c"));
        randomFile(rootC.resolve("big.bin"), 20_000_000, 4);
        final RingSettings settings = RingSettings.create(nodeC.system()).withRootDirectory(rootC)
                .withRegisterWithReceptionist(false);
        final ActorRef<RingCommand> ringC = nodeC.spawn(RingActor.create(settings), "disk", RingActor.props(settings));
        final RingClient fromB = RingClient.create(ActorRefResolver.get(nodeB.system())
                .resolveActorRef(ringC.path().toStringWithAddress(nodeC.system().address())), nodeB.system(),
                Duration.ofSeconds(3));
        final Path target = diskB.resolve("from-c.bin");
        final java.util.concurrent.CompletionStage<IOResult> copy = UringFileIO.fromPath(Path.of("big.bin"),
                        FromPathSettings.create(nodeB.system()).withChunkSize(64 << 10))
                .withAttributes(RingAttribute.of(fromB))
                .throttle(40, Duration.ofMillis(100)) // ~2.5 MB/s: still streaming when C stops
                .runWith(UringFileIO.toPath(target), nodeB.system());
        Thread.sleep(500);
        final long start = System.nanoTime();
        nodeC.shutdownTestKit();
        final Throwable failed = failure(copy);
        final double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 20, "failed " + seconds + " s after the stop");
        Throwable cause = failed;
        // The ring's answer if it reached B before C's remoting went down, else the ask's TimeoutException.
        while (cause.getCause() != null && !(cause instanceof io.uringactor.actor.RingStoppedException)
                && !(cause instanceof java.util.concurrent.TimeoutException)) {
            cause = cause.getCause();
        }
        assertTrue(cause instanceof io.uringactor.actor.RingStoppedException
                || cause instanceof java.util.concurrent.TimeoutException, "typed: " + failed);
        assertTrue(java.nio.file.Files.size(target) > 0 && java.nio.file.Files.size(target) < 20_000_000,
                "what arrived was written, as FileIO writes it: " + java.nio.file.Files.size(target));
        StreamTestSupport.awaitCondition("B's target closed", () -> openFdsTo(target) == 0);
    }

    private static long openFdsTo(Path file) {
        try (var fds = java.nio.file.Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return java.nio.file.Files.readSymbolicLink(fd).equals(file);
                } catch (java.io.IOException e) {
                    return false;
                }
            }).count();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void atomicReplaceThroughARingOnAnotherNodeIsRefusedAndTheTargetUntouched() throws Exception {
        final Path target = Files.writeString(rootA.resolve("keep.txt"), "keep me");
        final Throwable refused = failure(Source.single(ByteString.fromString("new"))
                .runWith(UringFileIO.toPath(Path.of("keep.txt"), ToPathSettings.create(nodeB.system())
                        .withAtomicReplace(true)).withAttributes(RingAttribute.of(remote)), nodeB.system()));
        Throwable cause = refused;
        while (cause.getCause() != null && !(cause instanceof InvalidRequestException)) {
            cause = cause.getCause();
        }
        assertInstanceOf(InvalidRequestException.class, cause, refused.toString());
        assertTrue(cause.getMessage().contains("another node"), cause.getMessage());
        assertEquals("keep me", Files.readString(target));
    }
}
