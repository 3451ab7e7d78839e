package io.uringactor.actor;

import static io.uringactor.actor.TestRings.*;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.ring.AlignedBuffer;
import io.uringactor.ring.Errno;
import io.uringactor.ring.ErrnoException;
import io.uringactor.ring.Statx;

import com.typesafe.config.ConfigValueFactory;

import org.apache.pekko.Done;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Two ActorSystems in this JVM form a cluster over Artery TCP on 127.0.0.1. Node A runs the system's ring
 * (RingExtension) confined to a root directory; node B finds it through the receptionist and works on A's
 * files through it: every command and reply crosses the wire with {@code RingProtocolSerializer}.
 */
class RingActorClusterTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    static Path root;
    @TempDir
    static Path outside;

    private static ActorTestKit nodeA;
    private static ActorTestKit nodeB;
    /** A's ring as B sees it: a remote ref found with the receptionist. */
    private static ActorRef<RingCommand> remoteRing;
    private static RingClient ring;

    @BeforeAll
    static void formCluster() {
        nodeA = ActorTestKit.create("ring-cluster", LoopbackCluster.nodeConfig()
                .withValue("io-uring-actor.ring.root-directory", ConfigValueFactory.fromAnyRef(root.toString())));
        nodeB = ActorTestKit.create("ring-cluster", LoopbackCluster.nodeConfig());
        final Address addressA = LoopbackCluster.form(List.of(nodeA, nodeB), TIMEOUT);

        // A's default ring registers itself under RingActor.SERVICE_KEY.
        final java.util.List<String> localRings = RingExtension.get(nodeA.system()).group().rings().stream()
                .map(r -> r.path().toStringWithoutAddress()).toList();
        remoteRing = findRemoteRing(addressA);
        assertTrue(localRings.contains(remoteRing.path().toStringWithoutAddress()), remoteRing + " of " + localRings);
        ring = RingClient.create(remoteRing, nodeB.system(), TIMEOUT);
    }

    /** Subscribes on B until the listing holds a ring of node A. */
    private static ActorRef<RingCommand> findRemoteRing(Address addressA) {
        final TestProbe<Receptionist.Listing> probe = nodeB.createTestProbe();
        nodeB.system().receptionist().tell(Receptionist.subscribe(RingActor.SERVICE_KEY, probe.ref()));
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            final Set<ActorRef<RingCommand>> rings = probe.receiveMessage(TIMEOUT)
                    .getServiceInstances(RingActor.SERVICE_KEY);
            for (ActorRef<RingCommand> r : rings) {
                if (addressA.equals(r.path().address())) {
                    return r;
                }
            }
        }
        throw new AssertionError("node B never listed node A's ring");
    }

    @AfterAll
    static void shutdown() {
        if (nodeB != null) {
            nodeB.shutdownTestKit();
        }
        if (nodeA != null) {
            nodeA.shutdownTestKit();
        }
    }

    @Test
    void remoteNodeWorksOnFilesBeneathTheRoot() throws IOException {
        final byte[] data = randomBytes(100_000, 1);
        final FileHandle file = await(ring.open(Path.of("data.bin"), OpenOptions.readWrite().withCreate()));
        assertEquals(100_000, await(ring.write(file, 0, ByteString.fromArray(data))));
        assertEquals(ByteString.fromArray(data), await(ring.read(file, 0, 100_000)));
        assertEquals(ByteString.fromArray(data, 1000, 3000), await(ring.read(file, 1000, 3000)));
        assertEquals(3, await(ring.writev(file, 100_000, List.of(ByteString.fromString("a"),
                ByteString.fromString("bc")))));
        assertEquals(List.of(ByteString.fromString("ab"), ByteString.fromString("c"), ByteString.emptyByteString()),
                await(ring.readv(file, 100_000, List.of(2, 1, 5))));
        final Statx stat = await(ring.stat(file));
        assertEquals(100_003, stat.size());
        assertTrue(stat.isRegularFile());
        assertEquals(Done.getInstance(), await(ring.fsync(file)));
        assertEquals(Done.getInstance(), await(ring.fdatasync(file)));
        assertEquals(Done.getInstance(), await(ring.close(file)));

        final byte[] onDisk = Files.readAllBytes(root.resolve("data.bin"));
        assertArrayEquals(data, Arrays.copyOf(onDisk, 100_000));
        assertEquals("abc", new String(onDisk, 100_000, 3, java.nio.charset.StandardCharsets.US_ASCII));
        // the closed handle is dead on A
        assertInstanceOf(InvalidRequestException.class, failure(ring.read(file, 0, 1)));

        // a symlink that stays inside the root is followed
        Files.createSymbolicLink(root.resolve("inner-link"), Path.of("data.bin"));
        final FileHandle viaLink = await(ring.open(Path.of("inner-link"), OpenOptions.readOnly()));
        assertEquals(ByteString.fromArray(data, 0, 10), await(ring.read(viaLink, 0, 10)));
        await(ring.close(viaLink));

        final RingStats stats = await(ring.stats());
        assertTrue(stats.completed() >= 10, stats.toString());
    }

    @Test
    void remoteBlockIoCopiesTheBuffers() throws IOException {
        final FileHandle file = await(ring.open(Path.of("blocks.bin"), OpenOptions.readWrite().withCreate()));
        final AlignedBuffer toWrite = AlignedBuffer.allocate(4096, 4096);
        final byte[] block = randomBytes(4096, 2);
        toWrite.byteBuffer().put(0, block);
        final BlockIo written = await(ring.writeBlock(file, 8192, toWrite));
        assertEquals(4096, written.bytes());
        assertNull(written.buffer(), "the written bytes are not sent back");

        final AlignedBuffer toRead = AlignedBuffer.allocate(4096, 4096);
        final BlockIo read = await(ring.readBlock(file, 8192, toRead));
        assertEquals(4096, read.bytes());
        assertNotSame(toRead, read.buffer(), "the bytes read arrive in a fresh buffer");
        assertEquals(4096, read.buffer().capacity(), "holding exactly the bytes read");
        final byte[] got = new byte[4096];
        read.buffer().byteBuffer().get(0, got);
        assertArrayEquals(block, got);
        assertEquals(0, toRead.byteBuffer().getLong(0), "the asker's own buffer was never written");
        await(ring.close(file));

        final byte[] onDisk = Files.readAllBytes(root.resolve("blocks.bin"));
        assertEquals(8192 + 4096, onDisk.length);
        assertArrayEquals(block, Arrays.copyOfRange(onDisk, 8192, 8192 + 4096));
    }

    @Test
    void pathsLeavingTheRootAreRefused() throws IOException {
        final Path secret = Files.writeString(outside.resolve("secret"), "not for remote eyes");
        Files.createSymbolicLink(root.resolve("escape"), secret);
        Files.createSymbolicLink(root.resolve("escape-dir"), outside);
        Files.createDirectories(root.resolve("sub"));
        try {
            assertEscapesAreRefused(secret);
        } finally {
            Files.delete(root.resolve("escape"));
            Files.delete(root.resolve("escape-dir"));
        }
    }

    private static void assertEscapesAreRefused(Path secret) {
        for (String path : List.of("../x", "../" + outside.getFileName() + "/secret", "/etc/passwd",
                secret.toString(), "escape", "escape-dir/secret", "sub/../../x")) {
            final Throwable e = failure(ring.open(Path.of(path), OpenOptions.readOnly()));
            final ErrnoException errno = assertInstanceOf(ErrnoException.class, e, path);
            assertEquals(Errno.EXDEV, errno.errno(), path + ": " + e);
            assertEquals("EXDEV", errno.errnoName());
            assertTrue(e.getMessage().contains(path) && e.getMessage().contains("escapes the root directory"),
                    e.getMessage());
        }
        // creating through an escaping path is refused too, and nothing appears outside
        final Throwable create = failure(ring.open(Path.of("../created"), OpenOptions.writeOnly().withCreate()));
        assertEquals(Errno.EXDEV, ((ErrnoException) create).errno());
        assertFalse(Files.exists(root.getParent().resolve("created")));
        // an ordinary errno inside the root crosses the wire typed as well
        final ErrnoException missing = assertInstanceOf(ErrnoException.class,
                failure(ring.open(Path.of("missing"), OpenOptions.readOnly())));
        assertEquals(Errno.ENOENT, missing.errno());
    }

    @Test
    void forgedHandlesAreRefused() {
        final FileHandle real = await(ring.open(Path.of("forge.bin"), OpenOptions.readWrite().withCreate()));
        final long id = real.id();
        for (FileHandle forged : List.of(new FileHandle(id ^ (1L << 40)), new FileHandle(id + 1),
                new FileHandle(0), FileHandle.BOUND, new FileHandle(new Random(3).nextLong()))) {
            final Throwable e = failure(ring.read(forged, 0, 10));
            assertInstanceOf(InvalidRequestException.class, e, forged.toString());
            assertTrue(e.getMessage().contains("unknown or closed file handle"), e.getMessage());
            assertInstanceOf(InvalidRequestException.class, failure(ring.write(forged, 0, ByteString.fromString("x"))));
            assertInstanceOf(InvalidRequestException.class, failure(ring.close(forged)));
        }
        assertEquals(Done.getInstance(), await(ring.close(real)));
        assertInstanceOf(InvalidRequestException.class, failure(ring.close(real)), "stale after close");
    }

    @Test
    void onlyNodeAOffersARing() {
        final TestProbe<Receptionist.Listing> probe = nodeB.createTestProbe();
        nodeB.system().receptionist().tell(Receptionist.find(RingActor.SERVICE_KEY, probe.ref()));
        final Set<ActorRef<RingCommand>> rings = probe.receiveMessage(TIMEOUT).getServiceInstances(RingActor.SERVICE_KEY);
        // Every ring of A's default group, and only those.
        assertEquals(RingExtension.get(nodeA.system()).group().rings().stream()
                .map(r -> r.path().toStringWithoutAddress()).collect(java.util.stream.Collectors.toSet()),
                rings.stream().map(r -> r.path().toStringWithoutAddress()).collect(java.util.stream.Collectors.toSet()));
        assertTrue(rings.contains(remoteRing));
        final ActorSystem<Void> b = nodeB.system();
        assertNotEquals(b.address(), remoteRing.path().address());
    }
}
