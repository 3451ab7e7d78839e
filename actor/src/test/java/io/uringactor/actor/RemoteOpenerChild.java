package io.uringactor.actor;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The node that dies in {@link RemoteOpenersTest}: a child JVM that joins the cluster of another node's ring
 * ({@code args[0]}, the ring's full actor path), opens files on that ring ({@code args[1..]}, beneath its
 * root), prints {@code OPENED n}, and waits to be killed.
 */
public final class RemoteOpenerChild {
    private RemoteOpenerChild() {
    }

    public static void main(String[] args) throws Exception {
        final ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), RemoteOpenersTest.SYSTEM,
                LoopbackCluster.nodeConfig());
        final ActorRef<RingCommand> ring = ActorRefResolver.get(system).resolveActorRef(args[0]);
        final org.apache.pekko.cluster.typed.Cluster cluster = org.apache.pekko.cluster.typed.Cluster.get(system);
        cluster.manager().tell(org.apache.pekko.cluster.typed.Join.create(ring.path().address()));
        while (cluster.selfMember().status() != org.apache.pekko.cluster.MemberStatus.up()) {
            Thread.sleep(50);
        }
        final RingClient client = RingClient.create(ring, system, Duration.ofSeconds(20));
        for (int i = 1; i < args.length; i++) {
            client.open(Path.of(args[i]), OpenOptions.readOnly()).toCompletableFuture().join();
        }
        System.out.println("OPENED " + (args.length - 1));
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
