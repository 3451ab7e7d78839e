package io.uringactor.samples;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingActor;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingSettings;
import io.uringactor.stream.javadsl.UringFileIO;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.IOResult;

import java.nio.file.Path;
import java.util.concurrent.CompletionException;

/**
 * The child JVM of {@link SeccompFallbackTest}: with the default engine (auto) it streams {@code args[0]} to
 * {@code args[1]} through UringFileIO, then opens {@code inside.bin} beneath the root {@code args[2]} through
 * a confined ring (as another node's Open would go) and tries {@code ../outside.bin}, printing one line each.
 */
public final class FallbackChild {
    private FallbackChild() {
    }

    public static void main(String[] args) throws Exception {
        final ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "fallback-child");
        try {
            final IOResult copied = UringFileIO.fromPath(Path.of(args[0]))
                    .runWith(UringFileIO.toPath(Path.of(args[1])), system).toCompletableFuture().join();
            System.out.println("STREAM " + copied.count());
            final RingSettings confined = RingSettings.create(system).withRootDirectory(Path.of(args[2]));
            final ActorRef<RingCommand> ref = system.systemActorOf(RingActor.create(confined), "confined",
                    RingActor.props(confined));
            final RingClient ring = RingClient.create(ref, system);
            final FileHandle inside = ring.open(Path.of("inside.bin"), OpenOptions.readOnly()).toCompletableFuture().join();
            System.out.println("INSIDE " + ring.read(inside, 0, 100).toCompletableFuture().join().utf8String());
            try {
                ring.open(Path.of("../outside.bin"), OpenOptions.readOnly()).toCompletableFuture().join();
                System.out.println("ESCAPED");
            } catch (CompletionException e) {
                System.out.println("REFUSED " + e.getCause());
            }
            System.out.println("ENGINE " + ring.stats().toCompletableFuture().join().engine());
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().join();
        }
    }
}
