package io.uringactor.actor.internal;

import io.uringactor.actor.RingCommand;

import org.apache.pekko.annotation.InternalApi;

import java.util.concurrent.CompletableFuture;

/**
 * A request from a {@link io.uringactor.actor.RingClient} in the same JVM: the ring actor completes
 * {@code reply} itself instead of telling {@code command.replyTo()}, which saves the ask pattern's
 * temporary actor and timer per request. Not for remote use (a future cannot cross the wire).
 *
 * <p>The future is completed on the ring actor's thread (or by the mailbox, the dead-letter guard or the
 * {@link ShutdownWatch} when the request never reaches a running ring); whichever completes it first wins.
 *
 * @param command the request; its {@code replyTo} is {@code null} and never told
 * @param reply   completed with the reply's value, or exceptionally with an
 *                {@link io.uringactor.ring.IoUringException}
 */
@InternalApi
public record LocalRequest(RingCommand command, CompletableFuture<Object> reply) {
}
