package io.uringactor.actor.internal;

import static io.uringactor.ring.IoUringConstants.*;

import io.uringactor.actor.BlockIo;
import io.uringactor.actor.ByteStringList;
import io.uringactor.actor.FileHandle;
import io.uringactor.actor.InvalidRequestException;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingActor;
import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingCommand.*;
import io.uringactor.actor.RingOverloadedException;
import io.uringactor.actor.RingSettings;
import io.uringactor.actor.RingStats;
import io.uringactor.actor.RingStoppedException;
import io.uringactor.actor.RingTimeoutException;
import io.uringactor.ring.AlignedBuffer;
import io.uringactor.ring.CompletionHandler;
import io.uringactor.ring.Errno;
import io.uringactor.ring.ErrnoException;
import io.uringactor.ring.EventFd;
import io.uringactor.ring.IoUring;
import io.uringactor.ring.IoUringException;
import io.uringactor.ring.RingOptions;
import io.uringactor.ring.Statx;
import io.uringactor.ring.SubmissionQueue;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.util.ByteString;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The ring actor. It owns one {@link IoUring} and runs on a pinned thread, which is the ring's only
 * submitter and the only thread that touches the SQ, the CQ, the in-flight slots and the file table.
 *
 * <p>Micro-batching: a request only writes its SQE; the first request of a burst sends the actor a
 * {@code FLUSH}, which the FIFO mailbox delivers after every message already queued, and the flush
 * submits the whole batch with one {@code io_uring_enter}. Right after submitting, the actor reaps what
 * completed inside the syscall (cached reads mostly do) and replies at once: a cached read costs one
 * thread wake-up into the actor and one out to the asker. Completions that come later wake the
 * {@link Reaper}, which tells the actor to reap.
 *
 * <p>Backpressure: at most {@code max-in-flight} ops are in the kernel and the CQ has room for all of
 * them and their timeouts, so it never overflows; further requests wait in a bounded queue, beyond which
 * they are refused as overloaded. Every request gets exactly one reply on every path.
 */
public final class RingBehavior extends AbstractBehavior<Object> implements CompletionHandler {
    private enum Signal { FLUSH, STOP_TIMEOUT, TRIM }

    /** Free buffers kept for reuse when the ring goes idle; more is dropped by {@link Signal#TRIM}. */
    private static final long KEEP_WHEN_IDLE = 4L << 20;
    /** How long an idle ring keeps more than {@link #KEEP_WHEN_IDLE} of free buffers. */
    private static final Duration TRIM_AFTER = Duration.ofSeconds(5);

    /** Memory of the kernel may still write after a stop that timed out: kept reachable for the process' life. */
    private static final List<Object> QUARANTINE = new ArrayList<>();
    private static final int IOV_MAX = RequestMemory.IOV_MAX;
    private static final int TIMESPEC_SIZE = 16;
    private static final int IOVEC_SIZE = RequestMemory.IOVEC_SIZE;
    private static final int FILE_MODE = 0644;
    /**
     * Longest sleep in {@code io_uring_enter} before the actor looks at its system messages, which
     * cannot wake it; only while ops are in flight, so an idle ring still sleeps for good.
     */
    private static final long MAX_SLEEP_NANOS = 100_000_000L;
    /** Requests in a row after which the ring is reaped even though the FLUSH has not come yet. */
    private static final int REAP_EVERY = 64;
    /** Submissions tried before a request that needs SQ room is refused as overloaded. */
    private static final int SUBMIT_ATTEMPTS = 3;
    /** An op and its linked timeout. */
    private static final int MAX_SQES_PER_OP = 2;
    /** {@code O_PATH}: a descriptor that only names a place in the filesystem, here the root directory. */
    private static final int O_PATH = 0x200000;
    /** {@code struct open_how}: {@code __u64 flags, mode, resolve}. */
    private static final int OPEN_HOW_SIZE = 24;

    private final RingSettings settings;
    private final IoUring ring;
    private final SubmissionQueue sq;
    /** Wakes the actor from {@code io_uring_enter} when mail arrives; null without the ring mailbox. */
    private final RingMailbox.Queue mailbox;
    private final EventFd wakeUp;
    private final AlignedBuffer wakeUpValue = AlignedBuffer.allocate(Long.BYTES, Long.BYTES);
    private boolean wakeUpArmed;
    /** Waits for late completions when the actor runs without the ring mailbox; null with it. */
    private final Reaper reaper;
    private final NativeBufferPool pool;
    /** Whether a {@link Signal#TRIM} is scheduled to drop buffers kept after a burst. */
    private boolean trimScheduled;
    private final Op[] ops;
    private final int[] freeSlots;
    private int freeCount;
    /** Requests waiting for a slot: {@link RingCommand}s and {@link LocalRequest}s, in arrival order. */
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    private final OpenFiles files = new OpenFiles();
    /** One {@code __kernel_timespec} per slot, for linked timeouts. */
    private final AlignedBuffer timespecs;
    private final AlignedBuffer emptyPath = AlignedBuffer.cString("");
    private final List<ActorRef<StatusReply<Done>>> shutdownRepliesTo = new ArrayList<>();
    /** The root directory every open stays beneath, or {@code null}; {@link #rootFd} is its descriptor. */
    private final Path root;
    private int rootFd = -1;
    /** {@code open_how.resolve} for opens beneath the root: BENEATH, and the stricter flags the settings ask for. */
    private final long resolveFlags;
    private final boolean registered;

    private boolean flushScheduled;
    /** Requests handled since the ring was last submitted and reaped; see {@link #reapBetweenRequests}. */
    private int requestsSincePump;
    private boolean stopping;
    /** Why in-flight ops were cancelled at stop; their -ECANCELED completions are answered with it. */
    private IoUringException abortCause;
    private int inFlight;

    private long submitted;
    private long completed;
    private long batches;
    private int maxBatch;
    private int inFlightMax;
    private long rejected;

    private RingBehavior(ActorContext<Object> context, RingSettings settings, String boundPath, OpenOptions boundOptions) {
        super(context);
        this.settings = settings;
        final int slots = settings.maxInFlight();
        // Every op may carry a linked timeout: two CQEs each, plus room for housekeeping.
        final int cqEntries = Math.max(settings.sqEntries(), 2 * slots + 8);
        this.mailbox = RingMailbox.claim(Adapter.toClassic(context.getSelf()));
        RingOptions options = RingOptions.create(settings.sqEntries()).withCqEntries(cqEntries);
        if (mailbox != null) {
            // This thread alone submits and waits: the kernel may run completion work in our own waits.
            options = options.withOptionalFlags(options.optionalFlags() | IORING_SETUP_SINGLE_ISSUER
                    | IORING_SETUP_DEFER_TASKRUN);
        }
        this.ring = IoUring.open(options);
        this.sq = ring.sq();
        this.pool = new NativeBufferPool(settings.maxNativeMemory());
        this.ops = new Op[slots];
        this.freeSlots = new int[slots];
        for (int i = slots - 1; i >= 0; i--) {
            ops[i] = new Op(i);
            freeSlots[freeCount++] = i;
        }
        this.timespecs = AlignedBuffer.allocate(slots * TIMESPEC_SIZE, Long.BYTES);
        this.root = settings.rootDirectory() == null ? null : settings.rootDirectory().toAbsolutePath().normalize();
        this.resolveFlags = RESOLVE_BENEATH | (settings.resolveNoSymlinks() ? RESOLVE_NO_SYMLINKS : 0)
                | (settings.resolveNoXdev() ? RESOLVE_NO_XDEV : 0);
        try {
            if (root != null) {
                rootFd = openAtStart(root.toString(), O_RDONLY | O_DIRECTORY | O_PATH | O_CLOEXEC,
                        "openat(root-directory " + root + ")");
            }
            if (boundPath != null) {
                final int fd = openAtStart(boundPath, boundOptions.toFlags(),
                        "openat(" + boundPath + ", " + boundOptions + ")");
                files.addBound(fd, boundPath, boundOptions.direct() ? directIoAlignment(boundPath) : 0);
            }
        } catch (RuntimeException e) {
            if (rootFd >= 0) {
                closeAtStart(rootFd);
            }
            ring.close();
            throw e;
        }
        if (mailbox != null) {
            this.wakeUp = EventFd.create();
            mailbox.wakeUpWith(wakeUp);
            this.reaper = null;
        } else {
            this.wakeUp = null;
            this.reaper = new Reaper(ring, context.getSelf(), "io-uring-reaper-" + context.getSelf().path().name());
            this.reaper.start();
        }
        // A ring bound to one file is no general disk service: it never registers. Nor, unless a setting says
        // so, one without a root: it would offer every cluster member the whole filesystem.
        this.registered = settings.registerWithReceptionist() && boundPath == null
                && (root != null || settings.registerWithoutRoot());
        if (registered && root == null) {
            context.getLog().warn("Ring actor {} registers with the receptionist without a root-directory: every"
                    + " cluster member can read and write every file this process can reach"
                    + " (io-uring-actor.ring.register-without-root = on)", context.getSelf().path());
        }
        if (registered) {
            context.getSystem().receptionist().tell(
                    Receptionist.register(RingActor.SERVICE_KEY, context.getSelf().<RingCommand>narrow()));
        }
    }

    /** Opens {@code path} synchronously through the ring, before the actor serves anything; returns the fd. */
    private int openAtStart(String path, int flags, String operation) {
        final AlignedBuffer name = AlignedBuffer.cString(path);
        final int[] result = new int[1];
        prep(sq.prepOpenat(AT_FDCWD, name.address(), flags, FILE_MODE, 0));
        ring.submitAndWait(1);
        ring.cq().drain((userData, res, cqeFlags) -> result[0] = res);
        Reference.reachabilityFence(name);
        if (result[0] < 0) {
            throw new ErrnoException(operation, result[0]);
        }
        return result[0];
    }

    private void closeAtStart(int fd) {
        try {
            prep(sq.prepClose(fd, 0));
            ring.submitAndWait(1);
            ring.cq().drain((userData, res, cqeFlags) -> { });
        } catch (RuntimeException e) {
            getContext().getLog().warn("Could not close fd {} while failing to start", fd, e);
        }
    }

    private static int directIoAlignment(String path) {
        try {
            return AlignedBuffer.directIoAlignment(Path.of(path));
        } catch (IoUringException e) {
            return AlignedBuffer.DEFAULT_DIRECT_IO_ALIGNMENT;
        }
    }

    /** The ring actor's behavior; spawn it on the dispatcher named by {@link RingSettings#dispatcher()}. */
    public static Behavior<RingCommand> create(RingSettings settings) {
        return Behaviors.<Object>setup(context -> startOrRefuse(context, settings, null, null)).narrow();
    }

    /** A ring actor that opens {@code path} at start and serves it as {@link FileHandle#BOUND}. */
    public static Behavior<RingCommand> createForFile(RingSettings settings, String path, OpenOptions options) {
        return Behaviors.<Object>setup(context -> startOrRefuse(context, settings, path, options)).narrow();
    }

    /**
     * The ring actor or, when its ring cannot start (io_uring unavailable, a missing root directory, ...),
     * an actor that answers every request with a {@link RingStoppedException} caused by the reason, so
     * that callers see why rather than a bare "not running".
     */
    private static Behavior<Object> startOrRefuse(ActorContext<Object> context, RingSettings settings,
                                                  String path, OpenOptions options) {
        // Requests that reach this ring after it stopped become dead letters here, on its node: answer them.
        DeadLetterGuard.install(context.getSystem());
        try {
            return new RingBehavior(context, settings, path, options);
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
                .onMessageEquals(Reaper.Signal.REAP, this::onReap)
                .onMessage(RingCommand.class, this::onRequest)
                .onMessage(LocalRequest.class, this::onRequest)
                .onMessage(RemoteBlockRequest.class, this::onRequest)
                .onMessage(RemoteShutdown.class, this::onRemoteShutdown)
                .onMessage(Reaper.Failed.class, failed -> fail(failed.cause()))
                .onMessageEquals(Signal.STOP_TIMEOUT, this::onStopTimeout)
                .onMessageEquals(Signal.TRIM, this::onTrim)
                .onSignal(PostStop.class, signal -> onPostStop())
                .build();
    }

    // ---------------------------------------------------------------- intake

    /**
     * A {@link RingCommand}, a {@link LocalRequest} wrapping one, or a {@link RemoteBlockRequest}. Whatever
     * its fields hold, it is answered (if it names where to) and the ring keeps serving; only a failure of
     * the ring itself stops the actor.
     */
    private Behavior<Object> onRequest(Object request) {
        try {
            if (++requestsSincePump >= REAP_EVERY && inFlight > 0) {
                reapBetweenRequests();
            }
            return admit(request);
        } catch (IoUringException e) {
            return fail(e);
        } catch (RuntimeException e) {
            refuseMalformed(request, e);
            return this;
        }
    }

    private Behavior<Object> admit(Object request) {
        final RingCommand command = commandOf(request);
        if (!Replies.canAnswer(request)) {
            getContext().getLog().warn("Dropped a request that names no one to reply to: {}", request);
            return this;
        }
        if (command instanceof GetStats) {
            ((GetStats) command).replyTo().tell(stats());
            return this;
        }
        if (command instanceof Shutdown) {
            return onShutdown((Shutdown) command);
        }
        if (stopping) {
            Replies.fail(request, new RingStoppedException("the ring actor is stopping"));
            return this;
        }
        final long memory = memoryOf(request);
        if (!pool.canEverFit(memory)) {
            Replies.fail(request, new InvalidRequestException("the request needs " + memory + " bytes of native memory,"
                    + " more than max-native-memory=" + pool.limit() + " (buffers are rounded up to a power of two)"));
            return this;
        }
        if (freeCount == 0 || !queue.isEmpty() || !pool.fits(memory)) {
            // A close only gives resources back: refusing it would leak the descriptor, so it always queues
            // (the queue then holds at most one close per open file beyond max-queued).
            if (queue.size() < settings.maxQueued() || command instanceof Close) {
                queue.addLast(request);
            } else {
                rejected++;
                Replies.fail(request, new RingOverloadedException("ring actor overloaded: " + inFlight
                        + " ops in flight, " + queue.size() + " queued (max-queued=" + settings.maxQueued()
                        + "), " + (pool.held() - pool.idle()) + " bytes of max-native-memory="
                        + pool.limit() + " in use"));
            }
            return this;
        }
        start(request);
        scheduleFlush();
        return this;
    }

    /** A request's fields failed in a way the checks did not foresee (a bug): answer it, keep serving. */
    private void refuseMalformed(Object request, RuntimeException e) {
        getContext().getLog().warn("Refused malformed request {}: {}", request, e.toString());
        try {
            Replies.fail(request, new InvalidRequestException("malformed request " + request + ": " + e));
        } catch (RuntimeException ignored) {
            // its reply address itself is unusable: nothing more to do for it
        }
    }

    /**
     * The pool memory a request will hold, for admission. A request too large for its checks gets 0: it is
     * refused before it allocates anything.
     */
    private long memoryOf(Object request) {
        final long bytes = RequestMemory.of(request);
        return bytes > settings.maxIoSize() + RequestMemory.VECTOR_OVERHEAD ? 0 : bytes;
    }

    /** A Shutdown that crossed the wire: obeyed only if {@code allow-remote-shutdown} says so. */
    private Behavior<Object> onRemoteShutdown(RemoteShutdown shutdown) {
        if (shutdown.replyTo() == null) {
            getContext().getLog().warn("Dropped a Shutdown from another node that names no one to reply to");
            return this;
        }
        if (settings.allowRemoteShutdown()) {
            return onShutdown(new Shutdown(shutdown.replyTo()));
        }
        getContext().getLog().warn("Refused a Shutdown from another node ({}); set"
                + " io-uring-actor.ring.allow-remote-shutdown = on to allow it", shutdown.replyTo().path().address());
        shutdown.replyTo().tell(StatusReply.error(new InvalidRequestException("a Shutdown from another node is"
                + " refused: the ring's node must set io-uring-actor.ring.allow-remote-shutdown = on")));
        return this;
    }

    /** Takes a slot, checks the request and writes its SQE(s); a refused request frees the slot at once. */
    private void start(Object request) {
        final Op op = ops[freeSlots[--freeCount]];
        final String refusal;
        op.future = futureOf(request);
        try {
            ensureSqSpace(MAX_SQES_PER_OP);
            refusal = request instanceof RemoteBlockRequest ? prepareRemoteBlock(op, (RemoteBlockRequest) request)
                    : prepare(op, commandOf(request));
        } catch (RingOverloadedException e) {
            releaseSlot(op);
            rejected++;
            Replies.fail(request, e);
            return;
        } catch (OutOfMemoryError e) {
            // Direct memory ran out below our budget (other users of -XX:MaxDirectMemorySize): refuse this one.
            releaseSlot(op);
            rejected++;
            Replies.fail(request, new RingOverloadedException("no direct memory for the request (" + e.getMessage()
                    + "); lower io-uring-actor.ring.max-native-memory or raise -XX:MaxDirectMemorySize"));
            return;
        } catch (IoUringException e) {
            releaseSlot(op);
            Replies.fail(request, new RingStoppedException("the ring failed: " + e.getMessage(), e));
            throw e;
        } catch (RuntimeException e) {
            releaseSlot(op);
            refuseMalformed(request, e);
            return;
        }
        if (refusal != null) {
            releaseSlot(op);
            Replies.fail(request, new InvalidRequestException(refusal));
            return;
        }
        if (++inFlight > inFlightMax) {
            inFlightMax = inFlight;
        }
    }

    /** Starts {@code op} of {@code kind} on the open file at table index {@code file}, counted in its ops. */
    private void beginOn(Op op, byte kind, RingCommand command, int file) {
        op.begin(kind, command, files.fd(file));
        op.file = file;
        files.retain(file);
    }

    /** A buffer of at least {@code size} bytes from the pool for {@code op}; admission made sure it fits. */
    private AlignedBuffer pooled(Op op, int size) {
        return op.usePooled(pool.acquire(size));
    }

    /**
     * A block request from another node: its buffer comes from the pool now, at admission, never at
     * decoding. A read's buffer leaves with the reply; a write's goes back to the pool and the reply carries
     * no bytes (the asker has them).
     */
    private String prepareRemoteBlock(Op op, RemoteBlockRequest r) {
        if (r.alignment() <= 0 || Integer.bitCount(r.alignment()) != 1 || r.alignment() > NativeBufferPool.ALIGNMENT) {
            return "a block request from another node needs a power-of-two alignment up to "
                    + NativeBufferPool.ALIGNMENT + ", got " + r.alignment();
        }
        if (r.write() ? r.data() == null || r.data().size() != r.capacity() : r.data() != null) {
            return "malformed block request from another node: capacity=" + r.capacity() + ", data="
                    + (r.data() == null ? "none" : r.data().size() + " bytes");
        }
        final int file = files.indexOf(r.file());
        final String refusal = checkIo(file, r.file(), r.offset(), r.capacity());
        if (refusal != null) {
            return refusal;
        }
        final AlignedBuffer buffer = pooled(op, r.capacity());
        final RingCommand command;
        if (r.write()) {
            final ByteBuffer bytes = buffer.byteBuffer();
            bytes.clear();
            r.data().copyToBuffer(bytes);
            command = new WriteBlock(r.file(), r.offset(), buffer, r.timeout(), r.replyTo());
        } else {
            command = new ReadBlock(r.file(), r.offset(), buffer, r.timeout(), r.replyTo());
        }
        beginOn(op, r.write() ? Op.WRITE_BLOCK : Op.READ_BLOCK, command, file);
        op.remote = true;
        return submitIo(op, r.offset(), r.capacity(), r.write() ? IORING_OP_WRITE : IORING_OP_READ,
                buffer.address(), r.timeout());
    }

    /** Writes the SQEs of {@code command} into slot {@code op}, or returns why the request is refused. */
    private String prepare(Op op, RingCommand command) {
        if (command instanceof Read) {
            final Read r = (Read) command;
            final int file = files.indexOf(r.file());
            final String refusal = checkIo(file, r.file(), r.offset(), r.length());
            if (refusal != null) {
                return refusal;
            }
            beginOn(op, Op.READ, command, file);
            final AlignedBuffer buffer = pooled(op, r.length());
            return submitIo(op, r.offset(), r.length(), IORING_OP_READ, buffer.address(), r.timeout());
        }
        if (command instanceof Write) {
            final Write w = (Write) command;
            final int file = files.indexOf(w.file());
            final int length = w.data() == null ? -1 : w.data().size();
            final String refusal = checkIo(file, w.file(), w.offset(), length);
            if (refusal != null) {
                return refusal;
            }
            beginOn(op, Op.WRITE, command, file);
            final AlignedBuffer buffer = pooled(op, length);
            final ByteBuffer bytes = buffer.byteBuffer();
            bytes.clear();
            w.data().copyToBuffer(bytes);
            return submitIo(op, w.offset(), length, IORING_OP_WRITE, buffer.address(), w.timeout());
        }
        if (command instanceof ReadBlock) {
            final ReadBlock r = (ReadBlock) command;
            final int file = files.indexOf(r.file());
            final String refusal = checkBlock(file, r.file(), r.offset(), r.buffer());
            if (refusal != null) {
                return refusal;
            }
            beginOn(op, Op.READ_BLOCK, command, file);
            op.borrow(r.buffer());
            return submitIo(op, r.offset(), r.buffer().capacity(), IORING_OP_READ, r.buffer().address(), r.timeout());
        }
        if (command instanceof WriteBlock) {
            final WriteBlock w = (WriteBlock) command;
            final int file = files.indexOf(w.file());
            final String refusal = checkBlock(file, w.file(), w.offset(), w.buffer());
            if (refusal != null) {
                return refusal;
            }
            beginOn(op, Op.WRITE_BLOCK, command, file);
            op.borrow(w.buffer());
            return submitIo(op, w.offset(), w.buffer().capacity(), IORING_OP_WRITE, w.buffer().address(), w.timeout());
        }
        if (command instanceof ReadV) {
            final ReadV r = (ReadV) command;
            return prepareVectored(op, Op.READV, command, r.file(), r.offset(), r.lengths(), null, r.timeout());
        }
        if (command instanceof WriteV) {
            final WriteV w = (WriteV) command;
            if (w.data() == null || containsNull(w.data())) {
                return "writev needs buffers, got " + w.data();
            }
            final List<Integer> lengths = new ArrayList<>(w.data().size());
            for (ByteString b : w.data()) {
                lengths.add(b.size());
            }
            return prepareVectored(op, Op.WRITEV, command, w.file(), w.offset(), lengths, w.data(), w.timeout());
        }
        if (command instanceof Open) {
            final Open o = (Open) command;
            if (o.path() == null || o.path().isEmpty() || o.options() == null) {
                return "open needs a path and options, got path=" + o.path() + ", options=" + o.options();
            }
            if (o.path().indexOf('\0') >= 0) {
                return "a path must not contain NUL: " + o.path();
            }
            ensureSqSpace(1);
            if (rootFd >= 0) {
                return prepareOpenBeneathRoot(op, o);
            }
            op.begin(Op.OPEN, command, AT_FDCWD);
            op.borrow(AlignedBuffer.cString(o.path()));
            prep(sq.prepOpenat(AT_FDCWD, op.data.address(), o.options().toFlags(), FILE_MODE,
                    UserData.op(op.slot, op.generation)));
            return null;
        }
        if (command instanceof Close) {
            final Close c = (Close) command;
            final int file = files.indexOf(c.file());
            if (file < 0) {
                return unknownHandle(c.file());
            }
            op.begin(Op.CLOSE, command, files.fd(file));
            if (files.busy(file)) {
                // Ops on the file are in flight (a short write may still continue): close after the last one,
                // or the descriptor number could be reused by another file before they finish.
                files.closeWhenIdle(file, op);
            } else {
                files.remove(file);
                prep(sq.prepClose(op.fd, UserData.op(op.slot, op.generation)));
            }
            return null;
        }
        if (command instanceof Trim) {
            final Trim t = (Trim) command;
            final int file = files.indexOf(t.file());
            if (file < 0) {
                return unknownHandle(t.file());
            }
            if (t.offset() < 0 || t.length() <= 0) {
                return "trim needs offset >= 0 and length > 0, got offset=" + t.offset() + ", length=" + t.length();
            }
            beginOn(op, Op.TRIM, command, file);
            op.offset = t.offset();
            prep(sq.prepFallocate(op.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, t.offset(), t.length(),
                    UserData.op(op.slot, op.generation)));
            return null;
        }
        if (command instanceof Fsync) {
            final Fsync f = (Fsync) command;
            final int file = files.indexOf(f.file());
            if (file < 0) {
                return unknownHandle(f.file());
            }
            beginOn(op, Op.FSYNC, command, file);
            prep(sq.prepFsync(op.fd, f.dataOnly() ? IORING_FSYNC_DATASYNC : 0, UserData.op(op.slot, op.generation)));
            return null;
        }
        if (command instanceof Stat) {
            final Stat s = (Stat) command;
            final int file = files.indexOf(s.file());
            if (file < 0) {
                return unknownHandle(s.file());
            }
            beginOn(op, Op.STAT, command, file);
            prep(sq.prepStatx(op.fd, emptyPath.address(), AT_EMPTY_PATH, Statx.DEFAULT_MASK,
                    pooled(op, Statx.BUFFER_SIZE).address(), UserData.op(op.slot, op.generation)));
            return null;
        }
        throw new IllegalArgumentException("unhandled command " + command);
    }

    /**
     * {@code openat2(rootFd, path, {flags, mode, RESOLVE_BENEATH})}: the kernel refuses, with EXDEV, an
     * absolute path and any {@code ..} or symlink that would resolve outside the root. One buffer holds the
     * {@code open_how} and, after it, the path; it stays referenced by the slot until the open completes.
     */
    private String prepareOpenBeneathRoot(Op op, Open open) {
        final byte[] path = open.path().getBytes(StandardCharsets.UTF_8);
        final int flags = open.options().toFlags();
        final AlignedBuffer how = AlignedBuffer.allocate(OPEN_HOW_SIZE + path.length + 1, Long.BYTES);
        final ByteBuffer b = how.byteBuffer();
        b.putLong(0, flags & 0xFFFFFFFFL);
        // openat2 refuses a mode without O_CREAT
        b.putLong(Long.BYTES, (flags & O_CREAT) != 0 ? FILE_MODE : 0);
        b.putLong(2 * Long.BYTES, resolveFlags);
        b.put(OPEN_HOW_SIZE, path); // the NUL after it is already there: the memory starts zeroed
        op.begin(Op.OPEN, open, rootFd);
        op.borrow(how);
        prep(sq.prepOpenat2(rootFd, how.address(OPEN_HOW_SIZE), how.address(), UserData.op(op.slot, op.generation)));
        return null;
    }

    private String prepareVectored(Op op, byte kind, RingCommand command, FileHandle handle, long offset,
                                   List<Integer> lengths, List<ByteString> data, Duration timeout) {
        final int file = files.indexOf(handle);
        if (lengths == null || lengths.isEmpty() || lengths.size() > IOV_MAX || containsNull(lengths)) {
            return "vectored IO needs 1 to " + IOV_MAX + " buffers, got " + lengths;
        }
        long total = 0;
        for (int length : lengths) {
            if (length < 0) {
                return "buffer lengths must not be negative, got " + lengths;
            }
            total += length;
        }
        final String refusal = checkIo(file, handle, offset, total);
        if (refusal != null) {
            return refusal;
        }
        beginOn(op, kind, command, file);
        // Data and iovecs share the slot's scratch: the data first, the iovec array after it, 16-aligned.
        final int dataBytes = (int) total;
        final int iovecsAt = (dataBytes + 15) & ~15;
        final AlignedBuffer scratch = pooled(op, iovecsAt + lengths.size() * IOVEC_SIZE);
        final ByteBuffer b = scratch.byteBuffer();
        int at = 0;
        for (int i = 0; i < lengths.size(); i++) {
            final int length = lengths.get(i);
            if (data != null) {
                b.clear().position(at);
                data.get(i).copyToBuffer(b);
            }
            b.putLong(iovecsAt + i * IOVEC_SIZE, scratch.address() + at);
            b.putLong(iovecsAt + i * IOVEC_SIZE + Long.BYTES, length);
            at += length;
        }
        final byte opcode = kind == Op.READV ? IORING_OP_READV : IORING_OP_WRITEV;
        op.offset = offset;
        op.length = dataBytes;
        return prepareIo(op, opcode, scratch.address() + iovecsAt, lengths.size(), offset, timeout);
    }

    private String submitIo(Op op, long offset, int length, byte opcode, long address, Duration timeout) {
        op.offset = offset;
        op.length = length;
        return prepareIo(op, opcode, address, length, offset, timeout);
    }

    /** The op's SQE, and a linked timeout when one applies; or why the request is refused. */
    private String prepareIo(Op op, byte opcode, long address, int len, long offset, Duration timeout) {
        final Duration limit = timeout != null ? timeout : settings.opTimeout();
        if (limit != null && (limit.isNegative() || limit.isZero())) {
            return "a timeout must be positive, got " + limit;
        }
        prep(sq.prep(opcode, 0, op.fd, offset, address, len, 0, UserData.op(op.slot, op.generation), 0, 0));
        if (limit != null) {
            final long nanos = limit.toNanos();
            op.deadline = System.nanoTime() + nanos;
            linkTimeout(op, nanos);
        }
        return null;
    }

    /** Links a timeout of {@code nanos} to the SQE just prepared: the op then has two CQEs. */
    private void linkTimeout(Op op, long nanos) {
        sq.setLastFlags(IOSQE_IO_LINK);
        final int at = op.slot * TIMESPEC_SIZE;
        timespecs.byteBuffer().putLong(at, nanos / 1_000_000_000L);
        timespecs.byteBuffer().putLong(at + Long.BYTES, nanos % 1_000_000_000L);
        prep(sq.prepLinkTimeout(timespecs.address(at), 0, UserData.linkTimeout(op.slot, op.generation)));
        op.pendingCqes = 2;
    }

    private String checkIo(int file, FileHandle handle, long offset, long length) {
        if (file < 0) {
            return unknownHandle(handle);
        }
        if (offset < 0 || length < 0) {
            return "offset and length must not be negative, got offset=" + offset + ", length=" + length;
        }
        if (length > settings.maxIoSize()) {
            return "length=" + length + " is over max-io-size=" + settings.maxIoSize();
        }
        final int alignment = files.directIoAlignment(file);
        if (alignment > 0 && (offset % alignment != 0 || length % alignment != 0)) {
            return "O_DIRECT file " + files.path(file) + " needs offset and length aligned to " + alignment
                    + ", got offset=" + offset + ", length=" + length;
        }
        return null;
    }

    private String checkBlock(int file, FileHandle handle, long offset, AlignedBuffer buffer) {
        if (buffer == null) {
            return "a block op needs a buffer";
        }
        final String refusal = checkIo(file, handle, offset, buffer.capacity());
        if (refusal != null) {
            return refusal;
        }
        final int alignment = files.directIoAlignment(file);
        if (alignment > 0 && (buffer.address() & (alignment - 1)) != 0) {
            return "O_DIRECT file " + files.path(file) + " needs a buffer aligned to " + alignment + ", got " + buffer;
        }
        return null;
    }

    private static boolean containsNull(List<?> list) {
        for (Object o : list) {
            if (o == null) {
                return true;
            }
        }
        return false;
    }

    private static String unknownHandle(FileHandle handle) {
        return "unknown or closed file handle " + handle;
    }

    // ---------------------------------------------------------------- submission

    /**
     * Makes room for {@code sqes} SQEs by submitting what is prepared. The kernel keeps SQEs back only on a
     * transient EAGAIN/EBUSY ({@link IoUring#submit} then returns without taking them; the CQ is sized so
     * that it never overflows): retry a few times, then refuse the one request that needed the room, never
     * the ring. No reaping here: this also runs inside a completion callback.
     */
    private void ensureSqSpace(int sqes) {
        for (int attempt = 0; sq.space() < sqes; attempt++) {
            if (attempt == SUBMIT_ATTEMPTS) {
                throw new RingOverloadedException("the kernel accepts no submissions right now (io_uring_enter:"
                        + " EAGAIN/EBUSY, " + sq.pending() + " SQEs waiting)");
            }
            submitBatch();
        }
    }

    private static void prep(boolean prepared) {
        if (!prepared) {
            throw new IllegalStateException("SQ full after its space was checked");
        }
    }

    private void submitBatch() {
        countBatch(ring.submit());
    }

    private void countBatch(int sqes) {
        if (sqes > 0) {
            submitted += sqes;
            batches++;
            if (sqes > maxBatch) {
                maxBatch = sqes;
            }
        }
    }

    /**
     * A long run of requests keeps the FLUSH far back in the mailbox: submit what they prepared and answer
     * what completed meanwhile now (one non-blocking enter, which also runs deferred completion work),
     * so a completion never waits for a whole flood of requests queued behind it.
     */
    private void reapBetweenRequests() {
        requestsSincePump = 0;
        if (mailbox != null) {
            if (sq.pending() > 0) {
                countBatch(ring.submit()); // with DEFER_TASKRUN, submitting also posts deferred completions
            } else if ((ring.setupFlags() & IORING_SETUP_DEFER_TASKRUN) != 0) {
                ring.processCompletions();
            }
            reapAndRefill();
        } else {
            pumpOnce();
        }
    }

    private Behavior<Object> onFlush() {
        flushScheduled = false;
        return pump();
    }

    private Behavior<Object> onReap() {
        return pump();
    }

    /**
     * Submits what is prepared, reaps what is complete, starts queued requests on the freed slots, and
     * repeats while that makes progress; then arms the reaper if ops remain in flight.
     */
    private Behavior<Object> pump() {
        requestsSincePump = 0;
        try {
            if (mailbox != null) {
                // Reap and refill without submitting: the batch goes in with the wait's io_uring_enter, one
                // syscall for both; what completes inside it (cached reads) ends the wait at once.
                do {
                    reapAndRefill();
                } while (inFlight > 0 && waitInRing());
            } else {
                pumpOnce();
                if (inFlight > 0) {
                    reaper.arm();
                }
            }
        } catch (IoUringException e) {
            return fail(e);
        }
        if (stopping && inFlight == 0) {
            return finishStop();
        }
        if (inFlight == 0 && queue.isEmpty() && pool.idle() > KEEP_WHEN_IDLE && !trimScheduled) {
            scheduleTrim();
        }
        return this;
    }

    /**
     * After a burst the pool keeps its free buffers for the next one; if the ring stays idle they are
     * dropped down to {@link #KEEP_WHEN_IDLE}. One timer per burst, none while idle.
     */
    private void scheduleTrim() {
        trimScheduled = true;
        // Not context.scheduleOnce, for the same reason as the stop timeout (see onShutdown).
        final ActorRef<Object> self = getContext().getSelf();
        getContext().getSystem().scheduler().scheduleOnce(TRIM_AFTER, () -> self.tell(Signal.TRIM),
                getContext().getSystem().executionContext());
    }

    private Behavior<Object> onTrim() {
        trimScheduled = false;
        if (inFlight == 0 && queue.isEmpty()) {
            pool.dropIdleUntil(KEEP_WHEN_IDLE);
        }
        return this;
    }

    /**
     * Submits what is prepared and sleeps in that same {@code io_uring_enter} until a completion or a
     * message arrives. Returns {@code false} when messages wait instead (after submitting); a FLUSH then
     * brings the actor back here once it has read them.
     */
    private boolean waitInRing() {
        boolean armedNow = false;
        if (!wakeUpArmed) {
            ensureSqSpace(1);
            prep(sq.prepRead(wakeUp.fd(), wakeUpValue.address(), Long.BYTES, 0, UserData.WAKE_UP));
            wakeUpArmed = true;
            armedNow = true;
        }
        if (!mailbox.beginWait()) {
            if (sq.pending() > 0) {
                final int n = ring.submit();
                countBatch(n - (armedNow && n > 0 ? 1 : 0)); // the wake-up read is no request
                ring.cq().drain(this); // what completed inside the submit is answered now, not after the mail
            }
            scheduleFlush();
            return false;
        }
        final int submittedNow;
        try {
            submittedNow = ring.submitAndWait(1, MAX_SLEEP_NANOS);
        } finally {
            mailbox.endWait();
        }
        countBatch(submittedNow - (armedNow && submittedNow > 0 ? 1 : 0));
        if (ring.cq().ready() == 0) {
            // The bounded sleep ran out: let Pekko deliver system messages (a stop, a watch), which do not
            // pass through the mailbox's queue and so cannot wake us; FLUSH brings us back.
            scheduleFlush();
            return false;
        }
        return true;
    }

    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            getContext().getSelf().tell(Signal.FLUSH);
        }
    }

    /** Reaps and starts queued requests on the freed slots while that makes progress; submits nothing. */
    private void reapAndRefill() {
        while (true) {
            final int reaped = ring.cq().drain(this);
            if (reaped == 0 && !refill()) {
                return;
            }
        }
    }

    /** Submits, reaps, refills from the queue, and repeats while that makes progress (reaper mode). */
    private void pumpOnce() {
        while (true) {
            if (sq.pending() > 0) {
                submitBatch();
            }
            final int reaped = ring.cq().drain(this);
            final boolean started = refill();
            if (reaped == 0 && !started && sq.pending() == 0) {
                return;
            }
        }
    }

    /** Starts queued requests on free slots; whether any started. */
    private boolean refill() {
        boolean started = false;
        while (freeCount > 0 && !queue.isEmpty() && !stopping && pool.fits(memoryOf(queue.peekFirst()))) {
            start(queue.pollFirst());
            started = true;
        }
        return started;
    }

    // ---------------------------------------------------------------- completion

    @Override
    public void onCompletion(long userData, int res, int flags) {
        if (UserData.isHousekeeping(userData)) {
            if (userData == UserData.WAKE_UP) {
                wakeUpArmed = false;
            }
            return;
        }
        final int slot = UserData.slot(userData);
        final Op op = slot < ops.length ? ops[slot] : null;
        if (op == null || op.generation != UserData.generation(userData) || op.pendingCqes == 0) {
            getContext().getLog().error("Completion for no in-flight op: user_data={}, res={}", userData, res);
            return;
        }
        if (UserData.isLinkTimeout(userData)) {
            op.timedOut |= res == -Errno.ETIME;
        } else {
            op.result = res;
        }
        if (--op.pendingCqes == 0) {
            try {
                complete(op);
            } catch (RingOverloadedException | OutOfMemoryError e) {
                // A continuation the kernel would not take, or no memory for the reply: answer the op anyway.
                finishIfOpen(op, new RingOverloadedException(describe(op) + " could not be completed: " + e.getMessage()));
            } catch (IoUringException e) {
                finishIfOpen(op, new RingStoppedException("the ring failed: " + e.getMessage(), e));
                throw e;
            } catch (RuntimeException e) {
                getContext().getLog().error("Failed to complete {}", describe(op), e);
                finishIfOpen(op, new IoUringException(describe(op) + " completed, but its reply failed: " + e));
            }
        }
    }

    /** Answers {@code op} with {@code error} unless it was answered, or continued, before the failure. */
    private void finishIfOpen(Op op, IoUringException error) {
        if (op.busy() && op.pendingCqes == 0) {
            finish(op, null, error);
        }
    }

    private void complete(Op op) {
        final int res = op.result;
        if (res < 0) {
            finish(op, null, failure(op, res));
            return;
        }
        switch (op.kind) {
            case Op.READ: {
                final byte[] bytes = new byte[res];
                op.data.byteBuffer().get(0, bytes);
                finish(op, ByteString.fromArrayUnsafe(bytes), null);
                return;
            }
            case Op.WRITE:
            case Op.WRITEV:
            case Op.WRITE_BLOCK:
                op.done += res;
                if (op.done < op.length && op.timedOut) {
                    finish(op, null, new RingTimeoutException(describe(op) + " timed out after "
                            + timeoutOf(op.command) + " with " + op.done + " bytes written"));
                    return;
                }
                if (op.done < op.length) {
                    if (res == 0) {
                        finish(op, null, new ErrnoException(describe(op) + " made no progress after "
                                + op.done + " bytes", Errno.EIO));
                    } else {
                        resubmitRest(op);
                    }
                    return;
                }
                if (op.kind != Op.WRITE_BLOCK) {
                    finish(op, op.done, null);
                } else {
                    // A remote asker has the bytes already: its reply carries none, and the buffer stays ours.
                    finish(op, new BlockIo(op.remote ? null : op.data, op.done), null);
                }
                return;
            case Op.READ_BLOCK:
                finish(op, new BlockIo(op.remote ? handOut(op) : op.data, res), null);
                return;
            case Op.READV:
                finish(op, splitRead(op, res), null);
                return;
            case Op.OPEN:
                finish(op, registerOpened(op, res), null);
                return;
            case Op.CLOSE:
            case Op.TRIM:
            case Op.FSYNC:
                finish(op, Done.getInstance(), null);
                return;
            case Op.STAT:
                finish(op, Statx.decode(op.data.byteBuffer(), 0), null);
                return;
            default:
                throw new IllegalStateException("unknown op kind " + op.kind);
        }
    }

    /**
     * A short write: the kernel took part of the data; write the rest, with the same slot and generation,
     * and with what is left of the op's timeout. The file stays open meanwhile (a close waits for it).
     */
    private void resubmitRest(Op op) {
        long remaining = 0;
        if (op.deadline != 0) {
            remaining = op.deadline - System.nanoTime();
            if (remaining <= 0) {
                finish(op, null, new RingTimeoutException(describe(op) + " timed out after " + timeoutOf(op.command)
                        + " with " + op.done + " bytes written"));
                return;
            }
        }
        ensureSqSpace(op.deadline != 0 ? 2 : 1);
        op.pendingCqes = 1;
        prep(sq.prepWrite(op.fd, op.dataAddress(), op.length - op.done, op.offset + op.done,
                UserData.op(op.slot, op.generation)));
        if (op.deadline != 0) {
            linkTimeout(op, remaining);
        }
    }

    /** Takes the op's pooled buffer out of the pool's books: it leaves with the reply and is never reused. */
    private AlignedBuffer handOut(Op op) {
        final AlignedBuffer buffer = op.data;
        if (op.pooled) {
            pool.forget(buffer);
            op.pooled = false;
        }
        return buffer;
    }

    private List<ByteString> splitRead(Op op, int res) {
        final List<Integer> lengths = ((ReadV) op.command).lengths();
        final List<ByteString> parts = new ArrayList<>(lengths.size());
        final ByteBuffer b = op.data.byteBuffer();
        int at = 0;
        for (int length : lengths) {
            final int n = Math.max(0, Math.min(length, res - at));
            final byte[] bytes = new byte[n];
            b.get(at, bytes);
            parts.add(ByteString.fromArrayUnsafe(bytes));
            at += length;
        }
        return ByteStringList.of(parts);
    }

    private FileHandle registerOpened(Op op, int fd) {
        final Open open = (Open) op.command;
        final String where = root == null ? open.path() : root.resolve(open.path()).toString();
        return files.add(fd, open.path(), open.options().direct() ? directIoAlignment(where) : 0);
    }

    private IoUringException failure(Op op, int res) {
        if (abortCause != null && res == -Errno.ECANCELED && !op.timedOut) {
            return new RingStoppedException(abortCause.getMessage() + "; cancelled " + describe(op), abortCause);
        }
        if (op.timedOut && res == -Errno.ECANCELED) {
            final Duration limit = timeoutOf(op.command);
            return new RingTimeoutException(describe(op) + " timed out after " + limit + " and was cancelled");
        }
        if (op.kind == Op.OPEN && root != null && res == -Errno.EXDEV) {
            return new ErrnoException(describe(op) + (settings.resolveNoXdev()
                    ? " (the path escapes the root directory or crosses a mount point: resolve-no-xdev)"
                    : " (the path escapes the root directory)"), res);
        }
        if (op.kind == Op.OPEN && root != null && res == -Errno.ELOOP && settings.resolveNoSymlinks()) {
            return new ErrnoException(describe(op) + " (symlinks are refused beneath the root: resolve-no-symlinks)", res);
        }
        return new ErrnoException(describe(op), res);
    }

    private Duration timeoutOf(RingCommand command) {
        Duration d = null;
        if (command instanceof Read) {
            d = ((Read) command).timeout();
        } else if (command instanceof Write) {
            d = ((Write) command).timeout();
        } else if (command instanceof ReadBlock) {
            d = ((ReadBlock) command).timeout();
        } else if (command instanceof WriteBlock) {
            d = ((WriteBlock) command).timeout();
        } else if (command instanceof ReadV) {
            d = ((ReadV) command).timeout();
        } else if (command instanceof WriteV) {
            d = ((WriteV) command).timeout();
        }
        return d != null ? d : settings.opTimeout();
    }

    /** Names the op for messages, e.g. {@code read(/data/f, offset=4096, length=512)}. Only on error paths. */
    private String describe(Op op) {
        final RingCommand c = op.command;
        if (c instanceof Open) {
            return root == null ? "openat(" + ((Open) c).path() + ", " + ((Open) c).options() + ")"
                    : "openat2(" + ((Open) c).path() + ", " + ((Open) c).options() + ") beneath root-directory " + root;
        }
        final String name;
        switch (op.kind) {
            case Op.READ: name = "read"; break;
            case Op.WRITE: name = "write"; break;
            case Op.READ_BLOCK: name = "read_block"; break;
            case Op.WRITE_BLOCK: name = "write_block"; break;
            case Op.READV: name = "readv"; break;
            case Op.WRITEV: name = "writev"; break;
            case Op.CLOSE: name = "close"; break;
            case Op.TRIM: name = "fallocate(punch hole)"; break;
            case Op.FSYNC: name = ((Fsync) c).dataOnly() ? "fdatasync" : "fsync"; break;
            case Op.STAT: name = "statx"; break;
            default: name = "op " + op.kind;
        }
        final String path = files.pathOfFd(op.fd);
        return name + "(" + (path != null ? path + ", " : "") + "fd=" + op.fd + ", offset=" + op.offset + ", length="
                + op.length + ")";
    }

    /** Answers the op's request with {@code value}, or with {@code error} when it is not null; frees the slot. */
    private void finish(Op op, Object value, IoUringException error) {
        final RingCommand command = op.command;
        final CompletableFuture<Object> future = op.future;
        releaseSlot(op);
        inFlight--;
        completed++;
        reply(command, future, value, error);
    }

    private static void reply(RingCommand command, CompletableFuture<Object> future, Object value, IoUringException error) {
        if (future != null) {
            if (error == null) {
                future.complete(value);
            } else {
                future.completeExceptionally(error);
            }
        } else {
            Replies.tell(command.replyTo(), error == null ? StatusReply.success(value) : StatusReply.error(error));
        }
    }

    /** The command of a request, or {@code null} for a {@link RemoteBlockRequest}. */
    private static RingCommand commandOf(Object request) {
        if (request instanceof LocalRequest) {
            return ((LocalRequest) request).command();
        }
        return request instanceof RingCommand ? (RingCommand) request : null;
    }

    private static CompletableFuture<Object> futureOf(Object request) {
        return request instanceof LocalRequest ? ((LocalRequest) request).reply() : null;
    }

    /**
     * Frees the op's slot and gives its pooled buffer back; the last op on a file that is waiting to be
     * closed lets the close go in.
     */
    private void releaseSlot(Op op) {
        final int file = op.file;
        final AlignedBuffer buffer = op.end();
        op.file = -1;
        if (buffer != null) {
            pool.release(buffer);
        }
        freeSlots[freeCount++] = op.slot;
        if (file >= 0) {
            final Op close = files.release(file);
            if (close != null) {
                submitClose(close, file);
            }
        }
    }

    /** The close that waited for the file's last op: its descriptor is free of ops now. */
    private void submitClose(Op close, int file) {
        try {
            ensureSqSpace(1);
        } catch (RingOverloadedException e) {
            // The descriptor stays in the table, unreachable (its handle no longer resolves), and is closed
            // when the ring stops; the caller learns that this close did not happen.
            files.closeWhenIdle(file, close);
            finish(close, null, e);
            return;
        }
        files.remove(file);
        prep(sq.prepClose(close.fd, UserData.op(close.slot, close.generation)));
        scheduleFlush();
    }

    private RingStats stats() {
        return new RingStats(submitted, completed, ring.enterCalls(), batches, maxBatch, inFlight, inFlightMax,
                queue.size(), rejected);
    }

    // ---------------------------------------------------------------- stopping

    private Behavior<Object> onShutdown(Shutdown shutdown) {
        shutdownRepliesTo.add(shutdown.replyTo());
        if (!stopping) {
            stopping = true;
            if (registered) {
                // No node should find a ring that refuses everything: leave the listing now, not at stop.
                getContext().getSystem().receptionist().tell(
                        Receptionist.deregister(RingActor.SERVICE_KEY, getContext().getSelf().<RingCommand>narrow()));
            }
            failQueued(new RingStoppedException("the ring actor stopped before this request started"));
            if (inFlight > 0) {
                // Not context.scheduleOnce: that runs the send on this actor's own pinned thread, which a busy
                // or sleeping ring actor does not give up; the system dispatcher sends it, and the mail wakes us.
                final ActorRef<Object> self = getContext().getSelf();
                getContext().getSystem().scheduler().scheduleOnce(settings.stopTimeout(),
                        () -> self.tell(Signal.STOP_TIMEOUT), getContext().getSystem().executionContext());
            }
        }
        return inFlight == 0 ? finishStop() : this;
    }

    private Behavior<Object> onStopTimeout() {
        if (inFlight > 0) {
            abort(new RingStoppedException("the ring actor stopped; the op did not finish within stop-timeout="
                    + settings.stopTimeout()));
        }
        return finishStop();
    }

    /** Nothing in flight any more: close the files and the ring, and answer the stoppers. */
    private Behavior<Object> finishStop() {
        release();
        for (ActorRef<StatusReply<Done>> replyTo : shutdownRepliesTo) {
            replyTo.tell(StatusReply.success(Done.getInstance()));
        }
        return Behaviors.stopped();
    }

    /** The ring failed: answer everything with the cause and stop. */
    private Behavior<Object> fail(Throwable cause) {
        getContext().getLog().error("io_uring ring failed; stopping the ring actor", cause);
        abort(new RingStoppedException("the ring failed: " + cause.getMessage(), cause));
        release();
        return Behaviors.stopped();
    }

    private Behavior<Object> onPostStop() {
        if (!ring.isClosed()) {
            abort(new RingStoppedException("the ring actor was stopped"));
            release();
        }
        return this;
    }

    private void failQueued(IoUringException error) {
        Object queued;
        while ((queued = queue.pollFirst()) != null) {
            Replies.fail(queued, error);
        }
    }

    /**
     * Cancels everything in flight and waits (up to stop-timeout) for the kernel to give each op back; each
     * is answered as it completes. What the kernel still holds then is answered with {@code error} and its
     * memory is kept reachable for good, since the kernel may still write it.
     */
    private void abort(IoUringException error) {
        stopping = true;
        failQueued(error);
        if (ring.isClosed()) {
            return;
        }
        abortCause = error;
        try {
            if (inFlight > 0) {
                ensureSqSpace(1);
                sq.prepCancel(0, IORING_ASYNC_CANCEL_ANY, UserData.CANCEL_ALL);
                submitBatch();
            }
            final long deadline = System.nanoTime() + settings.stopTimeout().toNanos();
            while (inFlight > 0 && System.nanoTime() < deadline) {
                if (sq.pending() > 0) {
                    submitBatch(); // closes that became due as the ops on their files were cancelled
                }
                ring.processCompletions();
                if (ring.cq().drain(this) == 0) {
                    // Shutdown only: a short sleep, not a spin, while the kernel finishes cancelled ops.
                    Thread.sleep(1);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            getContext().getLog().warn("Error while cancelling in-flight ops at stop", e);
        }
        for (Op op : ops) {
            if (op.pendingCqes > 0) {
                // The kernel may still write this memory: never reuse it, keep it alive for good.
                synchronized (QUARANTINE) {
                    QUARANTINE.add(handOut(op));
                }
                finish(op, null, error);
            }
        }
    }

    /** Stops the reaper, closes every file still open and the ring. Idempotent. */
    private void release() {
        if (ring.isClosed()) {
            return;
        }
        try {
            if (reaper != null) {
                reaper.stop();
                // Wake the reaper if it sleeps in io_uring_enter: a NOP completes at once.
                ensureSqSpace(1);
                sq.prepNop(UserData.KICK);
                submitBatch();
                reaper.join(1000);
            }
            int[] fds = files.removeAll();
            if (rootFd >= 0) {
                fds = java.util.Arrays.copyOf(fds, fds.length + 1);
                fds[fds.length - 1] = rootFd;
                rootFd = -1;
            }
            int at = 0;
            while (at < fds.length) {
                int n = 0;
                while (at < fds.length && sq.prepClose(fds[at], UserData.CLOSE_AT_STOP)) {
                    at++;
                    n++;
                }
                ring.submitAndWait(n);
                int reaped = ring.cq().drain(this);
                while (reaped < n) {
                    ring.submitAndWait(1);
                    reaped += ring.cq().drain(this);
                }
            }
        } catch (RuntimeException e) {
            getContext().getLog().warn("Error while closing files at stop", e);
        } finally {
            ring.close();
            if (wakeUp != null) {
                mailbox.wakeUpWith(null);
                wakeUp.close();
            }
        }
    }
}
