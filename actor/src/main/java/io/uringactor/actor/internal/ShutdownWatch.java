package io.uringactor.actor.internal;

import io.uringactor.actor.RingStoppedException;

import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.annotation.InternalApi;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Makes sure no local {@link Request}'s future outlives its ActorSystem unanswered. While the system runs,
 * the ring actor, its mailbox and the {@link DeadLetterGuard} answer every request, and nothing is
 * tracked per request. From the moment the system starts to shut down those actors may be gone before a
 * request reaches them, so requests sent from then on are tracked here and failed with
 * {@link RingStoppedException} when the system has terminated; requests after termination fail at once.
 * Asks of rings on other nodes are always tracked: their timeout is a timer of the scheduler, which
 * stops with the system.
 */
@InternalApi
public final class ShutdownWatch implements Extension {
    private static final Id ID = new Id();

    private volatile boolean shuttingDown;
    private volatile boolean terminated;
    private final Set<CompletableFuture<Object>> tracked = ConcurrentHashMap.newKeySet();

    private ShutdownWatch(ActorSystem<?> system) {
        // Made for a system already shutting down or gone (the callbacks below may run later, on another thread).
        terminated = system.whenTerminated().isCompleted();
        shuttingDown = terminated || CoordinatedShutdown.get(system).getShutdownReason().isPresent();
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(),
                "io-uring-shutdown-watch", () -> {
                    shuttingDown = true;
                    return CompletableFuture.completedFuture(Done.getInstance());
                });
        system.getWhenTerminated().whenComplete((done, failure) -> {
            shuttingDown = true;
            terminated = true;
            final RingStoppedException stopped = new RingStoppedException("the actor system has terminated");
            for (CompletableFuture<Object> future : tracked) {
                future.completeExceptionally(stopped);
            }
            tracked.clear();
        });
    }

    /** The watch of {@code system}, created on first call. */
    public static ShutdownWatch get(ActorSystem<?> system) {
        return ID.apply(system);
    }

    /**
     * Call before sending {@code reply}'s request: returns {@code false}, having failed {@code reply}, if
     * the system has terminated; tracks {@code reply} while the system shuts down. One volatile read
     * while the system runs.
     */
    public boolean admit(CompletableFuture<Object> reply) {
        if (!shuttingDown) {
            return true;
        }
        track(reply);
        return !reply.isDone(); // done here only if failed because the system has terminated
    }

    /**
     * Tracks {@code reply} (an ask of a remote ring) until it completes, failing it if the system
     * terminates first; fails it at once if the system has terminated.
     */
    public void track(CompletableFuture<?> reply) {
        @SuppressWarnings("unchecked")
        final CompletableFuture<Object> r = (CompletableFuture<Object>) reply;
        tracked.add(r);
        r.whenComplete((value, failure) -> tracked.remove(r));
        // Added after the termination hook ran (or was about to): that hook may have missed it.
        if (terminated) {
            r.completeExceptionally(new RingStoppedException("the actor system has terminated"));
        }
    }

    /** Whether the system has terminated. */
    public boolean terminated() {
        return terminated;
    }

    /** The extension's id; use {@link #get}. */
    public static final class Id extends ExtensionId<ShutdownWatch> {
        @Override
        public ShutdownWatch createExtension(ActorSystem<?> system) {
            return new ShutdownWatch(system);
        }
    }
}
