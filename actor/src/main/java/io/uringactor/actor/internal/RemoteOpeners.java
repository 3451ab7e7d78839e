package io.uringactor.actor.internal;

import org.apache.pekko.actor.ActorSelection;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * The other nodes that have files open on this ring: each file belongs to the node that opened it, and when
 * that node is gone (it left the cluster, or it crashed and was downed; or, with remote death watch enabled
 * outside a cluster, remoting's failure detector gave up on it) the ring closes its files, so a node that dies
 * cannot leave descriptors open here until this node restarts. A node that is only unreachable for a while
 * keeps its files.
 *
 * <p>From a node's first open file on, the ring watches that node's remoting watcher ({@value #WATCHED}), found
 * with an {@code Identify}: a watch needs the actor's uid, else remoting does not watch the node; and death
 * watch across nodes ends in {@code Terminated} for exactly the cases above. Where remote death watch is off
 * (Pekko's default outside a cluster: {@code pekko.remote.use-unsafe-remote-features-outside-cluster = off})
 * that node has no such watcher: the ring says so once and the node's files stay open until it closes them. A
 * node that dies before it is watched (it opens a file and crashes at once) answers nothing: after
 * {@value #IDENTIFY_ATTEMPTS} unanswered attempts it is taken as gone.
 */
final class RemoteOpeners {
    /** How long one attempt to find a node's system guardian may take, and how many are made. */
    private static final Duration IDENTIFY_TIMEOUT = Duration.ofSeconds(10);
    private static final int IDENTIFY_ATTEMPTS = 3;
    /**
     * The actor watched on each node: remoting's own watcher, which every node that can reach this one runs
     * for as long as its remoting does. Not the system guardian: guardians have no uid, and remoting's
     * failure detector watches only actors with one.
     */
    private static final String WATCHED = "/system/remote-watcher";

    /** What the ring actor hands to {@link #on}: its own messages about other nodes. */
    sealed interface Event permits Watch, Identified, NotIdentified, Gone, IdleCheck {
    }

    /** Time to close the files other nodes left unused for {@code remote-file-idle-timeout}. */
    record IdleCheck() implements Event {
    }

    /** A file that {@code node} opened is open here: watch the node. */
    record Watch(Address node) implements Event {
    }

    record Identified(Address node, org.apache.pekko.actor.ActorRef guardian) implements Event {
    }

    /** The Identify failed: in {@code nanos}, so either the node answered that it has no such actor, or it did not answer. */
    record NotIdentified(Address node, int attempt, Throwable cause, long nanos) implements Event {
        /** The node answered (before the timeout): it runs no remoting watcher, so remote death watch is off there. */
        boolean answered() {
            return nanos < IDENTIFY_TIMEOUT.toNanos() / 2;
        }
    }

    /** The node is gone: close its files. */
    record Gone(Address node) implements Event {
    }

    private final ActorContext<Object> context;
    private final OpenFiles files;
    private final Set<Address> watched = new HashSet<>();
    /** {@code remote-file-idle-timeout}, or {@code null}: off. */
    private final Duration idleTimeout;
    private boolean idleCheckScheduled;

    RemoteOpeners(ActorContext<Object> context, OpenFiles files, Duration idleTimeout) {
        this.context = context;
        this.files = files;
        this.idleTimeout = idleTimeout;
        // Told outside the actor's turn (a completion): the watch itself is made in the actor's turn.
        final ActorRef<Object> self = context.getSelf();
        files.onFirstFileFrom(node -> self.tell(new Watch(node)));
    }

    /** Handles an {@link Event}, in the ring actor's turn. */
    void on(Event event) {
        if (event instanceof Watch) {
            final Address node = ((Watch) event).node();
            if (watched.add(node)) {
                identify(node, 1);
            }
            scheduleIdleCheck();
        } else if (event instanceof IdleCheck) {
            idleCheckScheduled = false;
            final int closed = files.closeIdleRemote(idleTimeout.toNanos());
            if (closed > 0) {
                context.getLog().info("Closed {} files that other nodes left unused for {} on ring {}"
                        + " (remote-file-idle-timeout)", closed, idleTimeout, context.getSelf().path());
            }
            scheduleIdleCheck();
        } else if (event instanceof Identified) {
            final Identified identified = (Identified) event;
            context.watchWith(Adapter.toTyped(identified.guardian()), new Gone(identified.node()));
        } else if (event instanceof NotIdentified) {
            final NotIdentified failed = (NotIdentified) event;
            if (failed.answered()) {
                // Alive, without a remoting watcher. Watch it again at its next first file, after these close.
                watched.remove(failed.node());
                context.getLog().warn("Ring {} cannot watch node {}, which opened files on it ({}: remote death watch"
                        + " needs a cluster, or pekko.remote.use-unsafe-remote-features-outside-cluster = on): its"
                        + " files close only when it closes them", context.getSelf().path(), failed.node(),
                        failed.cause().toString());
            } else if (failed.attempt() < IDENTIFY_ATTEMPTS) {
                identify(failed.node(), failed.attempt() + 1);
            } else {
                // It opened files here and then answered nothing for this long: it died before it could be watched.
                context.getLog().warn("Node {} has not answered for {} since it opened files on ring {}: taken as gone",
                        failed.node(), IDENTIFY_TIMEOUT.multipliedBy(IDENTIFY_ATTEMPTS), context.getSelf().path());
                gone(failed.node());
            }
        } else {
            gone(((Gone) event).node());
        }
    }

    /** While other nodes have files open here, looks for idle ones every quarter of the idle timeout. */
    private void scheduleIdleCheck() {
        if (idleTimeout != null && !idleCheckScheduled && files.hasRemoteFiles()) {
            idleCheckScheduled = true;
            context.scheduleOnce(idleTimeout.dividedBy(4), context.getSelf(), new IdleCheck());
        }
    }

    private void identify(Address node, int attempt) {
        final ActorSelection watcher = Adapter.toClassic(context.getSystem()).actorSelection(node + WATCHED);
        final long start = System.nanoTime();
        context.pipeToSelf(watcher.resolveOne(IDENTIFY_TIMEOUT), (ref, failure) -> ref != null
                ? new Identified(node, ref) : new NotIdentified(node, attempt, failure, System.nanoTime() - start));
    }

    private void gone(Address node) {
        watched.remove(node);
        final int closed = files.closeOpenedFrom(node);
        if (closed > 0) {
            context.getLog().info("Closed {} files that {} opened on ring {}: that node is gone", closed, node,
                    context.getSelf().path());
        }
    }
}
