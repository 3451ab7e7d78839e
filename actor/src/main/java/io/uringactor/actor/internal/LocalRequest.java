package io.uringactor.actor.internal;

import io.uringactor.actor.RingCommand;

import java.util.concurrent.CompletableFuture;

/**
 * A request from a {@link io.uringactor.actor.RingClient} in the same JVM: the ring actor completes
 * {@code reply} itself instead of telling {@code command.replyTo()}, which saves the ask pattern's
 * temporary actor and timer per request. Not for remote use (a future cannot cross the wire).
 */
public record LocalRequest(RingCommand command, CompletableFuture<Object> reply) {
}
