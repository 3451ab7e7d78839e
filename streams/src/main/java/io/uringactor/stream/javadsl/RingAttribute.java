package io.uringactor.stream.javadsl;

import io.uringactor.actor.RingClient;

import org.apache.pekko.stream.Attributes;

/**
 * Chooses the ring actor a file stage uses, instead of the system's default one ({@code RingExtension}):
 * {@code UringFileIO.fromPath(system, path).withAttributes(RingAttribute.of(client))}. Like any attribute
 * it applies to the stages of the graph it is set on.
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
