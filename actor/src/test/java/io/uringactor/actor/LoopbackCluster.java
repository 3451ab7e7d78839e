package io.uringactor.actor;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.SelfUp;
import org.apache.pekko.cluster.typed.Subscribe;

import java.time.Duration;
import java.util.List;

/** Cluster nodes in this JVM over Artery TCP on 127.0.0.1 (free ports), for the cluster tests. */
final class LoopbackCluster {
    private LoopbackCluster() {
    }

    /** A node's config: loopback, fast gossip, quiet logs, no JVM shutdown hooks. */
    static Config nodeConfig() {
        return ConfigFactory.parseString(String.join("\n",
                "pekko.actor.provider = cluster",
                "pekko.remote.artery.canonical.hostname = 127.0.0.1",
                "pekko.remote.artery.canonical.port = 0",
                "pekko.actor.serialize-messages = off",
                "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on",
                "pekko.cluster.log-info = off",
                "pekko.cluster.gossip-interval = 200 ms",
                "pekko.cluster.typed.receptionist.distributed-data.gossip-interval = 200 ms",
                "pekko.cluster.typed.receptionist.distributed-data.notify-subscribers-interval = 100 ms",
                "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off",
                "pekko.cluster.run-coordinated-shutdown-when-down = off",
                "pekko.loglevel = WARNING"));
    }

    /** Joins every node to the first one and waits until each is up; returns the first node's address. */
    static Address form(List<ActorTestKit> nodes, Duration timeout) {
        final Address first = address(nodes.get(0));
        for (ActorTestKit node : nodes) {
            Cluster.get(node.system()).manager().tell(Join.create(first));
        }
        for (ActorTestKit node : nodes) {
            final TestProbe<SelfUp> probe = node.createTestProbe();
            Cluster.get(node.system()).subscriptions().tell(Subscribe.create(probe.ref(), SelfUp.class));
            probe.expectMessageClass(SelfUp.class, timeout);
        }
        return first;
    }

    /** The node's own cluster address. */
    static Address address(ActorTestKit node) {
        return Cluster.get(node.system()).selfMember().address();
    }
}
