package io.uringactor.actor.internal;

import static io.uringactor.ring.IoUringConstants.*;

import io.uringactor.actor.RingSettings;
import io.uringactor.ring.AlignedBuffer;
import io.uringactor.ring.ErrnoException;
import io.uringactor.ring.IoUring;
import io.uringactor.ring.IoUringException;
import io.uringactor.ring.Statx;
import io.uringactor.ring.SubmissionQueue;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

import org.slf4j.Logger;

import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The ring's start and end: the opens before it serves (root directory, bound file), the graceful stop
 * (refuse new requests, answer the queued ones, let in-flight ops finish), the abort (cancel what is in
 * the kernel, answer it, quarantine memory the kernel may still write), and the release that closes every
 * file and the ring.
 */
final class RingLifecycle {
    /**
     * Memory the kernel may still write after a stop that timed out: kept reachable for the process' life.
     * Process-wide on purpose, not per ring or per system: closing the ring does not wait for its ops (the
     * kernel's {@code io_uring_release} only queues {@code io_ring_exit_work}, which cancels and waits for
     * them later), and an op still held after the cancels and the stop-timeout is one cancel could not stop,
     * e.g. a read in an io-wq worker blocked on slow storage, which copies into this memory when it ends.
     * Nothing observable from here tells when that is, so only the process' end makes it safe to free.
     */
    private static final List<Object> QUARANTINE = new ArrayList<>();
    private static final int FILE_MODE = 0644;

    private final RingSettings settings;
    private final IoUring ring;
    private final SubmissionQueue sq;
    private final OpenFiles files;
    private final OpTable ops;
    private final SqeWriter sqes;
    private final Completer completer;
    private final Intake intake;
    private final RingCounters counters;
    private final Logger log;
    private final PipePool pipes;
    private final List<ActorRef<StatusReply<Done>>> stoppers = new ArrayList<>();
    private LoopDriver driver;
    private Runnable atRelease = () -> { };
    private int rootFd;
    private boolean stopping;

    RingLifecycle(RingSettings settings, IoUring ring, OpenFiles files, OpTable ops, SqeWriter sqes,
                  Completer completer, Intake intake, RingCounters counters, Logger log, int rootFd,
                  PipePool pipes) {
        this.settings = settings;
        this.ring = ring;
        this.sq = ring.sq();
        this.files = files;
        this.ops = ops;
        this.sqes = sqes;
        this.completer = completer;
        this.intake = intake;
        this.counters = counters;
        this.log = log;
        this.rootFd = rootFd;
        this.pipes = pipes;
    }

    /** The driver, stopped at release. */
    void drivenBy(LoopDriver driver) {
        this.driver = driver;
    }

    /** Runs {@code action} when the ring is released (after the ring is closed), whichever way it stops. */
    void atRelease(Runnable action) {
        this.atRelease = action;
    }

    /** Opens {@code path} synchronously through {@code ring}, before the actor serves anything; returns the fd. */
    static int openAtStart(IoUring ring, String path, int flags, String operation) {
        final AlignedBuffer name = AlignedBuffer.cString(path);
        final int[] result = new int[1];
        SqeWriter.prep(ring.sq().prepOpenat(AT_FDCWD, name.address(), flags, FILE_MODE, 0));
        ring.submitAndWait(1);
        ring.cq().drain((userData, res, cqeFlags) -> result[0] = res);
        Reference.reachabilityFence(name);
        if (result[0] < 0) {
            throw new ErrnoException(operation, result[0]);
        }
        return result[0];
    }

    /**
     * The O_DIRECT alignment of the file open at {@code fd}, from a {@code statx} of the descriptor through
     * {@code ring} at start (never a second lookup of its path); the page size when statx cannot tell.
     */
    static int directIoAlignmentAtStart(IoUring ring, int fd) {
        final AlignedBuffer empty = AlignedBuffer.cString("");
        final AlignedBuffer statx = AlignedBuffer.allocate(Statx.BUFFER_SIZE, Long.BYTES);
        final int[] result = new int[1];
        SqeWriter.prep(ring.sq().prepStatx(fd, empty.address(), AT_EMPTY_PATH, STATX_DIOALIGN, statx.address(), 0));
        ring.submitAndWait(1);
        ring.cq().drain((userData, res, cqeFlags) -> result[0] = res);
        Reference.reachabilityFence(empty);
        if (result[0] < 0) {
            return AlignedBuffer.DEFAULT_DIRECT_IO_ALIGNMENT;
        }
        final Statx decoded = Statx.decode(statx.byteBuffer(), 0);
        final int reported = Math.max(decoded.dioMemAlign(), decoded.dioOffsetAlign());
        return reported > 0 ? reported : AlignedBuffer.DEFAULT_DIRECT_IO_ALIGNMENT;
    }

    /** Closes {@code fd} synchronously through {@code ring}, when the start failed after opening it. */
    static void closeAtStart(IoUring ring, int fd, Logger log) {
        try {
            SqeWriter.prep(ring.sq().prepClose(fd, 0));
            ring.submitAndWait(1);
            ring.cq().drain((userData, res, cqeFlags) -> { });
        } catch (RuntimeException e) {
            log.warn("Could not close fd {} while failing to start", fd, e);
        }
    }

    boolean stopping() {
        return stopping;
    }

    /**
     * A graceful stop: new and queued requests are refused from now on; {@code replyTo} is told
     * {@code Done} when the in-flight ops have finished and the ring is closed. Returns whether this is the
     * stop's first request (the caller then deregisters and arms the stop timeout).
     */
    boolean beginStop(ActorRef<StatusReply<Done>> replyTo) {
        stoppers.add(replyTo);
        if (stopping) {
            return false;
        }
        stopping = true;
        intake.close(new io.uringactor.actor.RingStoppedException("the ring actor stopped before this request started"));
        return true;
    }

    /** Nothing in flight any more: close the files and the ring, and answer the stoppers. */
    void finishStop() {
        release();
        for (ActorRef<StatusReply<Done>> replyTo : stoppers) {
            replyTo.tell(StatusReply.success(Done.getInstance()));
        }
    }

    /**
     * One {@code ASYNC_CANCEL} per SQE the kernel may hold, by its {@code user_data}: an op and, for a copy, its
     * pipe &rarr; file half (cancelling an op cancels its linked timeout too; a value the kernel does not hold
     * gets {@code ENOENT}, harmlessly). Not {@code IORING_ASYNC_CANCEL_ANY}: that needs Linux 5.19, and on an
     * older kernel its failure would leave the stop waiting its whole {@code stop-timeout}.
     */
    private void cancelEachInFlight() {
        for (Op op : ops.all()) {
            if (op.pendingCqes > 0) {
                sqes.ensureSpace(2);
                sq.prepCancel(UserData.op(op.slot, op.generation), 0, UserData.CANCEL_ALL);
                if (op.kind == CommandKind.COPY_RANGE) {
                    sq.prepCancel(UserData.pipeHalf(op.slot, op.generation), 0, UserData.CANCEL_ALL);
                }
            }
        }
    }

    /**
     * Cancels everything in flight and finishes from the loop's turns, never waiting on its thread: each op is
     * answered as the kernel gives it back; once none is in flight, or after stop-timeout, what the kernel still
     * holds is answered with {@code error} (its memory kept reachable for good) and {@code then} runs (it
     * releases the ring). Meanwhile the loop runs its other actors, and {@link #draining()} is true.
     */
    void abortThen(IoUringException error, Runnable then) {
        if (ring.isClosed()) {
            then.run(); // released already: what waits for the stop (a Shutdown's Done) is still answered
            return;
        }
        if (driver.draining()) {
            return; // the stop under way runs its own continuation
        }
        stopping = true;
        intake.close(error);
        completer.abortingWith(error);
        try {
            if (ops.inFlight() > 0) {
                cancelEachInFlight();
                driver.pump(); // the cancels go in, and what they gave back at once is answered now
            }
        } catch (RuntimeException e) {
            log.warn("Error while cancelling in-flight ops at stop", e);
        }
        final Runnable finish = () -> {
            answerWhatTheKernelHolds(error);
            then.run();
        };
        if (ops.inFlight() == 0) {
            finish.run();
        } else {
            driver.drainThen(System.nanoTime() + settings.stopTimeout().toNanos(), finish);
        }
    }

    /** Whether a stop is finishing from the loop's turns ({@link #abortThen}). */
    boolean draining() {
        return driver.draining();
    }

    /**
     * Cancels everything in flight and waits (up to stop-timeout) for the kernel to give each op back; each
     * is answered as it completes. What the kernel still holds then is answered with {@code error} and its
     * memory is kept reachable for good, since the kernel may still write it. Waits on the calling thread: for
     * a ring that failed, which the loop no longer drives.
     */
    void abort(IoUringException error) {
        stopping = true;
        intake.close(error);
        if (ring.isClosed()) {
            return;
        }
        completer.abortingWith(error);
        try {
            if (ops.inFlight() > 0) {
                cancelEachInFlight();
                counters.batch(ring.submit());
            }
            final long deadline = System.nanoTime() + settings.stopTimeout().toNanos();
            while (ops.inFlight() > 0 && System.nanoTime() < deadline) {
                if (sq.pending() > 0) {
                    counters.batch(ring.submit()); // closes that became due as the ops on their files were cancelled
                }
                ring.processCompletions();
                if (ring.cq().drain(completer) == 0) {
                    // Shutdown only: a short sleep, not a spin, while the kernel finishes cancelled ops.
                    Thread.sleep(1);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("Error while cancelling in-flight ops at stop", e);
        }
        answerWhatTheKernelHolds(error);
    }

    /** Answers the ops the kernel still holds with {@code error}; their memory is kept reachable for good. */
    private void answerWhatTheKernelHolds(IoUringException error) {
        for (Op op : ops.all()) {
            if (op.pendingCqes > 0) {
                // The kernel may still write this memory: never reuse it, keep it alive for good.
                synchronized (QUARANTINE) {
                    QUARANTINE.add(completer.handOut(op));
                }
                completer.finish(op, null, error);
            }
        }
    }

    /**
     * Stops the driver, closes every file still open, the root's descriptor, the free pipes and the ring, then
     * runs the {@link #atRelease} action (the MBean leaves). Idempotent.
     */
    void release() {
        if (ring.isClosed()) {
            return;
        }
        try {
            driver.stop();
            int[] fds = files.removeAll();
            if (rootFd >= 0) {
                fds = Arrays.copyOf(fds, fds.length + 1);
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
                int reaped = ring.cq().drain(completer);
                while (reaped < n) {
                    ring.submitAndWait(1);
                    reaped += ring.cq().drain(completer);
                }
            }
        } catch (RuntimeException e) {
            log.warn("Error while closing files at stop", e);
        } finally {
            pipes.closeAll();
            ring.close();
            atRelease.run();
        }
    }
}
