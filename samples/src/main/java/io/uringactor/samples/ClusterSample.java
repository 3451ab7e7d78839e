package io.uringactor.samples;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingActor;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingExtension;
import io.uringactor.ring.ErrnoException;

import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.util.ByteString;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;

/**
 * Sample 4: a two-node cluster on loopback. Node A serves its disk through its ring actor, confined to a
 * root directory; node B finds that ring with the Receptionist, writes and reads a file on A's disk, and
 * is refused when it tries to leave the root.
 */
public final class ClusterSample {
    private ClusterSample() {
    }

    static Config node(String root) {
        return ConfigFactory.parseString(
                "pekko.actor.provider = cluster\n"
                        + "pekko.remote.artery.canonical.hostname = \"127.0.0.1\"\n"
                        + "pekko.remote.artery.canonical.port = 0\n"
                        + "pekko.remote.artery.advanced.maximum-frame-size = 2 MiB\n"
                        + "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on\n"
                        + "pekko.cluster.downing-provider-class = \"org.apache.pekko.cluster.sbr.SplitBrainResolverProvider\"\n"
                        + "io-uring-actor.ring.root-directory = \"" + root + "\"\n")
                .withFallback(ConfigFactory.load());
    }

    public static int run(String[] args, PrintStream out) throws Exception {
        final Path root = Files.createTempDirectory("disk-service");
        final ActorSystem<Void> a = ActorSystem.create(Behaviors.empty(), "disk-cluster", node(root.toString()));
        final ActorSystem<Void> b = ActorSystem.create(Behaviors.empty(), "disk-cluster", node(""));
        try {
            final Address seed = Cluster.get(a).selfMember().address();
            Cluster.get(a).manager().tell(Join.create(seed));
            Cluster.get(b).manager().tell(Join.create(seed));
            RingExtension.get(a); // starts node A's ring, which registers under RingActor.SERVICE_KEY

            final ActorRef<RingCommand> remote = findRing(b, seed, Duration.ofSeconds(30));
            out.println("node B found node A's ring: " + remote.path());
            final RingClient disk = RingClient.create(remote, b, Duration.ofSeconds(10));
            final FileHandle file = disk.open(Path.of("hello.txt"), OpenOptions.readWrite().withCreate())
                    .toCompletableFuture().join();
            disk.write(file, 0, ByteString.fromString("hello from node B")).toCompletableFuture().join();
            disk.fsync(file).toCompletableFuture().join();
            final String back = disk.read(file, 0, 64).toCompletableFuture().join().utf8String();
            disk.close(file).toCompletableFuture().join();
            out.println("read back over the cluster: " + back);
            out.println("on node A's disk: " + Files.readString(root.resolve("hello.txt")));
            try {
                disk.open(Path.of("../etc/passwd"), OpenOptions.readOnly()).toCompletableFuture().join();
                out.println("escaping the root was NOT refused");
                return 1;
            } catch (CompletionException e) {
                out.println("leaving the root is refused: " + ((ErrnoException) e.getCause()).errnoName());
            }
            return "hello from node B".equals(back) ? 0 : 1;
        } finally {
            b.terminate();
            a.terminate();
            b.getWhenTerminated().toCompletableFuture().join();
            a.getWhenTerminated().toCompletableFuture().join();
            Samples.deleteRecursively(root);
        }
    }

    /** Asks the receptionist until a ring of the node at {@code address} is listed. */
    static ActorRef<RingCommand> findRing(ActorSystem<?> system, Address address, Duration within) throws InterruptedException {
        final long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            final Receptionist.Listing listing = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
                    system.receptionist(), replyTo -> Receptionist.find(RingActor.SERVICE_KEY, replyTo),
                    Duration.ofSeconds(3), system.scheduler()).toCompletableFuture().join();
            for (ActorRef<RingCommand> ring : listing.getServiceInstances(RingActor.SERVICE_KEY)) {
                if (ring.path().address().equals(address)) {
                    return ring;
                }
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("no ring of " + address + " in the cluster");
    }
}
