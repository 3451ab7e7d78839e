package io.uringactor.actor.internal;

import static io.uringactor.ring.IoUringConstants.*;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.InvalidRequestException;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingCommand.GetStats;
import io.uringactor.actor.RingCommand.Shutdown;
import io.uringactor.actor.RingServiceKey;
import io.uringactor.actor.RingSettings;
import io.uringactor.actor.RingStats;
import io.uringactor.actor.RingStoppedException;
import io.uringactor.ring.IoUring;
import io.uringactor.ring.IoUringException;
import io.uringactor.ring.RingOptions;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.annotation.InternalApi;
import org.apache.pekko.pattern.StatusReply;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The ring actor. It owns one {@link IoUring} and runs on one {@link RingEventLoop}, the ring's one host: its
 * thread is the ring's only submitter and the only thread that touches the SQ, the CQ, the in-flight slots
 * and the file table. A ring actor spawned anywhere else (another dispatcher, or a loop that drives a ring
 * already) does not start: it answers every request with a {@link RingStoppedException} saying where to
 * spawn it.
 * This class is the actor's shell: it receives messages and hands them to its collaborators, each with one
 * job: {@link Intake} (admission, queue, backpressure), {@link SqeWriter} (checked requests to SQEs),
 * {@link OpTable} (the slots), {@link Completer} (CQEs to the one reply), {@link LoopDriver} (submit,
 * reap, wait), {@link RingLifecycle} (start, stop, abort), {@link NativeBufferPool} (the memory budget),
 * {@link PipePool} (the pipes of in-kernel copies) and {@link RingCounters}.
 *
 * <p>Micro-batching: a request only writes its SQE; the loop submits what a batch of its tasks prepared
 * with one {@code io_uring_enter} ({@link LoopDriver}). Completions inside that call (cached reads mostly)
 * are answered at once. O_DIRECT requests go in at once instead ({@link SqeWriter#submitIfDirect}).
 */
@InternalApi
public final class RingBehavior extends AbstractBehavior<Object> {
    private enum Signal { FLUSH, STOP_TIMEOUT, TRIM }

    /** Free buffers kept for reuse when the ring goes idle; more is dropped by {@link Signal#TRIM}. */
    private static final long KEEP_WHEN_IDLE = 4L << 20;
    /** How long an idle ring keeps more than {@link #KEEP_WHEN_IDLE} of free buffers. */
    private static final Duration TRIM_AFTER = Duration.ofSeconds(5);
    /** Requests in a row (one actor turn can hold many) after which the ring is submitted and reaped at once. */
    private static final int REAP_EVERY = 64;
    /** Free pipes kept for copies (two descriptors each); busier moments make and close more. */
    private static final int PIPES_KEPT = 16;

    private final RingSettings settings;
    private final IoUring ring;
    private final NativeBufferPool pool;
    private final OpTable ops;
    private final RingCounters counters;
    private final Intake intake;
    private final LoopDriver driver;
    private final RingLifecycle lifecycle;
    private final boolean registered;
    /** The ring's MBean, unregistered when the ring is released and again (idempotent) at PostStop. */
    private final RingMBean mbean;
    /** The file table, for files another ring of the group withdrew. */
    private final OpenFiles files;

    private boolean flushScheduled;
    private boolean trimScheduled;
    /** Requests handled since the ring was last submitted and reaped; see {@link #REAP_EVERY}. */
    private int requestsSincePump;

    private RingBehavior(ActorContext<Object> context, RingSettings settings, String boundPath, OpenOptions boundOptions,
                         GroupMembership group) {
        super(context);
        this.settings = settings;
        this.counters = new RingCounters(settings.latencyHistogram());
        final RingEventLoop loop = hostLoop(settings);
        this.ring = IoUring.open(ringOptions(settings));
        // This thread makes every io_uring_enter of the ring: spare the kernel the fd lookup on each.
        ring.registerRingFdWithThisThread();
        this.files = group == null ? new OpenFiles() : new OpenFiles(group.ring(), group.files(), context.getSelf());
        final Path root = settings.rootDirectory() == null ? null : settings.rootDirectory().toAbsolutePath().normalize();
        final int rootFd = openRootAndBoundFile(files, root, boundPath, boundOptions);
        this.pool = new NativeBufferPool(settings.maxNativeMemory());
        this.ops = new OpTable(settings.maxInFlight());
        final PipePool pipes = new PipePool(Math.min(PIPES_KEPT, settings.maxInFlight()));
        final SqeWriter sqes = new SqeWriter(settings, ring, counters, files, pool, pipes, rootFd);
        final Completer completer = new Completer(settings, ops, files, pool, pipes, sqes, counters, root,
                context.getLog(), this::onHousekeeping);
        this.intake = new Intake(settings, ops, pool, sqes, completer, counters, context.getLog());
        this.driver = attachedTo(loop, sqes, completer, context.getSelf(), group);
        this.lifecycle = new RingLifecycle(settings, ring, files, ops, sqes, completer, intake, counters,
                context.getLog(), rootFd, pipes);
        lifecycle.drivenBy(driver);
        this.registered = register(context, settings, root != null, boundPath != null);
        // Last: nothing after it can fail the start, so a ring that did not start leaves no MBean behind.
        this.mbean = RingMBean.register(context.getSelf().path(), counters, pool, settings, context.getLog());
        lifecycle.atRelease(mbean::unregister);
    }

    /**
     * The loop this actor runs on, which is to host its ring.
     *
     * @throws IllegalStateException when the actor runs on no ring event loop, or on one that drives a ring
     *                               already: the message says where to spawn it
     */
    private static RingEventLoop hostLoop(RingSettings settings) {
        final RingEventLoop loop = RingEventLoop.current();
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

    private LoopDriver attachedTo(RingEventLoop loop, SqeWriter sqes, Completer completer, ActorRef<Object> self,
                                  GroupMembership group) {
        final LoopDriver loopDriver = new LoopDriver(loop, ring, sqes, completer, intake, ops, counters,
                this::afterLoopPoll, self);
        loopDriver.attach(); // on the loop's thread, which drives no other ring (checked above)
        if (group != null) {
            loop.memberOf(group.files(), group.ring()); // the group's client sends from this loop to this ring
        }
        return loopDriver;
    }

    /**
     * The loop answered completions outside this actor's turn: bring the actor back if that left it
     * something to do (finish a stop, schedule a trim of the buffer pool).
     */
    private void afterLoopPoll() {
        if (ops.inFlight() == 0 && (lifecycle.stopping()
                || (!trimScheduled && intake.isEmpty() && pool.idle() > KEEP_WHEN_IDLE))) {
            scheduleFlush();
        }
    }

    /** A CQE of the driver's own SQEs; the completer sees them first. */
    private void onHousekeeping(long userData) {
        driver.onHousekeeping(userData);
    }

    private static RingOptions ringOptions(RingSettings settings) {
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
    private int openRootAndBoundFile(OpenFiles files, Path root, String boundPath, OpenOptions boundOptions) {
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
                RingLifecycle.closeAtStart(ring, rootFd, getContext().getLog());
            }
            ring.close();
            throw e;
        }
    }

    /**
     * Registers with the receptionist when that is asked for and safe: a ring bound to one file is no general
     * disk service, and one without a root would offer every cluster member the whole filesystem.
     */
    private static boolean register(ActorContext<Object> context, RingSettings settings, boolean confined,
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

    /** The ring actor's behavior; spawn it on the dispatcher named by {@link RingSettings#dispatcher()}. */
    public static Behavior<RingCommand> create(RingSettings settings) {
        return Behaviors.<Object>setup(context -> startOrRefuse(context, settings, null, null, null)).narrow();
    }

    /** A ring actor that opens {@code path} at start and serves it as {@link FileHandle#BOUND}. */
    public static Behavior<RingCommand> createForFile(RingSettings settings, String path, OpenOptions options) {
        return Behaviors.<Object>setup(context -> startOrRefuse(context, settings, path, options, null)).narrow();
    }

    /**
     * Ring number {@code ring} of a group: it serves the files every ring of the group opened, shared through
     * {@code files}.
     */
    public static Behavior<RingCommand> createMember(RingSettings settings, SharedFiles files, int ring) {
        final GroupMembership group = new GroupMembership(files, ring);
        return Behaviors.<Object>setup(context -> startOrRefuse(context, settings, null, null, group)).narrow();
    }

    /** A ring's place in its group. */
    private record GroupMembership(SharedFiles files, int ring) {
    }

    /**
     * The ring actor or, when its ring cannot start (io_uring unavailable, a missing root directory, ...),
     * an actor that answers every request with a {@link RingStoppedException} caused by the reason, so
     * that callers see why rather than a bare "not running".
     */
    private static Behavior<Object> startOrRefuse(ActorContext<Object> context, RingSettings settings,
                                                  String path, OpenOptions options, GroupMembership group) {
        // Requests that reach this ring after it stopped become dead letters here, on its node: answer them.
        DeadLetterGuard.install(context.getSystem());
        try {
            return new RingBehavior(context, settings, path, options, group);
        } catch (RuntimeException e) {
            context.getLog().warn("The io_uring ring actor {} could not start: {}", context.getSelf().path(),
                    e.getMessage());
            return NotStartedRing.create(e);
        }
    }

    @Override
    public Receive<Object> createReceive() {
        return newReceiveBuilder()
                .onMessageEquals(Signal.FLUSH, this::onFlush)
                .onMessage(RingCommand.class, this::onRequest)
                .onMessage(LocalRequest.class, this::onRequest)
                .onMessage(RemoteBlockRequest.class, this::onRequest)
                .onMessage(RemoteShutdown.class, this::onRemoteShutdown)
                .onMessage(SharedFiles.Withdrawn.class, withdrawn -> {
                    files.withdrawn(withdrawn.id());
                    return this;
                })
                .onMessage(LoopDriver.Failed.class, failed -> fail(failed.cause()))
                .onMessageEquals(Signal.STOP_TIMEOUT, this::onStopTimeout)
                .onMessageEquals(Signal.TRIM, this::onTrim)
                .onSignal(PostStop.class, signal -> onPostStop())
                .build();
    }

    // ---------------------------------------------------------------- requests

    /**
     * A {@link RingCommand}, a {@link LocalRequest} wrapping one, or a {@link RemoteBlockRequest}. Whatever
     * its fields hold, it is answered (if it names where to) and the ring keeps serving; only a failure of
     * the ring itself stops the actor.
     */
    private Behavior<Object> onRequest(Object request) {
        try {
            if (++requestsSincePump >= REAP_EVERY && ops.inFlight() > 0) {
                requestsSincePump = 0;
                driver.pump(); // a completion should not wait for a whole flood of requests queued behind it
            }
            final RingCommand command = Intake.commandOf(request);
            if (!Replies.canAnswer(request)) {
                counters.invalid();
                getContext().getLog().warn("Dropped a request that names no one to reply to: {}", request);
            } else if (command instanceof GetStats) {
                Replies.succeed(request, stats());
            } else if (command instanceof Shutdown) {
                return onShutdown(((Shutdown) command).replyTo());
            } else if (lifecycle.stopping()) {
                final RingStoppedException refusal = new RingStoppedException("the ring actor is stopping");
                counters.refused(refusal);
                Replies.fail(request, refusal);
            } else {
                intake.admit(request); // the loop submits the SQE with the rest of its batch
            }
            return this;
        } catch (IoUringException e) {
            return fail(e);
        } catch (RuntimeException e) {
            Intake.refuseMalformed(request, e, counters, getContext().getLog());
            return this;
        }
    }

    /** A Shutdown that crossed the wire: obeyed only if {@code allow-remote-shutdown} says so. */
    private Behavior<Object> onRemoteShutdown(RemoteShutdown shutdown) {
        if (shutdown.replyTo() == null) {
            counters.invalid();
            getContext().getLog().warn("Dropped a Shutdown from another node that names no one to reply to");
            return this;
        }
        if (settings.allowRemoteShutdown()) {
            return onShutdown(shutdown.replyTo());
        }
        getContext().getLog().warn("Refused a Shutdown from another node ({}); set"
                + " io-uring-actor.ring.allow-remote-shutdown = on to allow it", shutdown.replyTo().path().address());
        final InvalidRequestException refusal = new InvalidRequestException("a Shutdown from another node is"
                + " refused: the ring's node must set io-uring-actor.ring.allow-remote-shutdown = on");
        counters.refused(refusal);
        shutdown.replyTo().tell(StatusReply.error(refusal));
        return this;
    }

    private RingStats stats() {
        return counters.snapshot(ring.enterCalls(), ops.inFlight(), intake.size());
    }

    // ---------------------------------------------------------------- the ring

    private Behavior<Object> onFlush() {
        flushScheduled = false;
        return pump();
    }

    /** Submits, reaps and refills (see {@link LoopDriver#pump}), then finishes a stop or schedules a trim. */
    private Behavior<Object> pump() {
        requestsSincePump = 0;
        try {
            driver.pump();
        } catch (IoUringException e) {
            return fail(e);
        }
        if (lifecycle.stopping() && ops.inFlight() == 0) {
            lifecycle.finishStop();
            return Behaviors.stopped();
        }
        if (ops.inFlight() == 0 && intake.isEmpty() && pool.idle() > KEEP_WHEN_IDLE && !trimScheduled) {
            trimScheduled = true;
            sendLater(TRIM_AFTER, Signal.TRIM);
        }
        return this;
    }

    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            getContext().getSelf().tell(Signal.FLUSH);
        }
    }

    /**
     * After a burst the pool keeps its free buffers for the next one; if the ring stays idle they are
     * dropped down to {@link #KEEP_WHEN_IDLE}. One timer per burst, none while idle.
     */
    private Behavior<Object> onTrim() {
        trimScheduled = false;
        if (ops.inFlight() == 0 && intake.isEmpty()) {
            pool.dropIdleUntil(KEEP_WHEN_IDLE);
        }
        return this;
    }

    /** Sends {@code signal} to this actor after {@code delay}: a task on the loop, which wakes it. */
    private void sendLater(Duration delay, Signal signal) {
        getContext().scheduleOnce(delay, getContext().getSelf(), signal);
    }

    // ---------------------------------------------------------------- stopping

    private Behavior<Object> onShutdown(ActorRef<StatusReply<Done>> replyTo) {
        if (lifecycle.beginStop(replyTo)) {
            if (registered) {
                // No node should find a ring that refuses everything: leave the listing now, not at stop.
                getContext().getSystem().receptionist().tell(
                        Receptionist.deregister(RingServiceKey.KEY, getContext().getSelf().<RingCommand>narrow()));
            }
            if (ops.inFlight() > 0) {
                sendLater(settings.stopTimeout(), Signal.STOP_TIMEOUT);
            }
        }
        if (ops.inFlight() == 0) {
            lifecycle.finishStop();
            return Behaviors.stopped();
        }
        return this;
    }

    private Behavior<Object> onStopTimeout() {
        if (ops.inFlight() > 0) {
            lifecycle.abort(new RingStoppedException("the ring actor stopped; the op did not finish within"
                    + " stop-timeout=" + settings.stopTimeout()));
        }
        lifecycle.finishStop();
        return Behaviors.stopped();
    }

    /** The ring failed: answer everything with the cause and stop. */
    private Behavior<Object> fail(Throwable cause) {
        getContext().getLog().error("io_uring ring failed; stopping the ring actor", cause);
        lifecycle.abort(new RingStoppedException("the ring failed: " + cause.getMessage(), cause));
        lifecycle.release();
        return Behaviors.stopped();
    }

    private Behavior<Object> onPostStop() {
        if (!ring.isClosed()) {
            lifecycle.abort(new RingStoppedException("the ring actor was stopped"));
            lifecycle.release();
        }
        mbean.unregister();
        return this;
    }
}
