package io.uringactor.actor.internal;

import static io.uringactor.ring.IoUringConstants.*;

import io.uringactor.actor.RingCommand.CopyRange;
import io.uringactor.actor.RingOverloadedException;
import io.uringactor.ring.ErrnoException;
import io.uringactor.ring.Pipe;
import io.uringactor.ring.SubmissionQueue;

/**
 * The SQEs of a {@link CopyRange}: rounds of {@code IORING_OP_SPLICE} file &rarr; pipe linked to pipe &rarr;
 * file through a pipe of the ring's {@link PipePool}, so the bytes never enter user space. The op holds its
 * pipe from the first round to its reply; both files count the copy as in flight (a close waits for it).
 * The {@link Completer} decides the next round from each round's two CQEs.
 */
final class SpliceSqes {
    private final SqeWriter sqes;
    private final SubmissionQueue sq;
    private final OpenFiles files;
    private final PipePool pipes;
    private final RequestChecks checks;

    SpliceSqes(SqeWriter sqes, SubmissionQueue sq, OpenFiles files, PipePool pipes, RequestChecks checks) {
        this.sqes = sqes;
        this.sq = sq;
        this.files = files;
        this.pipes = pipes;
        this.checks = checks;
    }

    /**
     * A copy: both files counted in flight (a close of either waits), a pipe from the pool, and the first
     * round. No timeout: a linked timeout would bound only the pipe -> file half of a round.
     */
    String prepare(Op op, CopyRange c) {
        if (c.timeout() != null) {
            return "a copy takes no timeout (the ring's op-timeout does not apply to it either), got " + c.timeout();
        }
        final int source = files.indexOf(c.source());
        final String badSource = checks.io(source, c.source(), c.sourceOffset(), c.length());
        if (badSource != null) {
            return "copy source: " + badSource;
        }
        final int target = files.indexOf(c.target());
        final String badTarget = checks.io(target, c.target(), c.targetOffset(), c.length());
        if (badTarget != null) {
            return "copy target: " + badTarget;
        }
        final Pipe pipe;
        try {
            pipe = pipes.acquire(c.length());
        } catch (ErrnoException e) {
            throw new RingOverloadedException("no pipe for the copy: " + e.getMessage());
        }
        sqes.beginOn(op, CommandKind.COPY_RANGE, c, source);
        op.offset = c.sourceOffset();
        op.length = c.length();
        op.pipe = pipe;
        op.targetFd = files.fd(target);
        op.targetOffset = c.targetOffset();
        op.targetFile = target;
        files.retain(target);
        copyRound(op);
        return null;
    }

    /**
     * A round of a copy with an empty pipe: file -> pipe of what is left (at most the pipe's capacity),
     * linked to pipe -> file of as much. A short file -> pipe breaks the link (the second half completes
     * {@code -ECANCELED}); the completer then drains the pipe with {@link #drainPipe}.
     */
    void copyRound(Op op) {
        sqes.ensureSpace(2);
        final int length = Math.min(op.length - op.done, op.pipe.size());
        op.asked = length;
        op.result = 0;
        op.pipeResult = 0;
        op.pendingCqes = 2;
        SqeWriter.prep(sq.prepSplice(op.fd, op.offset + op.done, op.pipe.writeFd(), -1, length, SPLICE_F_MOVE,
                UserData.op(op.slot, op.generation)));
        sq.setLastFlags(IOSQE_IO_LINK);
        SqeWriter.prep(sq.prepSplice(op.pipe.readFd(), -1, op.targetFd, op.targetOffset + op.done, length, SPLICE_F_MOVE,
                UserData.pipeHalf(op.slot, op.generation)));
    }

    /** A round of a copy that only moves what the pipe holds into the target. */
    void drainPipe(Op op) {
        sqes.ensureSpace(1);
        op.asked = -1;
        op.pipeResult = 0;
        op.pendingCqes = 1;
        SqeWriter.prep(sq.prepSplice(op.pipe.readFd(), -1, op.targetFd, op.targetOffset + op.done, op.inPipe, SPLICE_F_MOVE,
                UserData.pipeHalf(op.slot, op.generation)));
    }
}
