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
    private enum Signal { FLUSH, STOP_TIMEOUT }

    /** Memory of the kernel may still write after a stop that timed out: kept reachable for the process' life. */
    private static final List<Object> QUARANTINE = new ArrayList<>();
    private static final int IOV_MAX = 1024;
    private static final int TIMESPEC_SIZE = 16;
    private static final int IOVEC_SIZE = 16;
    private static final int FILE_MODE = 0644;
    /**
     * Longest sleep in {@code io_uring_enter} before the actor looks at its system messages, which
     * cannot wake it; only while ops are in flight, so an idle ring still sleeps for good.
     */
    private static final long MAX_SLEEP_NANOS = 100_000_000L;
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
    private final Op[] ops;
    private final int[] freeSlots;
    private int freeCount;
    /** Requests waiting for a slot: {@link RingCommand}s and {@link LocalRequest}s, in arrival order. */
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    private final OpenFiles files = new OpenFiles();
    /** One {@code __kernel_timespec} per slot, for linked timeouts. */
    private final AlignedBuffer timespecs;
    private final AlignedBuffer emptyPath = AlignedBuffer.cString("");
    private final List<ActorRef<Done>> shutdownRepliesTo = new ArrayList<>();
    /** The root directory every open stays beneath, or {@code null}; {@link #rootFd} is its descriptor. */
    private final Path root;
    private int rootFd = -1;
    private final boolean registered;

    private boolean flushScheduled;
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
        this.ops = new Op[slots];
        this.freeSlots = new int[slots];
        for (int i = slots - 1; i >= 0; i--) {
            ops[i] = new Op(i);
            freeSlots[freeCount++] = i;
        }
        this.timespecs = AlignedBuffer.allocate(slots * TIMESPEC_SIZE, Long.BYTES);
        this.root = settings.rootDirectory() == null ? null : settings.rootDirectory().toAbsolutePath().normalize();
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
        // A ring bound to one file is no general disk service: it never registers.
        this.registered = settings.registerWithReceptionist() && boundPath == null;
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
        return Behaviors.<Object>setup(context -> new RingBehavior(context, settings, null, null)).narrow();
    }

    /** A ring actor that opens {@code path} at start and serves it as {@link FileHandle#BOUND}. */
    public static Behavior<RingCommand> createForFile(RingSettings settings, String path, OpenOptions options) {
        return Behaviors.<Object>setup(context -> new RingBehavior(context, settings, path, options)).narrow();
    }

    @Override
    public Receive<Object> createReceive() {
        return newReceiveBuilder()
                .onMessageEquals(Signal.FLUSH, this::onFlush)
                .onMessageEquals(Reaper.Signal.REAP, this::onReap)
                .onMessage(RingCommand.class, this::onRequest)
                .onMessage(LocalRequest.class, this::onRequest)
                .onMessage(Reaper.Failed.class, failed -> fail(failed.cause()))
                .onMessageEquals(Signal.STOP_TIMEOUT, this::onStopTimeout)
                .onSignal(PostStop.class, signal -> onPostStop())
                .build();
    }

    // ---------------------------------------------------------------- intake

    /** A {@link RingCommand}, or a {@link LocalRequest} wrapping one. */
    private Behavior<Object> onRequest(Object request) {
        final RingCommand command = commandOf(request);
        if (command instanceof GetStats) {
            ((GetStats) command).replyTo().tell(stats());
            return this;
        }
        if (command instanceof Shutdown) {
            return onShutdown((Shutdown) command);
        }
        if (stopping) {
            replyError(request, new RingStoppedException("the ring actor is stopping"));
            return this;
        }
        if (freeCount == 0 || !queue.isEmpty()) {
            if (queue.size() < settings.maxQueued()) {
                queue.addLast(request);
            } else {
                rejected++;
                replyError(request, new RingOverloadedException("ring actor overloaded: " + inFlight
                        + " ops in flight and " + queue.size() + " queued (max-queued=" + settings.maxQueued() + ")"));
            }
            return this;
        }
        try {
            start(request);
        } catch (IoUringException e) {
            return fail(e);
        }
        scheduleFlush();
        return this;
    }

    /** Takes a slot, checks the request and writes its SQE(s); a refused request frees the slot at once. */
    private void start(Object request) {
        final RingCommand command = commandOf(request);
        final Op op = ops[freeSlots[--freeCount]];
        final String refusal;
        op.future = futureOf(request);
        try {
            ensureSqSpace(MAX_SQES_PER_OP);
            refusal = prepare(op, command);
        } catch (IoUringException e) {
            releaseSlot(op);
            replyError(request, new RingStoppedException("the ring failed: " + e.getMessage(), e));
            throw e;
        } catch (RuntimeException e) {
            // A malformed command (a bug in its sender): answer it and keep serving everyone else.
            releaseSlot(op);
            replyError(request, new InvalidRequestException("malformed request " + command + ": " + e));
            getContext().getLog().warn("Refused malformed command {}", command, e);
            return;
        }
        if (refusal != null) {
            releaseSlot(op);
            replyError(request, new InvalidRequestException(refusal));
            return;
        }
        if (++inFlight > inFlightMax) {
            inFlightMax = inFlight;
        }
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
            op.begin(Op.READ, command, files.fd(file));
            final AlignedBuffer buffer = op.buffer(r.length());
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
            op.begin(Op.WRITE, command, files.fd(file));
            final AlignedBuffer buffer = op.buffer(length);
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
            op.begin(Op.READ_BLOCK, command, files.fd(file));
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
            op.begin(Op.WRITE_BLOCK, command, files.fd(file));
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
            op.begin(Op.CLOSE, command, files.remove(file));
            prep(sq.prepClose(op.fd, UserData.op(op.slot, op.generation)));
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
            op.begin(Op.TRIM, command, files.fd(file));
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
            op.begin(Op.FSYNC, command, files.fd(file));
            prep(sq.prepFsync(op.fd, f.dataOnly() ? IORING_FSYNC_DATASYNC : 0, UserData.op(op.slot, op.generation)));
            return null;
        }
        if (command instanceof Stat) {
            final Stat s = (Stat) command;
            final int file = files.indexOf(s.file());
            if (file < 0) {
                return unknownHandle(s.file());
            }
            op.begin(Op.STAT, command, files.fd(file));
            prep(sq.prepStatx(op.fd, emptyPath.address(), AT_EMPTY_PATH, Statx.DEFAULT_MASK,
                    op.buffer(Statx.BUFFER_SIZE).address(), UserData.op(op.slot, op.generation)));
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
        b.putLong(2 * Long.BYTES, RESOLVE_BENEATH);
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
        op.begin(kind, command, files.fd(file));
        // Data and iovecs share the slot's scratch: the data first, the iovec array after it, 16-aligned.
        final int dataBytes = (int) total;
        final int iovecsAt = (dataBytes + 15) & ~15;
        final AlignedBuffer scratch = op.buffer(iovecsAt + lengths.size() * IOVEC_SIZE);
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
        prepareIo(op, opcode, scratch.address() + iovecsAt, lengths.size(), offset, timeout);
        return null;
    }

    private String submitIo(Op op, long offset, int length, byte opcode, long address, Duration timeout) {
        op.offset = offset;
        op.length = length;
        prepareIo(op, opcode, address, length, offset, timeout);
        return null;
    }

    /** The op's SQE, and a linked timeout when one applies. */
    private void prepareIo(Op op, byte opcode, long address, int len, long offset, Duration timeout) {
        final Duration limit = timeout != null ? timeout : settings.opTimeout();
        prep(sq.prep(opcode, 0, op.fd, offset, address, len, 0, UserData.op(op.slot, op.generation), 0, 0));
        if (limit != null) {
            sq.setLastFlags(IOSQE_IO_LINK);
            final int at = op.slot * TIMESPEC_SIZE;
            timespecs.byteBuffer().putLong(at, limit.getSeconds());
            timespecs.byteBuffer().putLong(at + Long.BYTES, limit.getNano());
            prep(sq.prepLinkTimeout(timespecs.address(at), 0, UserData.linkTimeout(op.slot, op.generation)));
            op.pendingCqes = 2;
        }
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

    private void ensureSqSpace(int sqes) {
        if (sq.space() < sqes) {
            submitBatch();
            if (sq.space() < sqes) {
                // Only EAGAIN (the kernel is out of memory) leaves SQEs behind: the CQ cannot overflow here.
                throw new IoUringException("the kernel does not accept submissions (SQ stays full)");
            }
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
        while (freeCount > 0 && !queue.isEmpty() && !stopping) {
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
            complete(op);
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
                if (op.done < op.length) {
                    if (res == 0) {
                        finish(op, null, new ErrnoException(describe(op) + " made no progress after "
                                + op.done + " bytes", Errno.EIO));
                    } else {
                        resubmitRest(op);
                    }
                    return;
                }
                finish(op, op.kind == Op.WRITE_BLOCK ? new BlockIo(op.data, op.done) : (Object) op.done, null);
                return;
            case Op.READ_BLOCK:
                finish(op, new BlockIo(op.data, res), null);
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

    /** A short write: the kernel took part of the data; write the rest, with the same slot and generation. */
    private void resubmitRest(Op op) {
        ensureSqSpace(1);
        op.pendingCqes = 1;
        prep(sq.prepWrite(op.fd, op.dataAddress(), op.length - op.done, op.offset + op.done,
                UserData.op(op.slot, op.generation)));
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
            return new ErrnoException(describe(op) + " (the path escapes the root directory)", res);
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

    @SuppressWarnings("unchecked")
    private static void reply(RingCommand command, CompletableFuture<Object> future, Object value, IoUringException error) {
        if (future != null) {
            if (error == null) {
                future.complete(value);
            } else {
                future.completeExceptionally(error);
            }
        } else if (command.replyTo() != null) {
            ((ActorRef<Object>) command.replyTo()).tell(error == null ? StatusReply.success(value) : StatusReply.error(error));
        }
    }

    private static RingCommand commandOf(Object request) {
        return request instanceof LocalRequest ? ((LocalRequest) request).command() : (RingCommand) request;
    }

    private static CompletableFuture<Object> futureOf(Object request) {
        return request instanceof LocalRequest ? ((LocalRequest) request).reply() : null;
    }

    private void releaseSlot(Op op) {
        op.end();
        freeSlots[freeCount++] = op.slot;
    }

    private static void replyError(Object request, IoUringException error) {
        final RingCommand command = commandOf(request);
        if (command instanceof Shutdown) {
            ((Shutdown) command).replyTo().tell(Done.getInstance());
        } else if (command instanceof GetStats) {
            throw new IllegalArgumentException("GetStats never fails");
        } else {
            reply(command, futureOf(request), null, error);
        }
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
        for (ActorRef<Done> replyTo : shutdownRepliesTo) {
            replyTo.tell(Done.getInstance());
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
            replyError(queued, error);
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
                synchronized (QUARANTINE) {
                    QUARANTINE.add(op.memoryInUse());
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
