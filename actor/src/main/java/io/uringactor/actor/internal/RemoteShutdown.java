package io.uringactor.actor.internal;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.annotation.InternalApi;
import org.apache.pekko.pattern.StatusReply;

/**
 * A {@link io.uringactor.actor.RingCommand.Shutdown} that came from another node: the serializer decodes
 * it into this shape so that the ring actor knows it crossed the wire (a {@code replyTo} could name any
 * actor) and refuses it unless {@code allow-remote-shutdown} is on.
 *
 * @param replyTo gets {@code Done} once the ring is closed, or an {@link io.uringactor.actor.InvalidRequestException}
 *                when remote shutdown is not allowed
 */
@InternalApi
public record RemoteShutdown(ActorRef<StatusReply<Done>> replyTo) {
}
