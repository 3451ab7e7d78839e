package io.uringactor.bench.remote;

import io.uringactor.actor.RingActor;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingSettings;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Two nodes in this JVM over Artery on loopback: node A with a ring confined to {@code root}, node B with a
 * client of that ring. Closing terminates both.
 */
final class TwoNodes implements AutoCloseable {
    /** Artery on loopback, quiet logs, nothing that ends the JVM. */
    private static final String REMOTE = String.join("\n",
            "pekko.actor.provider = remote",
            "pekko.remote.artery.canonical.hostname = 127.0.0.1",
            "pekko.remote.artery.canonical.port = 0",
            "pekko.loglevel = WARNING",
            "pekko.log-dead-letters = off",
            "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off",
            "pekko.coordinated-shutdown.exit-jvm = off");

    final ActorSystem<Void> nodeA;
    final ActorSystem<Void> nodeB;
    /** The ring on node A. */
    final ActorRef<RingCommand> ring;
    /** Node B's client of {@link #ring}. */
    final RingClient remote;

    private TwoNodes(ActorSystem<Void> nodeA, ActorSystem<Void> nodeB, ActorRef<RingCommand> ring, RingClient remote) {
        this.nodeA = nodeA;
        this.nodeB = nodeB;
        this.ring = ring;
        this.remote = remote;
    }

    /** Starts both nodes and node A's ring, named {@code disk}, confined to {@code root}. */
    static TwoNodes start(Path root, Duration askTimeout) {
        final Config config = ConfigFactory.parseString(REMOTE).withFallback(ConfigFactory.load());
        final ActorSystem<Void> nodeA = ActorSystem.create(Behaviors.empty(), "node-a", config);
        final ActorSystem<Void> nodeB = ActorSystem.create(Behaviors.empty(), "node-b", config);
        final RingSettings settings = RingSettings.create(nodeA).withRootDirectory(root)
                .withRegisterWithReceptionist(false);
        final ActorRef<RingCommand> ring = nodeA.systemActorOf(RingActor.create(settings), "disk",
                RingActor.props(settings));
        final RingClient remote = RingClient.create(ActorRefResolver.get(nodeB).resolveActorRef(
                ring.path().toStringWithAddress(nodeA.address())), nodeB, askTimeout);
        return new TwoNodes(nodeA, nodeB, ring, remote);
    }

    /**
     * {@code --name value} pairs among {@code names}, or {@code null} when an argument is not one of them (or
     * lacks its value).
     */
    static Map<String, String> options(String[] args, Set<String> names) {
        final Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!names.contains(args[i]) || i + 1 >= args.length) {
                return null;
            }
            options.put(args[i], args[i + 1]);
        }
        return options;
    }

    @Override
    public void close() {
        nodeB.terminate();
        nodeA.terminate();
        nodeB.getWhenTerminated().toCompletableFuture().join();
        nodeA.getWhenTerminated().toCompletableFuture().join();
    }
}
