package io.uringactor.actor.internal;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.InvalidRequestException;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingCommand.Shutdown;
import io.uringactor.actor.RingServiceKey;
import io.uringactor.actor.RingSettings;
import io.uringactor.actor.RingStats;
import io.uringactor.actor.RingStoppedException;
import io.uringactor.ring.IoUring;
import io.uringactor.ring.IoUringException;

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
 * <p>A request's path: {@link #onRequest} decodes it once into a {@link Request}, {@link Intake} admits
 * it, {@link SqeWriter} writes its SQE into a slot. Micro-batching: the loop submits what a batch of its
 * tasks prepared with one {@code io_uring_enter} ({@link LoopDriver#poll}); O_DIRECT requests go in at once
 * instead ({@link SqeWriter#submitIfDirect}).
 *
 * <p>A completion's path: {@link RingEventLoop} &rarr; {@link LoopDriver#poll} &rarr; the CQ's drain &rarr;
 * {@link Completer#onCompletion} &rarr; {@link Request#succeed} or {@link Request#fail}. The loop answers
 * completions between its tasks, outside this actor's turn, on purpose: a reply then reaches its caller
 * (a future, or an actor on the same loop) without waiting for this actor's mailbox to be scheduled, one
 * hop less per batch; what the completer touches (slots, files, pool) is this ring's and only ever touched
 * on the loop's thread. Only when a poll leaves the actor something to do (a stop to finish, idle buffers
 * to trim) does the actor get a turn ({@code RING_IDLE}).
 */
@InternalApi
public final class RingBehavior extends AbstractBehavior<Object> {
    private enum Signal { RING_IDLE, STOP_TIMEOUT, TRIM }

    /** Free buffers kept for reuse when the ring goes idle; more is dropped by {@link Signal#TRIM}. */
    private static final long KEEP_WHEN_IDLE = 4L << 20;
    /** How long an idle ring keeps more than {@link #KEEP_WHEN_IDLE} of free buffers. */
    private static final Duration TRIM_AFTER = Duration.ofSeconds(5);
    /** Requests in a row (one actor turn can hold many) after which the ring is submitted and reaped at once. */
    private static final int REAP_EVERY = 64;
    /**
     * Free pipes kept for copies (two descriptors each) while the ring is busy; busier moments make and close
     * more, and an idle ring closes them all at its trim (a copy with one splice in flight reuses one pipe).
     */
    private static final int PIPES_KEPT = 16;

    private final RingSettings settings;
    private final IoUring ring;
    private final NativeBufferPool pool;
    private final PipePool pipes;
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
    /** The other nodes with files open here, which close when their node is gone. */
    private final RemoteOpeners remoteOpeners;
    /** The replies to requests that came in batches from other nodes, sent in batches too. */
    private final BatchReplies batchReplies;

    private boolean idleTurnScheduled;
    private boolean trimScheduled;
    /** Requests handled since the ring was last submitted and reaped; see {@link #REAP_EVERY}. */
    private int requestsSincePump;

    private RingBehavior(ActorContext<Object> context, RingSettings settings, String boundPath, OpenOptions boundOptions,
                         GroupMembership group) {
        super(context);
        this.settings = settings;
        this.counters = new RingCounters(settings.latencyHistogram());
        final RingEventLoop loop = RingSetup.hostLoop(settings, context.getExecutionContext());
        this.ring = RingSetup.openRing(settings, context.getLog());
        // This thread makes every io_uring_enter of the ring: spare the kernel the fd lookup on each.
        ring.registerRingFdWithThisThread();
        this.files = group == null ? new OpenFiles() : new OpenFiles(group.ring(), group.files(), context.getSelf());
        final Path root = settings.rootDirectory() == null ? null : settings.rootDirectory().toAbsolutePath().normalize();
        final int rootFd = RingSetup.openRootAndBoundFile(ring, files, root, boundPath, boundOptions, context.getLog());
        this.pool = new NativeBufferPool(settings.maxNativeMemory());
        this.ops = new OpTable(settings.maxInFlight());
        this.pipes = new PipePool(Math.min(PIPES_KEPT, settings.maxInFlight()));
        final SqeWriter sqes = new SqeWriter(settings, ring, counters, files, pool, pipes, rootFd);
        final WakeUpRead wakeUp = new WakeUpRead(ring);
        final Completer completer = new Completer(settings, ops, files, pool, pipes, sqes, counters, root,
                context.getLog(), wakeUp);
        this.intake = new Intake(settings, ops, pool, sqes, completer, counters, context.getLog());
        this.driver = attachedTo(loop, wakeUp, sqes, completer, context.getSelf(), group);
        this.lifecycle = new RingLifecycle(settings, ring, files, ops, sqes, completer, intake, counters,
                context.getLog(), rootFd, pipes);
        lifecycle.drivenBy(driver);
        this.remoteOpeners = new RemoteOpeners(context, files, settings.remoteFileIdleTimeout());
        this.batchReplies = new BatchReplies(loop, driver::poll, RemoteCalls.replyBatchBytes(context.getSystem()));
        this.registered = RingSetup.register(context, settings, root != null, boundPath != null);
        // Last: nothing after it can fail the start, so a ring that did not start leaves no MBean behind.
        this.mbean = RingMBean.register(context.getSelf().path(), counters, pool, settings, ring.engine(),
                files::remoteFilesByNode, context.getLog());
        lifecycle.atRelease(mbean::unregister);
    }

    private LoopDriver attachedTo(RingEventLoop loop, WakeUpRead wakeUp, SqeWriter sqes, Completer completer,
                                  ActorRef<Object> self, GroupMembership group) {
        final LoopDriver loopDriver = new LoopDriver(loop, ring, wakeUp, sqes, completer, intake, ops, counters,
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
                || (!trimScheduled && intake.isEmpty() && somethingToTrim()))) {
            scheduleIdleTurn();
        }
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
                .onMessageEquals(Signal.RING_IDLE, this::onRingIdle)
                .onMessage(Request.class, this::onRequest)
                .onMessage(RingCommand.class, this::onRequest)
                .onMessage(RemoteBlockRequest.class, this::onRequest)
                .onMessage(RequestBatch.class, this::onBatch)
                .onMessage(RemoteShutdown.class, this::onRemoteShutdown)
                .onMessage(SharedFiles.Withdrawn.class, withdrawn -> {
                    files.withdrawn(withdrawn.id());
                    return this;
                })
                .onMessage(RemoteOpeners.Event.class, event -> {
                    remoteOpeners.on(event);
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
     * A {@link Request} from a local client, or a {@link RingCommand} or {@link RemoteBlockRequest} from an
     * actor or another node, decoded here into one (the only place that looks at a message's class).
     * Whatever its fields hold, it is answered (if it names where to) and the ring keeps serving; only a
     * failure of the ring itself stops the actor.
     */
    private Behavior<Object> onRequest(Object message) {
        return serve(message, null, 0);
    }

    /**
     * Requests from another node in one message: each served as if it had come alone, its reply gathered
     * with the others' ({@link BatchReplies}), and the batch acknowledged once all are taken, so that a slow
     * op (a read of an empty pipe, a long fsync) holds up no other request of that node. If the ring fails
     * on one, the rest are refused as stopped.
     */
    private Behavior<Object> onBatch(RequestBatch batch) {
        final int n = batch.ids().length;
        try {
            for (int i = 0; i < n; i++) {
                final Behavior<Object> next = serve(batch, batch, i);
                if (next != this) {
                    final RingStoppedException refusal = new RingStoppedException("the ring failed");
                    for (int rest = i + 1; rest < n; rest++) {
                        Request.batched(batch, rest, batchReplies).fail(refusal);
                    }
                    return next;
                }
            }
            return this;
        } finally {
            // Taken, whether each entry is done or still in the kernel: the asker may send its next batch.
            batchReplies.ack(batch.replyTo(), batch.batchId());
        }
    }

    /** Serves {@code message}, or entry {@code entry} of {@code batch} when that is not {@code null}. */
    private Behavior<Object> serve(Object message, RequestBatch batch, int entry) {
        Request request = null;
        try {
            if (++requestsSincePump >= REAP_EVERY && ops.inFlight() > 0) {
                requestsSincePump = 0;
                driver.pump(); // a completion should not wait for a whole flood of requests queued behind it
            }
            request = batch == null ? Request.of(message) : Request.batched(batch, entry, batchReplies);
            if (!request.canAnswer()) {
                counters.invalid();
                getContext().getLog().warn("Dropped a request that names no one to reply to: {}", message);
            } else if (request.kind == CommandKind.GET_STATS) {
                request.succeed(stats());
            } else if (request.kind == CommandKind.SHUTDOWN) {
                return onShutdown(((Shutdown) request.command).replyTo());
            } else if (lifecycle.stopping()) {
                final RingStoppedException refusal = new RingStoppedException("the ring actor is stopping");
                counters.refused(refusal);
                request.fail(refusal);
            } else {
                intake.admit(request); // the loop submits the SQE with the rest of its batch
            }
            return this;
        } catch (IoUringException e) {
            return fail(e);
        } catch (RuntimeException e) {
            Intake.refuseMalformed(batch == null || request == null ? message : request, request, e, counters,
                    getContext().getLog());
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
        return counters.snapshot(ring.enterCalls(), ops.inFlight(), intake.size(), ring.engine());
    }

    // ---------------------------------------------------------------- the ring

    private Behavior<Object> onRingIdle() {
        idleTurnScheduled = false;
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
        if (ops.inFlight() == 0 && intake.isEmpty() && somethingToTrim() && !trimScheduled) {
            trimScheduled = true;
            sendLater(TRIM_AFTER, Signal.TRIM);
        }
        return this;
    }

    private void scheduleIdleTurn() {
        if (!idleTurnScheduled) {
            idleTurnScheduled = true;
            getContext().getSelf().tell(Signal.RING_IDLE);
        }
    }

    /** Whether an idle ring holds more than it keeps: free buffers beyond {@link #KEEP_WHEN_IDLE}, or free pipes. */
    private boolean somethingToTrim() {
        return pool.idle() > KEEP_WHEN_IDLE || pipes.hasFree();
    }

    /**
     * After a burst the ring keeps its free buffers and pipes for the next one; if it stays idle the
     * buffers are dropped down to {@link #KEEP_WHEN_IDLE} and the pipes closed. One timer per burst, none
     * while idle.
     */
    private Behavior<Object> onTrim() {
        trimScheduled = false;
        if (ops.inFlight() == 0 && intake.isEmpty()) {
            pool.dropIdleUntil(KEEP_WHEN_IDLE);
            pipes.closeAll();
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
            // The stoppers are told Done once the cancelled ops are back (or a stop-timeout later), from the loop.
            lifecycle.abortThen(new RingStoppedException("the ring actor stopped; the op did not finish within"
                    + " stop-timeout=" + settings.stopTimeout()), lifecycle::finishStop);
        } else {
            lifecycle.finishStop();
        }
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
        if (!ring.isClosed() && !lifecycle.draining()) {
            // Finished from the loop's turns: the other actors of the loop run on meanwhile.
            lifecycle.abortThen(new RingStoppedException("the ring actor was stopped"), lifecycle::release);
        }
        mbean.unregister();
        return this;
    }
}
