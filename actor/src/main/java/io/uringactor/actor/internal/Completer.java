package io.uringactor.actor.internal;

import io.uringactor.actor.BlockIo;
import io.uringactor.actor.ByteStringList;
import io.uringactor.actor.FileHandle;
import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingCommand.Open;
import io.uringactor.actor.RingCommand.ReadV;
import io.uringactor.actor.RingOverloadedException;
import io.uringactor.actor.RingSettings;
import io.uringactor.actor.RingStoppedException;
import io.uringactor.actor.RingTimeoutException;
import io.uringactor.ring.AlignedBuffer;
import io.uringactor.ring.CompletionHandler;
import io.uringactor.ring.Errno;
import io.uringactor.ring.ErrnoException;
import io.uringactor.ring.IoUringException;
import io.uringactor.ring.Pipe;
import io.uringactor.ring.Statx;

import org.apache.pekko.Done;
import org.apache.pekko.util.ByteString;

import org.slf4j.Logger;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes CQEs into the one reply of each request and frees what the op held. An op's last CQE (its own,
 * and its linked timeout's) decides: the result, a short write's continuation, or the typed failure
 * naming the errno and the op. Whatever goes wrong while answering, the request is still answered.
 */
final class Completer implements CompletionHandler {
    private final RingSettings settings;
    private final OpTable ops;
    private final OpenFiles files;
    private final NativeBufferPool pool;
    private final PipePool pipes;
    private final SqeWriter sqes;
    private final RingCounters counters;
    private final Path root;
    private final Logger log;
    /** The loop's wake-up read, whose CQE means it is to be queued again before the next sleep. */
    private final WakeUpRead wakeUp;
    /** Why in-flight ops were cancelled at stop; their -ECANCELED completions are answered with it. */
    private IoUringException abortCause;

    Completer(RingSettings settings, OpTable ops, OpenFiles files, NativeBufferPool pool, PipePool pipes,
              SqeWriter sqes, RingCounters counters, Path root, Logger log, WakeUpRead wakeUp) {
        this.settings = settings;
        this.ops = ops;
        this.files = files;
        this.pool = pool;
        this.pipes = pipes;
        this.sqes = sqes;
        this.counters = counters;
        this.root = root;
        this.log = log;
        this.wakeUp = wakeUp;
    }

    /** From now on, cancelled ops are answered as stopped by {@code cause}. */
    void abortingWith(IoUringException cause) {
        this.abortCause = cause;
    }

    @Override
    public void onCompletion(long userData, int res, int flags) {
        if (UserData.isHousekeeping(userData)) {
            if (userData == UserData.WAKE_UP) {
                wakeUp.completed();
            } // the cancels and closes of a stop are counted by the stop itself (RingLifecycle)
            return;
        }
        final Op op = ops.waitingFor(userData);
        if (op == null) {
            log.error("Completion for no in-flight op: user_data={}, res={}", userData, res);
            return;
        }
        if (UserData.isLinkTimeout(userData)) {
            op.timedOut |= res == -Errno.ETIME;
        } else if (UserData.isPipeHalf(userData)) {
            op.pipeResult = res;
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
                log.error("Failed to complete {}", describe(op), e);
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
        if (op.kind == CommandKind.COPY_RANGE) {
            advanceCopy(op);
            return;
        }
        final int res = op.result;
        if (op.statingAlignment) {
            // The file is open whatever the statx gave: register it (the page size when statx could not tell).
            finish(op, registerOpened(op, op.fd, res < 0 ? AlignedBuffer.DEFAULT_DIRECT_IO_ALIGNMENT
                    : alignmentOf(Statx.decode(op.data.byteBuffer(), 0))), null);
            return;
        }
        if (res < 0) {
            finish(op, null, failure(op, res));
            return;
        }
        switch (op.kind) {
            case READ: {
                final byte[] bytes = new byte[res];
                op.data.byteBuffer().get(0, bytes);
                finish(op, ByteString.fromArrayUnsafe(bytes), null);
                return;
            }
            case WRITE:
            case WRITEV:
            case WRITE_BLOCK:
                op.done += res;
                if (op.done < op.length) {
                    continueWrite(op, res);
                } else if (op.kind != CommandKind.WRITE_BLOCK) {
                    finish(op, op.done, null);
                } else {
                    // A remote asker has the bytes already: its reply carries none, and the buffer stays ours.
                    finish(op, new BlockIo(op.remote ? null : op.data, op.done), null);
                }
                return;
            case READ_BLOCK:
                finish(op, new BlockIo(op.remote ? handOut(op) : op.data, res), null);
                return;
            case READV:
                finish(op, splitRead(op, res), null);
                return;
            case OPEN:
                if (((Open) op.command).options().direct()) {
                    try {
                        sqes.fileOps().statAlignment(op, res);
                        return;
                    } catch (RingOverloadedException e) {
                        // no SQE for the statx now: the file is open, so register it with the page size
                    }
                    finish(op, registerOpened(op, res, AlignedBuffer.DEFAULT_DIRECT_IO_ALIGNMENT), null);
                    return;
                }
                finish(op, registerOpened(op, res, 0), null);
                return;
            case CLOSE:
            case TRIM:
            case FSYNC:
                finish(op, Done.getInstance(), null);
                return;
            case STAT:
                finish(op, Statx.decode(op.data.byteBuffer(), 0), null);
                return;
            default:
                throw new IllegalStateException("unknown op kind " + op.kind);
        }
    }

    /**
     * A short write: the kernel took part of the data. Write the rest with the same slot and what is left of
     * the op's timeout; the file stays open meanwhile (a close waits for the op).
     */
    private void continueWrite(Op op, int res) {
        final long remaining = op.deadline == 0 ? 0 : op.deadline - System.nanoTime();
        if (op.timedOut || (op.deadline != 0 && remaining <= 0)) {
            finish(op, null, new RingTimeoutException(describe(op) + " timed out after " + timeoutOf(op.command)
                    + " with " + op.done + " bytes written"));
        } else if (res == 0) {
            finish(op, null, new ErrnoException(describe(op) + " made no progress after " + op.done + " bytes",
                    Errno.EIO));
        } else {
            sqes.writeRest(op, remaining);
        }
    }

    /**
     * A copy's round is complete: account for both halves, then drain what is left in the pipe, start the
     * next round, or answer. Modelled on the kernel's link semantics: a short (or failed) file -> pipe half
     * cancels the linked pipe -> file half, which is not a failure; a pipe -> file half cancelled after a
     * full file -> pipe half, or in a drain, is one (the ring is stopping).
     */
    private void advanceCopy(Op op) {
        final boolean pair = op.asked >= 0;
        if (pair) {
            final int read = op.result;
            if (read < 0) {
                finish(op, null, copyFailure(op, read, true));
                return;
            }
            op.inPipe += read;
            op.lastRead = read;
        }
        final int written = op.pipeResult;
        if (written == -Errno.ECANCELED && pair && op.lastRead < op.asked) {
            // the short file -> pipe half broke the link: what it read is in the pipe, drained below
        } else if (written < 0) {
            finish(op, null, copyFailure(op, written, false));
            return;
        } else if (written == 0 && !pair) {
            finish(op, null, new ErrnoException("splice(pipe -> " + targetPath(op) + " at "
                    + (op.targetOffset + op.done) + ") made no progress in " + describe(op), Errno.EIO));
            return;
        } else {
            op.inPipe -= written;
            op.done += written;
        }
        if (op.inPipe > 0) {
            sqes.splices().drainPipe(op);
        } else if (op.done < op.length && op.lastRead != 0) {
            sqes.splices().copyRound(op);
        } else {
            op.pipeClean = true; // the pipe is empty: it may serve the next copy
            finish(op, op.done, null);
        }
    }

    private IoUringException copyFailure(Op op, int res, boolean fileToPipe) {
        if (abortCause != null && res == -Errno.ECANCELED) {
            return new RingStoppedException(abortCause.getMessage() + "; cancelled " + describe(op), abortCause);
        }
        final String splice = fileToPipe
                ? "splice(" + files.pathOfFd(op.fd) + " at " + (op.offset + op.done) + " -> pipe)"
                : "splice(pipe -> " + targetPath(op) + " at " + (op.targetOffset + op.done) + ")";
        return new ErrnoException(splice + " of " + describe(op) + " after " + op.done + " bytes", res);
    }

    private String targetPath(Op op) {
        return files.pathOfFd(op.targetFd);
    }

    /** Takes the op's pooled buffer out of the pool's books: it leaves the actor and is never reused. */
    AlignedBuffer handOut(Op op) {
        final AlignedBuffer buffer = op.data;
        if (op.pooled) {
            pool.forget(buffer);
            op.pooled = false;
        }
        return buffer;
    }

    private static List<ByteString> splitRead(Op op, int res) {
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

    private FileHandle registerOpened(Op op, int fd, int directIoAlignment) {
        return files.add(fd, ((Open) op.command).path(), directIoAlignment,
                op.request == null ? null : op.request.remoteNode());
    }

    /** The O_DIRECT alignment statx reports (memory and offset, whichever is stricter), else the page size. */
    private static int alignmentOf(Statx statx) {
        final int reported = Math.max(statx.dioMemAlign(), statx.dioOffsetAlign());
        return reported > 0 ? reported : AlignedBuffer.DEFAULT_DIRECT_IO_ALIGNMENT;
    }

    private IoUringException failure(Op op, int res) {
        if (abortCause != null && res == -Errno.ECANCELED && !op.timedOut) {
            return new RingStoppedException(abortCause.getMessage() + "; cancelled " + describe(op), abortCause);
        }
        if (op.timedOut && res == -Errno.ECANCELED) {
            return new RingTimeoutException(describe(op) + " timed out after " + timeoutOf(op.command)
                    + " and was cancelled");
        }
        if (op.kind == CommandKind.OPEN && root != null && res == -Errno.EXDEV) {
            return new ErrnoException(describe(op) + (settings.resolveNoXdev()
                    ? " (the path escapes the root directory or crosses a mount point: resolve-no-xdev)"
                    : " (the path escapes the root directory)"), res);
        }
        if (op.kind == CommandKind.OPEN && root != null && res == -Errno.ELOOP && settings.resolveNoSymlinks()) {
            return new ErrnoException(describe(op) + " (symlinks are refused beneath the root: resolve-no-symlinks)", res);
        }
        return new ErrnoException(describe(op), res);
    }

    private Duration timeoutOf(RingCommand command) {
        final Duration own = CommandKind.of(command).timeoutOf(command);
        return own != null ? own : settings.opTimeout();
    }

    /** Names the op for messages, e.g. {@code read(/data/f, fd=7, offset=4096, length=512)}. Error paths only. */
    String describe(Op op) {
        final RingCommand c = op.command;
        if (c instanceof Open) {
            return root == null ? "openat(" + ((Open) c).path() + ", " + ((Open) c).options() + ")"
                    : "openat2(" + ((Open) c).path() + ", " + ((Open) c).options() + ") beneath root-directory " + root;
        }
        final String name = op.kind == null ? "op" : op.kind.opName(c);
        if (op.kind == CommandKind.COPY_RANGE) {
            return name + "(" + files.pathOfFd(op.fd) + ", fd=" + op.fd + ", offset=" + op.offset + " -> "
                    + targetPath(op) + ", fd=" + op.targetFd + ", offset=" + op.targetOffset + ", length=" + op.length
                    + ")";
        }
        final String path = files.pathOfFd(op.fd);
        return name + "(" + (path != null ? path + ", " : "") + "fd=" + op.fd + ", offset=" + op.offset + ", length="
                + op.length + ")";
    }

    /** Answers the op's request with {@code value}, or with {@code error} when it is not null; frees the slot. */
    void finish(Op op, Object value, IoUringException error) {
        final Request request = op.request;
        final long startTime = op.startTime;
        release(op);
        ops.finished();
        counters.completed(ops.inFlight(), startTime);
        if (error != null) {
            counters.failed(error);
        }
        if (request == null) {
            return; // a close that nobody waits for
        }
        if (error == null) {
            request.succeed(value);
        } else {
            request.fail(error);
        }
    }

    /**
     * Frees the op's slot and gives its pooled buffer back; the last op on a file that is waiting to be
     * closed lets the close go in.
     */
    void release(Op op) {
        final int file = op.file;
        final int target = op.targetFile;
        final Pipe pipe = op.pipe;
        op.pipe = null;
        if (pipe != null) {
            // Bytes left in a pipe (a copy failed midway) must never reach the next copy: then it is closed.
            pipes.release(pipe, op.pipeClean && op.inPipe == 0);
        }
        final AlignedBuffer buffer = op.end();
        if (buffer != null) {
            pool.release(buffer);
        }
        ops.free(op);
        releaseFile(file);
        releaseFile(target);
    }

    /** The op no longer counts on table entry {@code file} (or -1): a close waiting for it may go in. */
    private void releaseFile(int file) {
        if (file >= 0) {
            final Op close = files.release(file);
            if (close != null) {
                try {
                    sqes.fileOps().closeDue(close, file);
                } catch (RingOverloadedException e) {
                    finish(close, null, e); // the caller learns that this close did not happen
                }
            }
        }
    }
}
