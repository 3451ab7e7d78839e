package io.uringactor.actor;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A ring actor started outside any actor ({@link RingActor#spawn(ActorSystem, String, RingSettings)}): its
 * ref, a {@link RingClient} for it, and two ways to stop it.
 *
 * <pre>{@code
 * RingHandle disk = RingActor.spawn(system, "data-disk", RingSettings.create(system).withRootDirectory(dir));
 * disk.client().open(Path.of("log"), OpenOptions.writeOnly().withCreate());
 * ...
 * disk.stop().toCompletableFuture().join(); // in-flight ops answered, files closed
 * }</pre>
 */
public final class RingHandle {
    /** Numbers the watchers, whose names must be unique among the system's actors. */
    private static final AtomicLong WATCHERS = new AtomicLong();

    private final ActorSystem<?> system;
    private final ActorRef<RingCommand> ring;
    private final RingClient client;

    RingHandle(ActorSystem<?> system, ActorRef<RingCommand> ring, RingClient client) {
        this.system = system;
        this.ring = ring;
        this.client = client;
    }

    /** The ring actor, e.g. to tell it {@link RingCommand}s or to share with other actors. */
    public ActorRef<RingCommand> ref() {
        return ring;
    }

    /** A client of the ring, with the settings' ask timeout (used only for a ring on another node). */
    public RingClient client() {
        return client;
    }

    /**
     * Stops the ring gracefully ({@link RingCommand.Shutdown}): it takes no new requests, answers those in
     * flight as they complete (after {@code stop-timeout} it cancels them in the kernel and answers them with
     * {@link RingStoppedException}), closes its files and stops.
     *
     * @return a stage completed once the ring has stopped
     */
    public CompletionStage<Done> stop() {
        return client.<Done>ask(RingCommand.Shutdown::new).thenCompose(done -> terminated());
    }

    /**
     * Stops the ring at once: requests in flight and queued are answered with {@link RingStoppedException}
     * (buffers the kernel may still use are kept from reuse), files are closed, and the actor stops.
     *
     * @return a stage completed once the ring has stopped
     */
    public CompletionStage<Done> stopNow() {
        final CompletionStage<Done> terminated = terminated();
        Adapter.toClassic(system).stop(Adapter.toClassic(ring));
        return terminated;
    }

    /** Completes when the ring actor has terminated (at once if it already has). */
    private CompletionStage<Done> terminated() {
        final CompletableFuture<Done> done = new CompletableFuture<>();
        // A terminated system has stopped every actor, and can spawn no watcher.
        system.getWhenTerminated().thenRun(() -> done.complete(Done.getInstance()));
        if (done.isDone()) {
            return done;
        }
        // A watcher of its own: the typed API watches only from an actor.
        system.systemActorOf(Behaviors.<Void>setup(context -> {
            context.watch(ring);
            return Behaviors.receive(Void.class).onSignal(Terminated.class, signal -> {
                done.complete(Done.getInstance());
                return Behaviors.stopped();
            }).build();
        }), "io-uring-ring-watch-" + ring.path().name() + "-" + WATCHERS.incrementAndGet(), Props.empty());
        return done;
    }

    @Override
    public String toString() {
        return "RingHandle(" + ring.path() + ")";
    }
}
