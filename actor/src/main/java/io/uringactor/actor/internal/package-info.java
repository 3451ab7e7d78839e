/**
 * Internal API: no compatibility promise; anything here may change or go in any release without notice.
 * Use the public packages instead: {@link io.uringactor.actor} (the ring actor, its commands, clients,
 * groups, settings and dispatcher configurators) and, for remoting, {@link io.uringactor.actor.serialization}.
 *
 * <p>Some classes here are public only because the public package, the streams module or Pekko
 * (by class name, from configuration: the ring mailbox, the remote messages' serializer bindings)
 * reaches them; each is marked {@link org.apache.pekko.annotation.InternalApi}.
 */
@InternalApi
package io.uringactor.actor.internal;

import org.apache.pekko.annotation.InternalApi;
