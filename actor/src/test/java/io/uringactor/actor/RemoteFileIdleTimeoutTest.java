package io.uringactor.actor;

import static io.uringactor.actor.SafetyTestSupport.awaitCondition;
import static io.uringactor.actor.TestRings.await;
import static io.uringactor.actor.TestRings.failure;
import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.ConfigFactory;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * {@code remote-file-idle-timeout}: where the ring cannot watch the node that opened a file (plain remoting, where
 * Pekko turns remote death watch off), a file that node leaves unused closes after the timeout, and its handle is
 * then refused as closed; a file in use stays open.
 */
class RemoteFileIdleTimeoutTest {
    private static final String REMOTE = String.join("\n",
            "pekko.actor.provider = remote",
            "pekko.remote.artery.canonical.hostname = 127.0.0.1",
            "pekko.remote.artery.canonical.port = 0",
            "pekko.loglevel = ERROR",
            "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off");

    @TempDir
    static Path root;

    private static ActorTestKit nodeA;
    private static ActorTestKit nodeB;
    private static RingClient fromB;

    @BeforeAll
    static void start() throws IOException {
        nodeA = ActorTestKit.create("idle-a", ConfigFactory.parseString(REMOTE).withFallback(ConfigFactory.load()));
        nodeB = ActorTestKit.create("idle-b", ConfigFactory.parseString(REMOTE).withFallback(ConfigFactory.load()));
        final RingSettings settings = RingSettings.create(nodeA.system()).withRootDirectory(root)
                .withRegisterWithReceptionist(false).withRemoteFileIdleTimeout(Duration.ofMillis(400));
        final ActorRef<RingCommand> ring = nodeA.spawn(RingActor.create(settings), "disk", RingActor.props(settings));
        fromB = RingClient.create(ActorRefResolver.get(nodeB.system()).resolveActorRef(
                ring.path().toStringWithAddress(nodeA.system().address())), nodeB.system(), Duration.ofSeconds(20));
        Files.writeString(root.resolve("idle.txt"), "idle");
        Files.writeString(root.resolve("busy.txt"), "busy");
    }

    @AfterAll
    static void stop() {
        nodeB.shutdownTestKit();
        nodeA.shutdownTestKit();
    }

    @Test
    void aFileAnotherNodeLeavesUnusedClosesAndOneInUseStaysOpen() throws Exception {
        final FileHandle idle = await(fromB.open(Path.of("idle.txt"), OpenOptions.readOnly()));
        final FileHandle busy = await(fromB.open(Path.of("busy.txt"), OpenOptions.readOnly()));
        assertEquals("idle", await(fromB.read(idle, 0, 10)).utf8String());
        final long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (System.nanoTime() < until) { // busy.txt is read every 100 ms, idle.txt not at all
            assertEquals("busy", await(fromB.read(busy, 0, 10)).utf8String());
            Thread.sleep(100);
        }
        awaitCondition(Duration.ofSeconds(10), () -> "idle.txt still open", () -> !open("idle.txt"));
        assertInstanceOf(InvalidRequestException.class, failure(fromB.read(idle, 0, 10)), "its handle is closed");
        assertTrue(open("busy.txt"), "the file in use stays open");
        assertEquals("busy", await(fromB.read(busy, 0, 10)).utf8String());
    }

    /** Whether this process has {@code name} beneath the root open (/proc/self/fd). */
    private static boolean open(String name) {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(root.resolve(name));
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
