package io.uringactor.actor.internal;

import static io.uringactor.ring.IoUringConstants.*;

import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingServiceKey;
import io.uringactor.actor.RingSettings;
import io.uringactor.ring.IoUring;
import io.uringactor.ring.IoUringUnavailableException;
import io.uringactor.ring.RingOptions;

import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.slf4j.Logger;

import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How a {@link RingBehavior} starts: on which loop, with which ring, its root directory and bound file,
 * and whether it registers with the receptionist. Each step either succeeds or throws with the reason,
 * which the actor then answers every request with ({@link NotStartedRing}).
 */
final class RingSetup {
    private RingSetup() {
    }

    /**
     * The loop this actor runs on, which is to host its ring.
     *
     * @throws IllegalStateException when the actor runs on no ring event loop, or on one that drives a ring
     *                               already: the message says where to spawn it
     */
    static RingEventLoop hostLoop(RingSettings settings, Executor dispatcher) {
        final RingEventLoop loop = RingEventLoop.current();
        if (dispatcher instanceof SharedLoopsDispatcher && ((SharedLoopsDispatcher) dispatcher).loops() > 1) {
            // Its actors move between the loops, and a ring must stay on the one thread that drives it.
            throw new IllegalStateException("a ring actor stays on the loop that drives its ring, and this one was"
                    + " spawned on " + ((SharedLoopsDispatcher) dispatcher).id() + ", whose actors move between its "
                    + ((SharedLoopsDispatcher) dispatcher).loops() + " loops: spawn it with RingActor.props(settings)"
                    + " (dispatcher " + settings.dispatcher() + "), on io-uring-actor.ring-loop-dispatcher, on a"
                    + " loop dispatcher of one loop, or as a RingGroup");
        }
        if (loop == null) {
            throw new IllegalStateException("a ring actor runs on a ring event loop, and this one was spawned on"
                    + " thread " + Thread.currentThread().getName() + ": spawn it with RingActor.props(settings)"
                    + " (dispatcher " + settings.dispatcher() + "), on io-uring-actor.ring-loop-dispatcher"
                    + " or as a RingGroup");
        }
        if (loop.isDriving()) {
            throw new IllegalStateException("a ring event loop drives one ring, and " + Thread.currentThread().getName()
                    + " drives another already: spawn this ring on io-uring-actor.ring-loop-dispatcher (a loop of"
                    + " its own) or make both rings a RingGroup");
        }
        return loop;
    }

    /** Whether a ring of this JVM fell back already: the WARN is logged once, each ring says so at DEBUG. */
    private static final AtomicBoolean FELL_BACK = new AtomicBoolean();

    /**
     * The ring of {@code settings}' engine: io_uring, the fallback engine, or (auto) io_uring where it can be
     * set up and the fallback elsewhere, with one WARN per JVM naming the cause and its fix.
     *
     * @throws IoUringUnavailableException with engine io-uring where io_uring cannot be set up
     */
    static IoUring openRing(RingSettings settings, Logger log) {
        final RingOptions options = ringOptions(settings);
        switch (settings.engine()) {
            case FALLBACK:
                return IoUring.openInUserSpace(options, settings.fallbackThreads());
            case IO_URING:
                return IoUring.open(options);
            default:
                try {
                    return IoUring.open(options);
                } catch (IoUringUnavailableException e) {
                    final IoUring ring = IoUring.openInUserSpace(options, settings.fallbackThreads());
                    final String why = e.getMessage() + (e.getCause() != null ? " (" + e.getCause().getMessage() + ")" : "");
                    if (FELL_BACK.compareAndSet(false, true)) {
                        log.warn("io_uring is unavailable: {}; running on the fallback engine (slower):"
                                + " io-uring-actor.engine = auto", why);
                    } else {
                        log.debug("io_uring is unavailable ({}): this ring runs on the fallback engine", why);
                    }
                    return ring;
                }
        }
    }

    /** The ring of a ring actor: its queues sized for {@code settings}, set up for one thread on a loop. */
    static RingOptions ringOptions(RingSettings settings) {
        // Every op may carry a linked timeout: two CQEs each, plus room for housekeeping.
        final int cqEntries = Math.max(settings.sqEntries(), 2 * settings.maxInFlight() + 8);
        final RingOptions options = RingOptions.create(settings.sqEntries()).withCqEntries(cqEntries);
        // The loop's thread alone submits and waits, so the kernel may run completion work in its waits
        // (SINGLE_ISSUER, DEFER_TASKRUN); TASKRUN_FLAG tells a poll between tasks whether completion work
        // waits, without a syscall.
        return options.withOptionalFlags(options.optionalFlags() | IORING_SETUP_SINGLE_ISSUER
                | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG);
    }

    /** Opens the root directory (returns its fd, or -1) and the bound file; closes the ring on failure. */
    static int openRootAndBoundFile(IoUring ring, OpenFiles files, Path root, String boundPath, OpenOptions boundOptions,
                                    Logger log) {
        int rootFd = -1;
        try {
            if (root != null) {
                rootFd = RingLifecycle.openAtStart(ring, root.toString(), O_RDONLY | O_DIRECTORY | O_PATH | O_CLOEXEC,
                        "openat(root-directory " + root + ")");
            }
            if (boundPath != null) {
                final int fd = RingLifecycle.openAtStart(ring, boundPath, boundOptions.toFlags(),
                        "openat(" + boundPath + ", " + boundOptions + ")");
                files.addBound(fd, boundPath, boundOptions.direct() ? RingLifecycle.directIoAlignmentAtStart(ring, fd) : 0);
            }
            return rootFd;
        } catch (RuntimeException e) {
            if (rootFd >= 0) {
                RingLifecycle.closeAtStart(ring, rootFd, log);
            }
            ring.close();
            throw e;
        }
    }

    /**
     * Registers with the receptionist when that is asked for and safe: a ring bound to one file is no general
     * disk service, and one without a root would offer every cluster member the whole filesystem.
     */
    static boolean register(ActorContext<Object> context, RingSettings settings, boolean confined,
                                    boolean bound) {
        final boolean register = settings.registerWithReceptionist() && !bound
                && (confined || settings.registerWithoutRoot());
        if (register && !confined) {
            context.getLog().warn("Ring actor {} registers with the receptionist without a root-directory: every"
                    + " cluster member can read and write every file this process can reach"
                    + " (io-uring-actor.ring.register-without-root = on)", context.getSelf().path());
        }
        if (register) {
            context.getSystem().receptionist().tell(
                    Receptionist.register(RingServiceKey.KEY, context.getSelf().<RingCommand>narrow()));
        }
        return register;
    }
}
