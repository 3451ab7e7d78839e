package io.uringactor.actor;

import io.uringactor.actor.internal.DeadLetterGuard;
import io.uringactor.actor.internal.GroupRouter;
import io.uringactor.actor.internal.RemoteCalls;
import io.uringactor.actor.internal.Request;
import io.uringactor.actor.internal.ShutdownWatch;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import scala.concurrent.ExecutionContext;
import scala.concurrent.ExecutionContext$;
import scala.jdk.javaapi.FutureConverters;

/**
 * What every view of a {@link RingClient} shares: the ring (or the group's rings and router), the ask timeout,
 * the system's shutdown watch, and the one way a request reaches a ring. A {@link RingClient} is this and an
 * op timeout; {@link RingClient#withTimeout} makes a new client around the same asker.
 */
final class RingAsker {
    /** Runs callbacks on the thread that completes the ask, i.e. the ring actor's. */
    private static final ExecutionContext CALLING_THREAD = ExecutionContext$.MODULE$.fromExecutor(Runnable::run);

    final ActorRef<RingCommand> ring;
    private final Scheduler scheduler;
    private final Duration askTimeout;
    private final boolean local;
    private final ActorRef<Object> localRing;
    private final ShutdownWatch shutdownWatch;
    /** Batches the requests to a ring on another node; unused for a ring in this JVM. */
    private final RemoteCalls remoteCalls;
    /** For the client of a ring group: which of its rings gets each request; {@code null} for one ring. */
    private final GroupRouter router;
    /** The group's rings, for the summed stats; {@code null} for one ring. */
    final List<ActorRef<RingCommand>> groupRings;

    /** An asker of {@code ring}, or of a group's rings when {@code router} is not {@code null}. */
    RingAsker(ActorRef<RingCommand> ring, ActorSystem<?> system, Duration askTimeout, GroupRouter router,
              List<ActorRef<RingCommand>> groupRings) {
        DeadLetterGuard.install(system);
        this.ring = ring;
        this.router = router;
        this.groupRings = groupRings;
        this.shutdownWatch = ShutdownWatch.get(system);
        this.scheduler = system.scheduler();
        this.askTimeout = askTimeout;
        this.local = ring.path().address().hasLocalScope();
        this.localRing = ring.unsafeUpcast();
        this.remoteCalls = local ? null : RemoteCalls.get(system);
    }

    /** {@link RingClient#ring()}: the ring, or for a group the calling loop's ring (else the first). */
    ActorRef<RingCommand> ring() {
        if (router != null) {
            final ActorRef<Object> own = router.ownRing();
            if (own != null) {
                return own.unsafeUpcast();
            }
        }
        return ring;
    }

    /**
     * {@link RingClient#ask}: a local ring gets a local {@link Request}, a remote one Pekko's ask, or a place
     * in a batch of requests to that ring ({@link RemoteCalls}) while others are in flight.
     */
    @SuppressWarnings("unchecked")
    <T> CompletionStage<T> ask(Function<ActorRef<StatusReply<T>>, RingCommand> request) {
        final RingCommand command = local ? request.apply(null) : null;
        // A Shutdown's answer comes when the ring has stopped, from its lifecycle, which tells a real replyTo.
        if (local && !(command instanceof RingCommand.Shutdown)) {
            final CompletableFuture<Object> reply = new CompletableFuture<>();
            if (shutdownWatch.admit(reply)) {
                (router == null ? localRing : router.ringForThisThread()).tell(Request.local(command, reply));
            }
            return (CompletionStage<T>) (CompletionStage<?>) reply;
        }
        if (shutdownWatch.terminated()) {
            return CompletableFuture.failedFuture(new RingStoppedException("the actor system has terminated"));
        }
        if (groupRings != null && command instanceof RingCommand.Shutdown) {
            return (CompletionStage<T>) (CompletionStage<?>) shutdownGroup();
        }
        // Here for a Shutdown too, which a ring in this JVM is asked with Pekko's ask.
        CompletableFuture<T> reply = remoteCalls == null ? null : remoteCalls.call(ring, request, askTimeout);
        if (reply == null) {
            reply = direct(AskPattern.askWithStatus(ring, request::apply, askTimeout, scheduler),
                    remoteCalls == null ? null : remoteCalls.sentAlone(ring));
        }
        shutdownWatch.track(reply);
        return reply;
    }

    /** A Shutdown through a group's client stops every ring of the group; answered once all have stopped. */
    private CompletableFuture<Done> shutdownGroup() {
        final CompletableFuture<?>[] each = groupRings.stream()
                .map(member -> direct(AskPattern.<RingCommand, Done>askWithStatus(member, RingCommand.Shutdown::new,
                        askTimeout, scheduler), null))
                .toArray(CompletableFuture[]::new);
        final CompletableFuture<Done> all = CompletableFuture.allOf(each).thenApply(v -> Done.getInstance());
        shutdownWatch.track(all);
        return all;
    }

    /**
     * Re-wraps a Pekko ask's stage so that its non-async callbacks run on the thread that completes it.
     * The stage Pekko returns (Scala's converter) runs even {@code whenComplete}/{@code thenApply} on the
     * common pool, and on a 2-core machine that pool starts a new thread per callback: measured here,
     * 8 threads with 8 reads outstanding each fell from ~200k to ~8k reads/s. {@code answered}, if not
     * {@code null}, runs first: the request is no longer in flight before the caller's callbacks ask again.
     */
    private static <T> CompletableFuture<T> direct(CompletionStage<T> stage, Runnable answered) {
        final CompletableFuture<T> result = new CompletableFuture<>();
        FutureConverters.asScala(stage).onComplete(outcome -> {
            if (answered != null) {
                answered.run();
            }
            if (outcome.isSuccess()) {
                result.complete(outcome.get());
            } else {
                result.completeExceptionally(outcome.failed().get());
            }
            return null;
        }, CALLING_THREAD);
        return result;
    }

    /** {@link RingClient#statsPerRing} for a group: each running ring's counters, failed when none runs. */
    CompletionStage<List<RingStats>> groupStats() {
        final List<CompletableFuture<Object>> each = new ArrayList<>(groupRings.size());
        for (ActorRef<RingCommand> member : groupRings) {
            final CompletableFuture<Object> one = new CompletableFuture<>();
            if (shutdownWatch.admit(one)) {
                member.<Object>unsafeUpcast().tell(Request.local(new RingCommand.GetStats(null), one));
            }
            each.add(one);
        }
        return CompletableFuture.allOf(each.stream().map(f -> f.exceptionally(e -> null))
                .toArray(CompletableFuture[]::new)).thenCompose(ignored -> {
                    final List<RingStats> running = new ArrayList<>(each.size());
                    Throwable failure = null;
                    for (CompletableFuture<Object> f : each) {
                        if (f.isCompletedExceptionally()) {
                            failure = f.handle((s, e) -> e).join();
                        } else {
                            running.add((RingStats) f.join());
                        }
                    }
                    return running.isEmpty() ? CompletableFuture.<List<RingStats>>failedFuture(failure)
                            : CompletableFuture.completedFuture(List.copyOf(running));
                });
    }
}
