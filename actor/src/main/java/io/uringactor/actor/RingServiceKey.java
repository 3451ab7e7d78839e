package io.uringactor.actor;

import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The receptionist key of the cluster's disk services, id {@code "io-uring-ring"}: ring actors with a
 * root directory register under it (see {@link RingSettings#withRegisterWithReceptionist}). Its own class,
 * so that the ring actor's implementation can name it without depending on {@link RingActor}.
 */
public final class RingServiceKey {
    /** The key; also {@link RingActor#SERVICE_KEY}. */
    public static final ServiceKey<RingCommand> KEY = ServiceKey.create(RingCommand.class, "io-uring-ring");

    private RingServiceKey() {
    }
}
