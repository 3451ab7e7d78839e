package io.uringactor.stream.javadsl;

import io.uringactor.actor.RingClient;

import org.apache.pekko.stream.Attributes;

/**
 * Chooses the ring actor a file stage uses, instead of the system's default one ({@code RingExtension}):
 * {@code UringFileIO.fromPath(system, path).withAttributes(RingAttribute.of(client))}. Like any attribute
 * it applies to the stages of the graph it is set on.
 *
 * <p>The stages open their files through that ring, so its settings apply: with a root directory,
 * relative paths resolve beneath it. The same-file check ({@link SameFileException}) compares the files as
 * the rings opened them, so it holds on a rooted ring too. Atomic replace
 * ({@link ToPathSettings#withAtomicReplace}) does not follow the ring: its temporary file and rename use
 * the JVM's view of the path (the working directory), so with a rooted ring write in place.
 *
 * <p>The ring may be on another node (a client of a ring found with the Receptionist): each read and write then
 * crosses the wire in chunks cut to fit one Artery message, with the stage's usual number in flight, and
 * atomic replace is refused with {@link io.uringactor.actor.InvalidRequestException}.
 */
public final class RingAttribute implements Attributes.Attribute {
    private final RingClient client;

    private RingAttribute(RingClient client) {
        if (client == null) {
            throw new IllegalArgumentException("a ring client is required");
        }
        this.client = client;
    }

    /** Attributes making file stages use {@code client}'s ring actor. */
    public static Attributes of(RingClient client) {
        return Attributes.apply(new RingAttribute(client));
    }

    /** The client whose ring actor the stages use. */
    public RingClient client() {
        return client;
    }

    @Override
    public String toString() {
        return "RingAttribute(" + client.ring().path() + ")";
    }
}
