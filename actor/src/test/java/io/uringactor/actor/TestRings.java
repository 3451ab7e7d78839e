package io.uringactor.actor;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;

import java.time.Duration;

/**
 * The ring a test talks to: one ring actor, or, when the build runs the suite with
 * {@code -Dio-uring.test.rings=N} (N > 1), a {@link RingGroup} of N rings. Then {@link Spawned#ref()} is the
 * group's last ring while the client opens files on the rings in turn, so raw commands on a handle from the
 * client mostly go to a ring that did not open the file: every such test also checks the group's sharing.
 */
final class TestRings {
    /** Rings per spawned ring under test. */
    static final int RINGS = Integer.getInteger("io-uring.test.rings", 1);

    private TestRings() {
    }

    /** What a test got: the ring actor to tell, a client, and the group (null for one ring). */
    record Spawned(ActorRef<RingCommand> ref, RingClient client, RingGroup group) {
    }

    static Spawned spawn(ActorTestKit kit, String name, RingSettings settings, Duration askTimeout) {
        if (RINGS == 1) {
            final ActorRef<RingCommand> ref = kit.spawn(RingActor.create(settings), name, RingActor.props(settings));
            return new Spawned(ref, RingClient.create(ref, kit.system(), askTimeout), null);
        }
        final RingGroup group = RingGroup.spawn(kit.system(), name, settings, RINGS);
        return new Spawned(group.ring(RINGS - 1), group.client(), group);
    }

    /** The ring actor alone: one ring, or the last ring of a new group. */
    static ActorRef<RingCommand> spawnRef(ActorTestKit kit, String name, RingSettings settings) {
        return spawn(kit, name, settings, Duration.ofSeconds(30)).ref();
    }
}
