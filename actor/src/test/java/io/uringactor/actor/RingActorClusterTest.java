package io.uringactor.actor;

import static io.uringactor.actor.TestRings.*;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.actor.internal.RemoteCalls;
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

    /** 64 random 4 KiB blocks in {@code name} beneath A's root, opened by B. */
    private record OnA(byte[] data, FileHandle file) {
        static OnA write(String name, long seed, OpenOptions options) throws IOException {
            final byte[] data = randomBytes(64 * 4096, seed);
            Files.write(root.resolve(name), data);
            return new OnA(data, await(ring.open(Path.of(name), options)));
        }
    }

    @Test
    void threadsKeepingManyRequestsInFlightGetEveryReplyRight() throws Exception {
        final OnA onA = OnA.write("sustained.bin", 8, OpenOptions.readOnly());
        final byte[] data = onA.data();
        final FileHandle file = onA.file();
        final RemoteCalls calls = RemoteCalls.get(nodeB.system());
        final java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
        final List<Throwable> failures = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        final List<Thread> threads = new java.util.ArrayList<>();
        final long deadline = System.nanoTime() + Duration.ofMillis(500).toNanos();
        // 4 threads with 8 reads in flight each, for half a second: many batches, sent and answered on many threads
        for (int t = 0; t < 4; t++) {
            final Thread thread = new Thread(() -> {
                final java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(8);
                try {
                    for (long n = 0; System.nanoTime() < deadline; n++) {
                        slots.acquire();
                        final int block = (int) (n % 64);
                        ring.read(file, block * 4096L, 4096).whenComplete((bytes, e) -> {
                            if (e != null) {
                                failures.add(e);
                            } else if (!bytes.equals(ByteString.fromArray(data, block * 4096, 4096))) {
                                failures.add(new AssertionError("block " + block + " read wrong bytes"));
                            } else {
                                done.incrementAndGet();
                            }
                            slots.release();
                        });
                    }
                    if (!slots.tryAcquire(8, 20, java.util.concurrent.TimeUnit.SECONDS)) {
                        failures.add(new AssertionError("replies missing after 20 s: " + calls));
                    }
                } catch (InterruptedException e) {
                    failures.add(e);
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(List.of(), failures);
        assertTrue(done.get() > 100, done.get() + " reads");
        assertEquals(0, calls.pending(), "no batched request left waiting: " + calls);
        await(ring.close(file));
    }

    @Test
    void readsThatWaitOnAPipeHoldUpNoOtherRequestOfTheNode() throws Exception {
        final OnA onA = OnA.write("beside-the-pipe.bin", 9, OpenOptions.readOnly());
        final FileHandle pipe = await(ring.open(root.relativize(fifo(root, "empty-pipe")), OpenOptions.readWrite()));
        // Reads of an empty pipe wait in the kernel until their op timeout: more than the window's worth of
        // batches of them, then reads of a file, which must not wait behind them.
        final RingClient patient = ring.withTimeout(Duration.ofMillis(3000));
        final List<java.util.concurrent.CompletableFuture<ByteString>> waiting = new java.util.ArrayList<>();
        final List<java.util.concurrent.CompletableFuture<ByteString>> reads = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            waiting.add(patient.read(pipe, 0, 16).toCompletableFuture());
            Thread.sleep(2); // let batches go apart
        }
        for (int i = 0; i < 50; i++) {
            reads.add(ring.read(onA.file(), i * 4096L, 4096).toCompletableFuture());
        }
        for (int i = 0; i < 50; i++) {
            assertEquals(ByteString.fromArray(onA.data(), i * 4096, 4096),
                    reads.get(i).get(2500, java.util.concurrent.TimeUnit.MILLISECONDS));
        }
        assertTrue(waiting.stream().noneMatch(java.util.concurrent.CompletableFuture::isDone),
                "the file's reads were answered while the pipe's still waited");
        for (java.util.concurrent.CompletableFuture<ByteString> read : waiting) {
            assertInstanceOf(RingTimeoutException.class, failure(read));
        }
        await(ring.close(pipe));
        await(ring.close(onA.file()));
    }

    @Test
    void requestsMadeWhileOthersAreInFlightTravelInBatchesAndEachGetsItsOwnReply() throws Exception {
        final RemoteCalls calls = RemoteCalls.get(nodeB.system());
        final OnA onA = OnA.write("batched.bin", 7, OpenOptions.readWrite());
        final long batchedBefore = calls.batchedRequests();
        final long batchesBefore = calls.batchesSent();
        final byte[] data = onA.data();
        final FileHandle file = onA.file();
        // A burst: the first goes alone, the rest find it in flight and are gathered. Among them, requests the
        // ring refuses, each of which must fail alone, typed, while its neighbours succeed.
        final int n = 300;
        final List<java.util.concurrent.CompletableFuture<?>> replies = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (i % 50 == 49) {
                replies.add(ring.read(new FileHandle(0x7777_0000_0000_0001L + i), 0, 4096).toCompletableFuture());
            } else if (i % 10 == 5) {
                replies.add(ring.write(file, (i % 64) * 4096L, ByteString.fromArray(data, (i % 64) * 4096, 4096))
                        .toCompletableFuture());
            } else {
                replies.add(ring.read(file, (i % 64) * 4096L, 4096).toCompletableFuture());
            }
        }
        for (int i = 0; i < n; i++) {
            if (i % 50 == 49) {
                assertInstanceOf(InvalidRequestException.class, failure(replies.get(i)), "request " + i);
            } else if (i % 10 == 5) {
                assertEquals(4096, replies.get(i).get(20, java.util.concurrent.TimeUnit.SECONDS), "request " + i);
            } else {
                assertEquals(ByteString.fromArray(data, (i % 64) * 4096, 4096),
                        replies.get(i).get(20, java.util.concurrent.TimeUnit.SECONDS), "request " + i);
            }
        }
        final long batched = calls.batchedRequests() - batchedBefore;
        final long batches = calls.batchesSent() - batchesBefore;
        assertTrue(batched >= n / 2, batched + " of " + n + " requests were batched");
        assertTrue(batches * 4 <= batched, batches + " batches for " + batched + " requests: 4 or more a batch");
        assertEquals(Done.getInstance(), await(ring.close(file)));
        assertArrayEquals(data, Files.readAllBytes(root.resolve("batched.bin")), "the writes wrote what was there");
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
