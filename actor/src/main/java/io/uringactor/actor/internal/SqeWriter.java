package io.uringactor.actor.internal;

import static io.uringactor.ring.IoUringConstants.*;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingCommand.*;
import io.uringactor.actor.RingOverloadedException;
import io.uringactor.actor.RingSettings;
import io.uringactor.ring.AlignedBuffer;
import io.uringactor.ring.IoUring;
import io.uringactor.ring.Statx;
import io.uringactor.ring.SubmissionQueue;

import org.apache.pekko.util.ByteString;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a checked request into SQEs in the mapped submission queue: the op itself, a linked timeout
 * when one applies, {@code openat2} beneath the root, a copy's rounds of linked splices. Nothing is submitted here except to make room;
 * the driver submits the batch. Memory ownership: whatever an SQE points at (a pool buffer, the caller's
 * block buffer, a path, the slot's timespec) is referenced by the op's slot from here until its last CQE.
 */
final class SqeWriter {
    /** An op and its linked timeout. */
    static final int MAX_SQES_PER_OP = 2;
    private static final int TIMESPEC_SIZE = 16;
    private static final int IOVEC_SIZE = RequestMemory.IOVEC_SIZE;
    private static final int FILE_MODE = 0644;
    /** {@code struct open_how}: {@code __u64 flags, mode, resolve}. */
    private static final int OPEN_HOW_SIZE = 24;
    /** Submissions tried before a request that needs SQ room is refused as overloaded. */
    private static final int SUBMIT_ATTEMPTS = 3;

    private final RingSettings settings;
    private final IoUring ring;
    private final SubmissionQueue sq;
    private final RingCounters counters;
    private final OpenFiles files;
    private final NativeBufferPool pool;
    /** The copies' splice SQEs. */
    private final SpliceSqes splices;
    private final RequestChecks checks;
    /** One {@code __kernel_timespec} per slot, for linked timeouts. */
    private final AlignedBuffer timespecs;
    private final AlignedBuffer emptyPath = AlignedBuffer.cString("");
    /** An SQE on an O_DIRECT file waits to be submitted; see {@link #takePromptSubmit}. */
    private boolean promptSubmit;
    /** The root directory's descriptor, or -1: opens then go beneath it. */
    private final int rootFd;
    /** {@code open_how.resolve} beneath the root: BENEATH and the stricter flags the settings ask for. */
    private final long resolveFlags;

    SqeWriter(RingSettings settings, IoUring ring, RingCounters counters, OpenFiles files, NativeBufferPool pool,
              PipePool pipes, int rootFd) {
        this.settings = settings;
        this.ring = ring;
        this.sq = ring.sq();
        this.counters = counters;
        this.files = files;
        this.pool = pool;
        this.checks = new RequestChecks(settings, files);
        this.splices = new SpliceSqes(this, ring.sq(), files, pipes, checks);
        this.timespecs = AlignedBuffer.allocate(settings.maxInFlight() * TIMESPEC_SIZE, Long.BYTES);
        this.rootFd = rootFd;
        this.resolveFlags = RESOLVE_BENEATH | (settings.resolveNoSymlinks() ? RESOLVE_NO_SYMLINKS : 0)
                | (settings.resolveNoXdev() ? RESOLVE_NO_XDEV : 0);
    }

    /**
     * Whether the refusal {@link #prepare} just returned is for a file closed because the ring of the group
     * that opened it stopped: to be answered as a stop. Ask on every refusal (it clears the mark).
     */
    boolean refusedForAStoppedRing() {
        return files.takeOwnerStopped();
    }

    /**
     * Writes the SQEs of {@code request} (a {@link RingCommand}, or a {@link RemoteBlockRequest}) into slot
     * {@code op}, or returns why it is refused. Throws {@link RingOverloadedException} when the kernel takes
     * no SQEs right now, {@link OutOfMemoryError} when direct memory ran out below the budget.
     */
    String prepare(Op op, Object request) {
        ensureSpace(MAX_SQES_PER_OP);
        if (request instanceof RemoteBlockRequest) {
            return remoteBlock(op, (RemoteBlockRequest) request);
        }
        final RingCommand command = (RingCommand) request;
        switch (CommandKind.of(command)) {
            case READ: {
                final Read r = (Read) command;
                final int file = files.indexOf(r.file());
                final String refusal = checks.io(file, r.file(), r.offset(), r.length());
                if (refusal != null) {
                    return refusal;
                }
                beginOn(op, CommandKind.READ, command, file);
                return io(op, IORING_OP_READ, pooled(op, r.length()).address(), r.offset(), r.length(), r.timeout());
            }
            case WRITE: {
                final Write w = (Write) command;
                final int file = files.indexOf(w.file());
                final int length = w.data() == null ? -1 : w.data().size();
                final String refusal = checks.io(file, w.file(), w.offset(), length);
                if (refusal != null) {
                    return refusal;
                }
                beginOn(op, CommandKind.WRITE, command, file);
                final AlignedBuffer buffer = pooled(op, length);
                final ByteBuffer bytes = buffer.byteBuffer();
                bytes.clear();
                w.data().copyToBuffer(bytes);
                return io(op, IORING_OP_WRITE, buffer.address(), w.offset(), length, w.timeout());
            }
            case READ_BLOCK: {
                final ReadBlock r = (ReadBlock) command;
                return block(op, CommandKind.READ_BLOCK, command, r.file(), r.offset(), r.buffer(), r.timeout());
            }
            case WRITE_BLOCK: {
                final WriteBlock w = (WriteBlock) command;
                return block(op, CommandKind.WRITE_BLOCK, command, w.file(), w.offset(), w.buffer(), w.timeout());
            }
            case READV: {
                final ReadV r = (ReadV) command;
                return vectored(op, CommandKind.READV, command, r.file(), r.offset(), r.lengths(), null, r.timeout());
            }
            case WRITEV: {
                final WriteV w = (WriteV) command;
                if (w.data() == null || RequestChecks.containsNull(w.data())) {
                    return "writev needs buffers, got " + w.data();
                }
                final List<Integer> lengths = new ArrayList<>(w.data().size());
                for (ByteString b : w.data()) {
                    lengths.add(b.size());
                }
                return vectored(op, CommandKind.WRITEV, command, w.file(), w.offset(), lengths, w.data(), w.timeout());
            }
            case OPEN:
                return open(op, (Open) command);
            case CLOSE:
                return close(op, (Close) command);
            case TRIM: {
                final Trim t = (Trim) command;
                final int file = files.indexOf(t.file());
                if (file < 0) {
                    return files.refusalFor(t.file());
                }
                if (t.offset() < 0 || t.length() <= 0) {
                    return "trim needs offset >= 0 and length > 0, got offset=" + t.offset() + ", length=" + t.length();
                }
                beginOn(op, CommandKind.TRIM, command, file);
                op.offset = t.offset();
                prep(sq.prepFallocate(op.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, t.offset(), t.length(),
                        UserData.op(op.slot, op.generation)));
                return null;
            }
            case FSYNC: {
                final Fsync f = (Fsync) command;
                final int file = files.indexOf(f.file());
                if (file < 0) {
                    return files.refusalFor(f.file());
                }
                beginOn(op, CommandKind.FSYNC, command, file);
                prep(sq.prepFsync(op.fd, f.dataOnly() ? IORING_FSYNC_DATASYNC : 0, UserData.op(op.slot, op.generation)));
                return null;
            }
            case STAT: {
                final Stat s = (Stat) command;
                final int file = files.indexOf(s.file());
                if (file < 0) {
                    return files.refusalFor(s.file());
                }
                beginOn(op, CommandKind.STAT, command, file);
                prep(sq.prepStatx(op.fd, emptyPath.address(), AT_EMPTY_PATH, Statx.DEFAULT_MASK,
                        pooled(op, Statx.BUFFER_SIZE).address(), UserData.op(op.slot, op.generation)));
                return null;
            }
            case COPY_RANGE:
                return splices.prepare(op, (CopyRange) command);
            default:
                throw new IllegalArgumentException("not an op: " + command);
        }
    }

    /**
     * A block request from another node: its buffer comes from the pool now, at admission, never at
     * decoding. A read's buffer leaves with the reply; a write's goes back to the pool and the reply carries
     * no bytes (the asker has them).
     */
    private String remoteBlock(Op op, RemoteBlockRequest r) {
        if (r.alignment() <= 0 || Integer.bitCount(r.alignment()) != 1 || r.alignment() > NativeBufferPool.ALIGNMENT) {
            return "a block request from another node needs a power-of-two alignment up to "
                    + NativeBufferPool.ALIGNMENT + ", got " + r.alignment();
        }
        if (r.write() ? r.data() == null || r.data().size() != r.capacity() : r.data() != null) {
            return "malformed block request from another node: capacity=" + r.capacity() + ", data="
                    + (r.data() == null ? "none" : r.data().size() + " bytes");
        }
        final int file = files.indexOf(r.file());
        final String refusal = checks.io(file, r.file(), r.offset(), r.capacity());
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
        beginOn(op, r.write() ? CommandKind.WRITE_BLOCK : CommandKind.READ_BLOCK, command, file);
        op.remote = true;
        return io(op, r.write() ? IORING_OP_WRITE : IORING_OP_READ, buffer.address(), r.offset(), r.capacity(),
                r.timeout());
    }

    /** A block op on the caller's own buffer (zero-copy), which the slot borrows until the CQE. */
    private String block(Op op, CommandKind kind, RingCommand command, FileHandle handle, long offset,
                         AlignedBuffer buffer, Duration timeout) {
        final int file = files.indexOf(handle);
        final String refusal = checks.block(file, handle, offset, buffer);
        if (refusal != null) {
            return refusal;
        }
        beginOn(op, kind, command, file);
        op.borrow(buffer);
        return io(op, kind == CommandKind.READ_BLOCK ? IORING_OP_READ : IORING_OP_WRITE, buffer.address(), offset,
                buffer.capacity(), timeout);
    }

    private String vectored(Op op, CommandKind kind, RingCommand command, FileHandle handle, long offset,
                            List<Integer> lengths, List<ByteString> data, Duration timeout) {
        final String badVector = RequestChecks.vector(lengths);
        if (badVector != null) {
            return badVector;
        }
        long total = 0;
        for (int length : lengths) {
            total += length;
        }
        final int file = files.indexOf(handle);
        final String refusal = checks.io(file, handle, offset, total);
        if (refusal != null) {
            return refusal;
        }
        beginOn(op, kind, command, file);
        // Data and iovecs share one pool buffer: the data first, the iovec array after it, 16-aligned.
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
        final String refusal2 = io(op, kind == CommandKind.READV ? IORING_OP_READV : IORING_OP_WRITEV,
                scratch.address() + iovecsAt, offset, lengths.size(), timeout);
        op.length = dataBytes; // io() recorded the iovec count as the length
        return refusal2;
    }

    private String open(Op op, Open o) {
        if (o.path() == null || o.path().isEmpty() || o.options() == null) {
            return "open needs a path and options, got path=" + o.path() + ", options=" + o.options();
        }
        if (o.path().indexOf('\0') >= 0) {
            return "a path must not contain NUL: " + o.path();
        }
        if (rootFd >= 0) {
            return openBeneathRoot(op, o);
        }
        op.begin(CommandKind.OPEN, o, AT_FDCWD);
        op.borrow(AlignedBuffer.cString(o.path()));
        prep(sq.prepOpenat(AT_FDCWD, op.data.address(), o.options().toFlags(), FILE_MODE,
                UserData.op(op.slot, op.generation)));
        return null;
    }

    /**
     * {@code openat2(rootFd, path, {flags, mode, resolve})}: with RESOLVE_BENEATH the kernel refuses, with
     * EXDEV, an absolute path and any {@code ..} or symlink that would resolve outside the root. One buffer
     * holds the {@code open_how} and, after it, the path; the slot references it until the open completes.
     */
    private String openBeneathRoot(Op op, Open open) {
        final byte[] path = open.path().getBytes(StandardCharsets.UTF_8);
        final int flags = open.options().toFlags();
        final AlignedBuffer how = AlignedBuffer.allocate(OPEN_HOW_SIZE + path.length + 1, Long.BYTES);
        final ByteBuffer b = how.byteBuffer();
        b.putLong(0, flags & 0xFFFFFFFFL);
        // openat2 refuses a mode without O_CREAT
        b.putLong(Long.BYTES, (flags & O_CREAT) != 0 ? FILE_MODE : 0);
        b.putLong(2 * Long.BYTES, resolveFlags);
        b.put(OPEN_HOW_SIZE, path); // the NUL after it is already there: the memory starts zeroed
        op.begin(CommandKind.OPEN, open, rootFd);
        op.borrow(how);
        prep(sq.prepOpenat2(rootFd, how.address(OPEN_HOW_SIZE), how.address(), UserData.op(op.slot, op.generation)));
        return null;
    }

    private String close(Op op, Close c) {
        final int file = files.indexOf(c.file());
        if (file < 0) {
            return files.refusalFor(c.file());
        }
        op.begin(CommandKind.CLOSE, c, files.fd(file));
        if (files.busy(file)) {
            // Ops on the file are in flight (a short write may still continue): close after the last one, or
            // the descriptor number could be reused by another file before they finish. See closeDue.
            files.closeWhenIdle(file, op);
        } else {
            files.remove(file);
            prep(sq.prepClose(op.fd, UserData.op(op.slot, op.generation)));
        }
        return null;
    }

    /**
     * The close that waited for the last op on table entry {@code file}: its descriptor is free of ops now.
     * Throws {@link RingOverloadedException} (the entry stays unreachable and is closed at stop) when the
     * kernel takes no SQE.
     */
    void closeDue(Op close, int file) {
        try {
            ensureSpace(1);
        } catch (RingOverloadedException e) {
            files.closeWhenIdle(file, close);
            throw e;
        }
        files.remove(file);
        prep(sq.prepClose(close.fd, UserData.op(close.slot, close.generation)));
    }

    /**
     * The O_DIRECT open of {@code op} gave {@code fd}: ask the kernel for the file's O_DIRECT alignment with a
     * {@code statx} of that descriptor (not of the path, which would be a second, unconfined lookup), in the
     * same slot. Throws {@link RingOverloadedException} when the kernel takes no SQE now.
     */
    void statAlignment(Op op, int fd) {
        ensureSpace(1);
        op.fd = fd;
        op.statingAlignment = true;
        op.pendingCqes = 1;
        op.borrow(AlignedBuffer.allocate(Statx.BUFFER_SIZE, Long.BYTES)); // an open is rare: no pool needed
        prep(sq.prepStatx(fd, emptyPath.address(), AT_EMPTY_PATH, STATX_DIOALIGN, op.data.address(),
                UserData.op(op.slot, op.generation)));
    }

    /**
     * A short write's rest: the same slot and generation, with {@code remainingNanos} of the op's timeout
     * linked to it (0 for none).
     */
    void writeRest(Op op, long remainingNanos) {
        ensureSpace(remainingNanos > 0 ? 2 : 1);
        op.pendingCqes = 1;
        prep(sq.prepWrite(op.fd, op.dataAddress(), op.length - op.done, op.offset + op.done,
                UserData.op(op.slot, op.generation)));
        if (remainingNanos > 0) {
            linkTimeout(op, remainingNanos);
        }
    }

    /** The op's read or write SQE, and a linked timeout when one applies; or why the request is refused. */
    private String io(Op op, byte opcode, long address, long offset, int len, Duration timeout) {
        final Duration limit = timeout != null ? timeout : settings.opTimeout();
        final String refusal = RequestChecks.timeout(limit);
        if (refusal != null) {
            return refusal;
        }
        op.offset = offset;
        op.length = len;
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

    /** Starts {@code op} on the open file at table index {@code file}, counted in its in-flight ops. */
    void beginOn(Op op, CommandKind kind, RingCommand command, int file) {
        op.begin(kind, command, files.fd(file));
        op.file = file;
        files.retain(file);
        promptSubmit |= files.directIoAlignment(file) > 0;
    }

    /**
     * Submits at once if an SQE on an O_DIRECT file waits: such SQEs are best submitted a few per
     * {@code io_uring_enter}. Measured on a virtio disk, batches of 32 O_DIRECT 4 KiB ops per enter reach
     * ~0.8x the IOPS of one per enter (fio's pattern): the kernel plugs a submission of more than two SQEs,
     * holding the batch back from the device. Page-cache IO completes inside the enter and wins from big batches,
     * so it waits for the batch's one enter.
     */
    void submitIfDirect() {
        if (promptSubmit) {
            promptSubmit = false;
            counters.batch(ring.submit());
        }
    }

    /** A buffer of at least {@code size} bytes from the pool for {@code op}; admission made sure it fits. */
    private AlignedBuffer pooled(Op op, int size) {
        return op.usePooled(pool.acquire(size));
    }

    /**
     * Makes room for {@code sqes} SQEs by submitting what is prepared. The kernel keeps SQEs back only on a
     * transient EAGAIN/EBUSY ({@link IoUring#submit} then returns without taking them; the CQ is sized so
     * that it never overflows): retry a few times, then refuse the one request that needed the room, never
     * the ring. No reaping here: this also runs inside a completion callback.
     */
    void ensureSpace(int sqes) {
        for (int attempt = 0; sq.space() < sqes; attempt++) {
            if (attempt == SUBMIT_ATTEMPTS) {
                throw new RingOverloadedException("the kernel accepts no submissions right now (io_uring_enter:"
                        + " EAGAIN/EBUSY, " + sq.pending() + " SQEs waiting)");
            }
            counters.batch(ring.submit());
        }
    }

    /** The writer of the copies' splice rounds, for the completer's next round. */
    SpliceSqes splices() {
        return splices;
    }

    static void prep(boolean prepared) {
        if (!prepared) {
            throw new IllegalStateException("SQ full after its space was checked");
        }
    }
}
