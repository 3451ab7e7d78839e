package io.uringactor.actor.internal;

import static io.uringactor.ring.IoUringConstants.*;
import static io.uringactor.actor.internal.SqeWriter.prep;

import io.uringactor.actor.RingCommand.*;
import io.uringactor.actor.RingOverloadedException;
import io.uringactor.ring.AlignedBuffer;
import io.uringactor.ring.Statx;
import io.uringactor.ring.SubmissionQueue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The SQEs that work on a file as a whole: open ({@code openat}, or {@code openat2} beneath the root),
 * close (after the last op on the file), fsync, trim (a punched hole), statx, and the statx of an O_DIRECT
 * open's alignment. Each takes the slot {@link SqeWriter} gives it, or returns why the request is refused.
 */
final class FileSqes {
    private static final int FILE_MODE = 0644;
    /** {@code struct open_how}: {@code __u64 flags, mode, resolve}. */
    private static final int OPEN_HOW_SIZE = 24;

    private final SqeWriter sqes;
    private final SubmissionQueue sq;
    private final OpenFiles files;
    private final AlignedBuffer emptyPath = AlignedBuffer.cString("");
    /** The root directory's descriptor, or -1: opens then go beneath it. */
    private final int rootFd;
    /** {@code open_how.resolve} beneath the root: BENEATH and the stricter flags the settings ask for. */
    private final long resolveFlags;

    FileSqes(SqeWriter sqes, SubmissionQueue sq, OpenFiles files, int rootFd, long resolveFlags) {
        this.sqes = sqes;
        this.sq = sq;
        this.files = files;
        this.rootFd = rootFd;
        this.resolveFlags = resolveFlags;
    }

    /** {@code openat} of the path, or {@code openat2} beneath the root directory. */
    String open(Op op, Open o) {
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

    /** A close: at once, or after the last op in flight on the file ({@link #closeDue}). */
    String close(Op op, Close c) {
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
            sqes.ensureSpace(1);
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
        sqes.ensureSpace(1);
        op.fd = fd;
        op.statingAlignment = true;
        op.pendingCqes = 1;
        op.borrow(AlignedBuffer.allocate(Statx.BUFFER_SIZE, Long.BYTES)); // an open is rare: no pool needed
        prep(sq.prepStatx(fd, emptyPath.address(), AT_EMPTY_PATH, STATX_DIOALIGN, op.data.address(),
                UserData.op(op.slot, op.generation)));
    }

    /** A punched hole ({@code fallocate(PUNCH_HOLE | KEEP_SIZE)}). */
    String trim(Op op, Trim t) {
        final int file = files.indexOf(t.file());
        if (file < 0) {
            return files.refusalFor(t.file());
        }
        if (t.offset() < 0 || t.length() <= 0) {
            return "trim needs offset >= 0 and length > 0, got offset=" + t.offset() + ", length=" + t.length();
        }
        sqes.beginOn(op, CommandKind.TRIM, t, file);
        op.offset = t.offset();
        prep(sq.prepFallocate(op.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, t.offset(), t.length(),
                UserData.op(op.slot, op.generation)));
        return null;
    }

    /** {@code fsync}, or {@code fdatasync}. */
    String fsync(Op op, Fsync f) {
        final int file = files.indexOf(f.file());
        if (file < 0) {
            return files.refusalFor(f.file());
        }
        sqes.beginOn(op, CommandKind.FSYNC, f, file);
        prep(sq.prepFsync(op.fd, f.dataOnly() ? IORING_FSYNC_DATASYNC : 0, UserData.op(op.slot, op.generation)));
        return null;
    }

    /** {@code statx} of the open descriptor, into a pool buffer. */
    String stat(Op op, Stat s) {
        final int file = files.indexOf(s.file());
        if (file < 0) {
            return files.refusalFor(s.file());
        }
        sqes.beginOn(op, CommandKind.STAT, s, file);
        prep(sq.prepStatx(op.fd, emptyPath.address(), AT_EMPTY_PATH, Statx.DEFAULT_MASK,
                sqes.pooled(op, Statx.BUFFER_SIZE).address(), UserData.op(op.slot, op.generation)));
        return null;
    }
}
