package io.uringactor.actor;

import static io.uringactor.actor.SafetyTestSupport.awaitCondition;
import static io.uringactor.actor.TestRings.await;
import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.ConfigFactory;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

/**
 * A file opened from another node belongs to that node: when the node is gone (it left the cluster as its
 * system terminated, or its process was killed and the cluster downed it) the ring closes the file, counted
 * until then per node on the ring's MBean. The descriptors are counted in {@code /proc/self/fd}, the nodes are
 * real cluster nodes over Artery on loopback, and the killed one is a child JVM killed with SIGKILL.
 */
class RemoteOpenersTest {
    /** The cluster's name: every node's ActorSystem has it. */
    static final String SYSTEM = "remote-openers";
    private static final Duration GONE_WITHIN = Duration.ofSeconds(60);

    @TempDir
    Path root;

    private ActorTestKit nodeA;
    private ActorRef<RingCommand> ring;

    /**
     * Node A: a cluster node whose split brain resolver downs a node unreachable for 2 s (keep-oldest: A
     * joined first), with a ring confined to the root.
     */
    @BeforeEach
    void startNodeA() throws IOException {
        nodeA = ActorTestKit.create(SYSTEM, ConfigFactory.parseString(String.join("\n",
                "pekko.cluster.downing-provider-class = \"org.apache.pekko.cluster.sbr.SplitBrainResolverProvider\"",
                "pekko.cluster.split-brain-resolver.active-strategy = keep-oldest",
                "pekko.cluster.split-brain-resolver.stable-after = 2 s")).withFallback(LoopbackCluster.nodeConfig()));
        LoopbackCluster.form(List.of(nodeA), GONE_WITHIN);
        final RingSettings settings = RingSettings.create(nodeA.system()).withRootDirectory(root)
                .withRegisterWithReceptionist(false);
        ring = nodeA.spawn(RingActor.create(settings), "disk", RingActor.props(settings));
        for (String name : List.of("a.bin", "b.bin", "c.bin", "local.bin")) {
            Files.writeString(root.resolve(name), name);
        }
        await(RingClient.create(ring, nodeA.system()).stats()); // started
    }

    @AfterEach
    void stopNodeA() {
        nodeA.shutdownTestKit();
    }

    private String ringPath() {
        return ring.path().toStringWithAddress(LoopbackCluster.address(nodeA));
    }

    @Test
    void theFilesOfANodeWhoseSystemTerminatesAreClosedAndOnlyThose() throws Exception {
        final RingClient local = RingClient.create(ring, nodeA.system());
        await(local.open(Path.of("local.bin"), OpenOptions.readOnly()));
        final ActorTestKit nodeB = ActorTestKit.create(SYSTEM, LoopbackCluster.nodeConfig());
        final String addressB;
        try {
            LoopbackCluster.form(List.of(nodeA, nodeB), GONE_WITHIN);
            final ActorRef<RingCommand> remote = org.apache.pekko.actor.typed.ActorRefResolver.get(nodeB.system())
                    .resolveActorRef(ringPath());
            final RingClient fromB = RingClient.create(remote, nodeB.system(), Duration.ofSeconds(20));
            final FileHandle a = await(fromB.open(Path.of("a.bin"), OpenOptions.readOnly()));
            await(fromB.open(Path.of("b.bin"), OpenOptions.readOnly()));
            await(fromB.open(Path.of("c.bin"), OpenOptions.readOnly()));
            await(fromB.close(a));
            addressB = LoopbackCluster.address(nodeB).toString();
            assertEquals(3, descriptorsBeneathRoot(), "local.bin, b.bin and c.bin are open on A");
            assertEquals(Map.of(addressB, 2), remoteFilesByNode(), "the MBean counts B's two files");
        } finally {
            nodeB.shutdownTestKit(); // leaves the cluster: A's ring sees the node go
        }
        awaitCondition(GONE_WITHIN, () -> "B's files still open: " + openBeneathRoot(),
                () -> descriptorsBeneathRoot() == 1);
        assertEquals(List.of(root.resolve("local.bin").toString()), openBeneathRoot(), "A's own file stays open");
        assertEquals(Map.of(), remoteFilesByNode());
        assertEquals("local.bin", await(local.read(await(local.open(Path.of("local.bin"), OpenOptions.readOnly())), 0,
                100)).utf8String(), "the ring serves on");
    }

    @Test
    void theFilesOfAKilledNodeAreClosedOnceTheClusterDownsIt() throws Exception {
        final String java = ProcessHandle.current().info().command().orElseThrow();
        final Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                RemoteOpenerChild.class.getName(), ringPath(),
                "a.bin", "b.bin", "c.bin").redirectErrorStream(true).start();
        final List<String> output = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                output.add(line);
                if (line.equals("OPENED 3")) {
                    break;
                }
            }
            assertEquals(3, descriptorsBeneathRoot(), "the child's three files are open on A: " + output);
            child.destroyForcibly(); // SIGKILL: no goodbye to node A
            final long killed = System.nanoTime();
            awaitCondition(GONE_WITHIN, () -> "the killed node's files still open: " + openBeneathRoot(),
                    () -> descriptorsBeneathRoot() == 0);
            System.out.printf("RemoteOpenersTest: a killed node's files closed %.1f s after SIGKILL (failure"
                            + " detection, then 2 s stable-after of the split brain resolver, then removal)%n",
                    (System.nanoTime() - killed) / 1e9);
            assertEquals(Map.of(), remoteFilesByNode());
        } finally {
            child.destroyForcibly();
        }
    }

    /** The paths beneath the root that this process has open, from /proc/self/fd. */
    private List<String> openBeneathRoot() {
        final List<String> open = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            fds.forEach(fd -> {
                try {
                    final String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(root.toString() + "/")) {
                        open.add(target);
                    }
                } catch (IOException e) {
                    // closed while listing
                }
            });
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return open;
    }

    private int descriptorsBeneathRoot() {
        return openBeneathRoot().size();
    }

    /** The ring's MBean's RemoteFilesByNode. */
    private Map<String, Integer> remoteFilesByNode() throws Exception {
        final var server = ManagementFactory.getPlatformMBeanServer();
        for (ObjectName name : server.queryNames(new ObjectName("io.uringactor:type=Ring,*"), null)) {
            if (ring.path().toString().equals(server.getAttribute(name, "ActorPath"))) {
                final TabularData table = (TabularData) server.getAttribute(name, "RemoteFilesByNode");
                final Map<String, Integer> byNode = new java.util.TreeMap<>();
                for (Object row : table.values()) {
                    final CompositeData data = (CompositeData) row;
                    byNode.put((String) data.get("key"), (Integer) data.get("value"));
                }
                return byNode;
            }
        }
        throw new AssertionError("no MBean for " + ring.path());
    }
}
