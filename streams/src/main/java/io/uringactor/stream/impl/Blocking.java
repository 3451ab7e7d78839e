package io.uringactor.stream.impl;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Pekko's blocking-IO dispatcher, for the JDK calls that may block (stat, rename, fsync, unlink) of the
 * stages and of {@link SpliceCopy}.
 */
final class Blocking {
    private Blocking() {
    }

    /** {@code system}'s blocking-IO dispatcher. */
    static Executor dispatcher(ActorSystem<?> system) {
        return system.dispatchers().lookup(DispatcherSelector.blocking());
    }

    /** Runs {@code task} on {@code blocking}; completes with its result or what it threw. */
    static <V> CompletableFuture<V> run(Executor blocking, Callable<V> task) {
        final CompletableFuture<V> done = new CompletableFuture<>();
        blocking.execute(() -> {
            try {
                done.complete(task.call());
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }
}
