package io.uringactor.actor;

import static io.uringactor.actor.SafetyTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.ConfigValueFactory;

import org.apache.pekko.Done;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Three ActorSystems in this JVM form a cluster on 127.0.0.1:
 * <ul>
 * <li>A: defaults (no root-directory): the rings that serve B's raw asks, malformed input and Shutdowns;</li>
 * <li>B: the client node, with {@code register-without-root = on};</li>
 * <li>C: {@code root-directory} set and {@code allow-remote-shutdown = on}.</li>
 * </ul>
 * Rings spawned here do not register ({@code withRegisterWithReceptionist(false)}); B gets their refs in
 * {@link ActorRefResolver} format, as any serialized ref.
 */
class RingActorClusterSafetyTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final Duration REPLY = Duration.ofSeconds(10);
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    @TempDir
    static Path rootOfC;

    private static ActorTestKit nodeA;
    private static ActorTestKit nodeB;
    private static ActorTestKit nodeC;

    @BeforeAll
    static void formCluster() {
        nodeA = ActorTestKit.create("ring-safety", LoopbackCluster.nodeConfig());
        nodeB = ActorTestKit.create("ring-safety", LoopbackCluster.nodeConfig()
                .withValue("io-uring-actor.ring.register-without-root", ConfigValueFactory.fromAnyRef(true)));
        nodeC = ActorTestKit.create("ring-safety", LoopbackCluster.nodeConfig()
                .withValue("io-uring-actor.ring.root-directory", ConfigValueFactory.fromAnyRef(rootOfC.toString()))
                .withValue("io-uring-actor.ring.allow-remote-shutdown", ConfigValueFactory.fromAnyRef(true)));
        LoopbackCluster.form(List.of(nodeA, nodeB, nodeC), TIMEOUT);
    }

    @AfterAll
    static void shutdown() {
        for (ActorTestKit node : new ActorTestKit[] {nodeC, nodeB, nodeA}) {
            if (node != null) {
                node.shutdownTestKit();
            }
        }
    }

    private static Address address(ActorTestKit node) {
        return LoopbackCluster.address(node);
    }

    /** A ring spawned on a node, as that node sees it and as node B resolves it. */
    private record Spawned(ActorRef<RingCommand> local, ActorRef<RingCommand> remote) {
    }

    /** A ring spawned on {@code node} that does not register, and its ref as node B resolves it. */
    private static Spawned spawnOn(ActorTestKit node, String name) {
        final RingSettings settings = RingSettings.create(node.system()).withRegisterWithReceptionist(false);
        final ActorRef<RingCommand> ring = node.spawn(RingActor.create(settings), name, RingActor.props(settings));
        final ActorRef<RingCommand> remote = ActorRefResolver.get(nodeB.system()).resolveActorRef(full(node, ring));
        assertFalse(remote.path().address().hasLocalScope(), "B sees a remote ref: " + remote);
        return new Spawned(ring, remote);
    }

    /** {@code ref} with its full address, as {@code node} (where it is local or remote) names it. */
    private static String full(ActorTestKit node, ActorRef<?> ref) {
        return ActorRefResolver.get(node.system()).toSerializationFormat(ref);
    }

    private static <T> CompletableFuture<T> askFromB(ActorRef<RingCommand> ring,
                                                     Function<ActorRef<StatusReply<T>>, RingCommand> command) {
        return AskPattern.askWithStatus(ring, command::apply, ASK_TIMEOUT, nodeB.scheduler()).toCompletableFuture();
    }

    private static byte[] random(int n, long seed) {
        final byte[] bytes = new byte[n];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    // ------------------------------------------------------------------------------------------ item 2

    /**
     * 2,000 plain asks from node B to a ring on node A, with a Shutdown sent on A after the first 1,000:
     * every ask gets a reply (data or RingStoppedException). Asks sent from B after the ring stopped fail
     * with RingStoppedException well before the 30 s ask timeout.
     */
    @Test
    void rawAsksFromAnotherNodeAroundAShutdownAreAllAnswered() throws Exception {
        final Spawned ring = spawnOn(nodeA, "remote-shutdown-ring");
        final ActorRef<RingCommand> remote = ring.remote();
        final ActorRef<RingCommand> local = ring.local();
        final byte[] content = random(64 * 1024, 31);
        final Path path = Files.write(dir.resolve("remote-raw.bin"), content);
        final FileHandle file = await(askFromB(remote, (ActorRef<StatusReply<FileHandle>> r) ->
                new RingCommand.Open(path.toString(), OpenOptions.readOnly(), r)), REPLY, "open from B");
        final TestProbe<StatusReply<Done>> stopped = nodeA.createTestProbe();

        final int requests = 2_000;
        final List<CompletableFuture<ByteString>> replies = new ArrayList<>(requests);
        for (int i = 0; i < requests; i++) {
            if (i == requests / 2) {
                local.tell(new RingCommand.Shutdown(stopped.getRef()));
            }
            final long offset = (i % 16) * 4096L;
            replies.add(askFromB(remote, (ActorRef<StatusReply<ByteString>> r) -> new RingCommand.Read(file, offset, 4096, r)));
        }
        final Outcomes outcomes = classify(replies, TIMEOUT, bytes -> bytes.size() == 4096);
        assertEquals(0, outcomes.unanswered, "every remote ask around a Shutdown gets a reply: " + outcomes);
        assertEquals(requests, outcomes.count("ok") + outcomes.count("RingStoppedException"),
                "replies are data or RingStoppedException only: " + outcomes);
        final StatusReply<Done> stopReply = stopped.receiveMessage(REPLY);
        assertTrue(stopReply.isSuccess(), "the local Shutdown's reply: " + stopReply);

        for (int i = 0; i < 20; i++) {
            final Throwable late = failureOf(askFromB(remote, (ActorRef<StatusReply<ByteString>> r) ->
                    new RingCommand.Read(file, 0, 10, r)), REPLY, "remote read #" + i + " sent after the ring stopped");
            assertInstanceOf(RingStoppedException.class, late, "a stopped ring's reply across the wire: " + late);
        }
    }

    // ------------------------------------------------------------------------------------------ item 1 (remote)

    /**
     * Block requests from node B allocate their buffers on A within A's budget: a ring on A with max-io-size
     * 64 KiB and {@code withMaxNativeMemory(128 KiB)}, max-queued 16, gets 40 concurrent 64 KiB ReadBlocks and
     * 40 WriteBlocks from B. Each is answered with the right bytes (or RingOverloadedException), and never
     * more than two are in flight at once.
     */
    @Test
    void remoteBlockRequestsStayWithinTheBudget() throws Exception {
        final int block = 64 * 1024;
        final RingSettings settings = RingSettings.create(nodeA.system()).withRegisterWithReceptionist(false)
                .withMaxIoSize(block).withMaxNativeMemory(2L * block).withMaxQueued(16);
        final ActorRef<RingCommand> local = nodeA.spawn(RingActor.create(settings), "remote-budget-ring",
                RingActor.props(settings));
        final ActorRef<RingCommand> remote = ActorRefResolver.get(nodeB.system()).resolveActorRef(full(nodeA, local));
        final RingClient client = RingClient.create(remote, nodeB.system(), ASK_TIMEOUT);
        final byte[] content = random(16 * block, 34);
        final Path path = Files.write(dir.resolve("remote-budget.bin"), content);
        final FileHandle file = await(client.open(path, OpenOptions.readWrite()), REPLY, "open from B");

        final List<CompletableFuture<Boolean>> replies = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            final int at = (i % 16) * block;
            final io.uringactor.ring.AlignedBuffer buffer = io.uringactor.ring.AlignedBuffer.allocate(block, 4096);
            if (i % 2 == 0) {
                replies.add(client.readBlock(file, at, buffer).toCompletableFuture().thenApply(io -> {
                    final byte[] got = new byte[io.bytes()];
                    io.buffer().byteBuffer().get(0, got);
                    return io.bytes() == block && java.util.Arrays.equals(got, java.util.Arrays.copyOfRange(content, at, at + block));
                }));
            } else {
                buffer.byteBuffer().put(0, content, at, block); // the same bytes again
                replies.add(client.writeBlock(file, at, buffer).toCompletableFuture().thenApply(io -> io.bytes() == block));
            }
        }
        final Outcomes outcomes = classify(replies, TIMEOUT, ok -> ok);
        assertEquals(0, outcomes.unanswered, outcomes.toString());
        assertEquals(replies.size(), outcomes.count("ok") + outcomes.count("RingOverloadedException"),
                "data or RingOverloadedException only: " + outcomes);
        assertTrue(outcomes.count("ok") >= 2, "some were served: " + outcomes);
        final RingStats stats = await(client.stats(), REPLY, "stats");
        assertTrue(stats.inFlightMax() <= 2, "a 128 KiB budget holds at most two 64 KiB remote blocks in flight: " + stats);
        assertArrayEquals(content, Files.readAllBytes(path), "the file is unchanged (blocks rewrote its own bytes)");
        // A block over max-io-size (the request names only its capacity) is refused, not allocated.
        final Throwable big = failureOf(client.readBlock(file, 0, io.uringactor.ring.AlignedBuffer.allocate(4 * block, 4096)),
                REPLY, "a 256 KiB ReadBlock from B with max-io-size 64 KiB");
        assertInstanceOf(InvalidRequestException.class, big, big.toString());
        final Throwable bigWrite = failureOf(client.writeBlock(file, 0, io.uringactor.ring.AlignedBuffer.allocate(2 * block, 4096)),
                REPLY, "a 128 KiB WriteBlock from B with max-io-size 64 KiB");
        assertInstanceOf(InvalidRequestException.class, bigWrite, bigWrite.toString());
        assertArrayEquals(content, Files.readAllBytes(path), "the refused write changed nothing");
    }

    // ------------------------------------------------------------------------------------------ item 7

    /** GetStats(null) from node B (which A cannot decode or answer) does not stop A's ring: B's next reads are served. */
    @Test
    void aMalformedCommandFromAnotherNodeDoesNotStopTheRing() throws Exception {
        final ActorRef<RingCommand> remote = spawnOn(nodeA, "remote-malformed-ring").remote();
        final RingClient client = RingClient.create(remote, nodeB.system(), REPLY);
        final byte[] content = random(16 * 1024, 32);
        final Path path = Files.write(dir.resolve("remote-malformed.bin"), content);
        final FileHandle file = await(client.open(path, OpenOptions.readOnly()), REPLY, "open from B");

        remote.tell(new RingCommand.GetStats(null));
        remote.tell(new RingCommand.Shutdown(null));
        assertEquals(ByteString.fromArray(content, 0, 4096), await(client.read(file, 0, 4096), REPLY,
                "a read from B after GetStats(null)"));
        // Well-formed but invalid values cross the wire and are refused with a reply.
        final List<String> names = List.of("Read(null handle)", "Read(negative length)", "Read(negative offset)",
                "ReadV(list with a negative length)", "Write(forged handle)");
        final List<CompletableFuture<?>> refused = List.of(
                askFromB(remote, (ActorRef<StatusReply<ByteString>> r) -> new RingCommand.Read(null, 0, 10, r)),
                askFromB(remote, (ActorRef<StatusReply<ByteString>> r) -> new RingCommand.Read(file, 0, -1, r)),
                askFromB(remote, (ActorRef<StatusReply<ByteString>> r) -> new RingCommand.Read(file, -1, 10, r)),
                askFromB(remote, (ActorRef<StatusReply<List<ByteString>>> r) -> new RingCommand.ReadV(file, 0,
                        List.of(4, -4), r)),
                askFromB(remote, (ActorRef<StatusReply<Integer>> r) -> new RingCommand.Write(
                        new FileHandle(file.id() ^ (1L << 40)), 0, ByteString.fromString("x"), r)));
        for (int i = 0; i < refused.size(); i++) {
            final Throwable e = failureOf(refused.get(i), REPLY, names.get(i) + " from B");
            assertInstanceOf(InvalidRequestException.class, e, names.get(i) + " from B is refused as invalid: " + e);
        }
        final RingStats stats = await(client.stats(), REPLY, "stats from B");
        assertEquals(0, stats.inFlight(), stats.toString());
        assertEquals(ByteString.fromArray(content, 8192, 4096), await(client.read(file, 8192, 4096), REPLY,
                "a second read from B"));
    }

    // ------------------------------------------------------------------------------------------ item 9 (remote)

    /** A ring on A whose root-directory is missing answers B's requests with RingStoppedException, cause and all. */
    @Test
    void aRingThatFailsToStartAnswersRemoteRequestsWithItsCause() {
        final Path missing = dir.resolve("missing-root-on-a");
        final RingSettings settings = RingSettings.create(nodeA.system()).withRegisterWithReceptionist(false)
                .withRootDirectory(missing);
        final ActorRef<RingCommand> local = nodeA.spawn(RingActor.create(settings), "remote-root-missing-ring",
                RingActor.props(settings));
        final ActorRef<RingCommand> remote = ActorRefResolver.get(nodeB.system()).resolveActorRef(full(nodeA, local));
        final RingClient client = RingClient.create(remote, nodeB.system(), ASK_TIMEOUT);
        final Throwable e = failureOf(client.open(Path.of("x"), OpenOptions.readOnly()), REPLY, "open from B");
        final RingStoppedException stopped = assertInstanceOf(RingStoppedException.class, e, e.toString());
        final io.uringactor.ring.ErrnoException cause = assertInstanceOf(io.uringactor.ring.ErrnoException.class,
                stopped.getCause(), "the cause crosses the wire: " + stopped);
        assertEquals(io.uringactor.ring.Errno.ENOENT, cause.errno(), cause.toString());
        assertTrue(cause.getMessage().contains(missing.toString()), cause.getMessage());
    }

    // ------------------------------------------------------------------------------------------ item 8a

    /**
     * The extension's default ring registers with the receptionist only with a root-directory (node C) or
     * with {@code register-without-root = on} (node B); node A's, without either, is never listed. To know
     * that A's listing would have arrived, a marker registered on A under the same key after A's ring
     * started must be listed first.
     */
    @Test
    void theDefaultRingRegistersOnlyWithARootOrWhenAllowed() {
        final ActorRef<RingCommand> ringA = RingExtension.get(nodeA.system()).ring();
        final ActorRef<RingCommand> ringB = RingExtension.get(nodeB.system()).ring();
        final ActorRef<RingCommand> ringC = RingExtension.get(nodeC.system()).ring();
        for (ActorTestKit node : List.of(nodeA, nodeB, nodeC)) {
            // started, so a registration, if any, has been sent to the node's receptionist
            await(RingExtension.get(node.system()).client().stats(), REPLY, "stats of " + address(node));
        }
        final ActorRef<RingCommand> marker = nodeA.spawn(Behaviors.ignore(), "receptionist-marker");
        final TestProbe<Receptionist.Registered> registered = nodeA.createTestProbe();
        nodeA.system().receptionist().tell(Receptionist.register(RingActor.SERVICE_KEY, marker, registered.ref()));
        registered.receiveMessage(REPLY);
        try {
            final String markerName = full(nodeA, marker);
            final Set<String> seenByB = listingUntil(nodeB, Set.of(markerName, full(nodeB, ringB), full(nodeC, ringC)));
            final String prefixA = address(nodeA) + "/";
            for (String r : seenByB) {
                assertFalse(r.startsWith(prefixA) && !r.equals(markerName),
                        "node A's default ring has no root-directory and must not be listed: " + r + " in " + seenByB
                                + " (A's ring: " + full(nodeA, ringA) + ")");
            }
            // another node sees B's ring too (register-without-root = on)
            listingUntil(nodeC, Set.of(full(nodeB, ringB), full(nodeC, ringC)));
        } finally {
            nodeA.system().receptionist().tell(Receptionist.deregister(RingActor.SERVICE_KEY, marker));
            nodeA.stop(marker);
        }
    }

    /**
     * Subscribes on {@code node} until its listing holds every one of {@code expected} (full ref names);
     * returns that listing's full names.
     */
    private static Set<String> listingUntil(ActorTestKit node, Set<String> expected) {
        final TestProbe<Receptionist.Listing> probe = node.createTestProbe();
        node.system().receptionist().tell(Receptionist.subscribe(RingActor.SERVICE_KEY, probe.ref()));
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        Set<String> last = Set.of();
        while (System.nanoTime() < deadline) {
            final Set<String> names = new java.util.HashSet<>();
            for (ActorRef<RingCommand> r : probe.receiveMessage(TIMEOUT).getServiceInstances(RingActor.SERVICE_KEY)) {
                names.add(full(node, r));
            }
            last = names;
            if (names.containsAll(expected)) {
                probe.stop();
                return names;
            }
        }
        throw new AssertionError("node " + address(node) + " never listed all of " + expected + "; last listing: " + last);
    }

    // ------------------------------------------------------------------------------------------ item 8b

    /**
     * A Shutdown from node B to a ring on node A is refused with InvalidRequestException and the ring goes
     * on serving B; on node C, with {@code allow-remote-shutdown = on}, the same Shutdown stops the ring and
     * replies Done.
     */
    @Test
    void aShutdownFromAnotherNodeIsRefusedUnlessAllowed() throws Exception {
        final ActorRef<RingCommand> ringOnA = spawnOn(nodeA, "remote-shutdown-refused-ring").remote();
        final RingClient client = RingClient.create(ringOnA, nodeB.system(), REPLY);
        final byte[] content = random(8192, 33);
        final Path path = Files.write(dir.resolve("remote-shutdown.bin"), content);
        final FileHandle file = await(client.open(path, OpenOptions.readOnly()), REPLY, "open from B");

        final Throwable refused = failureOf(RingActorClusterSafetyTest.<Done>askFromB(ringOnA, RingCommand.Shutdown::new), REPLY, "Shutdown from B");
        assertInstanceOf(InvalidRequestException.class, refused, "a remote Shutdown is refused: " + refused);
        assertEquals(ByteString.fromArray(content, 0, 4096), await(client.read(file, 0, 4096), REPLY,
                "B's read after its refused Shutdown"));
        final TestProbe<StatusReply<Done>> tellReply = nodeB.createTestProbe();
        ringOnA.tell(new RingCommand.Shutdown(tellReply.getRef()));
        final StatusReply<Done> told = tellReply.receiveMessage(REPLY);
        assertTrue(told.isError() && told.getError() instanceof InvalidRequestException,
                "a told remote Shutdown is refused too: " + told);
        assertEquals(ByteString.fromArray(content, 4096, 4096), await(client.read(file, 4096, 4096), REPLY,
                "B's read after the second refused Shutdown"));
        // A Shutdown from B whose replyTo is an actor on A is still a remote Shutdown.
        final TestProbe<StatusReply<Done>> onA = nodeA.createTestProbe();
        final ActorRef<StatusReply<Done>> onAFromB = ActorRefResolver.get(nodeB.system()).resolveActorRef(full(nodeA, onA.getRef()));
        ringOnA.tell(new RingCommand.Shutdown(onAFromB));
        final StatusReply<Done> forged = onA.receiveMessage(REPLY);
        assertTrue(forged.isError() && forged.getError() instanceof InvalidRequestException,
                "a Shutdown from B naming a replyTo on A is refused too: " + forged);
        assertEquals(ByteString.fromArray(content, 0, 4096), await(client.read(file, 0, 4096), REPLY,
                "B's read after the third refused Shutdown"));

        final Spawned onC = spawnOn(nodeC, "remote-shutdown-allowed-ring");
        final ActorRef<RingCommand> ringOnC = onC.remote();
        final ActorRef<RingCommand> localOnC = onC.local();
        final TestProbe<Object> watcher = nodeC.createTestProbe();
        assertSame(Done.getInstance(), await(askFromB(ringOnC, RingCommand.Shutdown::new), REPLY,
                "Shutdown from B where allow-remote-shutdown = on"));
        watcher.expectTerminated(localOnC, REPLY);
    }
}
