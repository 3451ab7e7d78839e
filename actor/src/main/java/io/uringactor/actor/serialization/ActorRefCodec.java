package io.uringactor.actor.serialization;

import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;

import java.io.NotSerializableException;

/**
 * A command's {@code replyTo} on the wire: its {@link ActorRefResolver} string (a full path with the
 * sender's address, and the actor's uid when it has one), as a nullable string; see {@link WireOut}.
 */
final class ActorRefCodec {
    private final ExtendedActorSystem system;
    private volatile ActorRefResolver resolver;

    ActorRefCodec(ExtendedActorSystem system) {
        this.system = system;
    }

    private ActorRefResolver resolver() {
        ActorRefResolver r = resolver;
        if (r == null) {
            // Lazily: serializers are created while the system starts, before its extensions may be.
            // A race only looks the extension up twice.
            r = ActorRefResolver.get(Adapter.toTyped(system));
            resolver = r;
        }
        return r;
    }

    void write(WireOut out, ActorRef<?> ref) {
        out.string(ref == null ? null : resolver().toSerializationFormat(ref));
    }

    /**
     * The {@code replyTo} of a {@code command}: required, since a command nobody can be told about is
     * refused here rather than by the ring. A path of no actor resolves to dead letters, as Pekko does.
     */
    <T> ActorRef<T> readReplyTo(WireIn in, String command) throws NotSerializableException {
        final String path = in.string();
        if (path == null) {
            throw new NotSerializableException(command + " without a replyTo: nobody could be answered");
        }
        try {
            return resolver().resolveActorRef(path);
        } catch (RuntimeException e) {
            final NotSerializableException n = new NotSerializableException(
                    command + " with an unresolvable replyTo: " + e);
            n.initCause(e);
            throw n;
        }
    }
}
