package io.uringactor.actor.internal;

import io.uringactor.actor.RingCommand;
import io.uringactor.ring.AlignedBuffer;
import io.uringactor.ring.Pipe;


/**
 * One in-flight slot of the ring actor: the request being served and the native memory the kernel uses
 * for it. Slots are reused, never reallocated, so the hot path allocates no bookkeeping; a slot's
 * buffers stay referenced here until every CQE of its op has been reaped.
 */
final class Op {

    final int slot;
    int generation;
    CommandKind kind;
    RingCommand command;
    /** The request the op serves, which its one reply answers; {@code null} for a close nobody waits for. */
    Request request;
    int fd;
    long offset;
    /** Bytes the op moves in all; {@link #done} of them have completed (short writes resubmit the rest). */
    int length;
    int done;
    /** CQEs still to come: 1, or 2 with a linked timeout. */
    int pendingCqes;
    /** {@link RingCounters#startTime()} when the op's SQE was prepared, for its latency; 0 for none. */
    long startTime;
    /** {@link System#nanoTime()} by which the op must finish, for a continuation's timeout; 0 for none. */
    long deadline;
    /** The open-file table index the op works on (counted in its in-flight ops), or -1. */
    int file = -1;
    /** A block request from another node: its buffer is the pool's and goes out with the reply. */
    boolean remote;
    /** An O_DIRECT open whose file is open ({@link #fd}) and whose {@code statx} for its alignment is in flight. */
    boolean statingAlignment;
    int result;
    boolean timedOut;
    /**
     * The memory the kernel uses for the current op: a buffer of the ring's {@link NativeBufferPool}
     * (then {@link #pooled}), the caller's buffer of a block op, or a path. Held until the op's last CQE
     * is reaped; a pooled buffer then goes back to the pool.
     */
    AlignedBuffer data;
    /** Whether {@link #data} came from the pool. */
    boolean pooled;

    // A copy: {@link #fd}, {@link #offset} and {@link #file} are its source, {@link #length} and {@link #done}
    // its range and the bytes written to the target; {@link #result} is the current round's file -> pipe result.
    /** The copy's target: its descriptor, its offset, its open-file table index (counted in its in-flight ops). */
    int targetFd;
    long targetOffset;
    int targetFile = -1;
    /** The pipe the copy moves pages through, from the ring's {@link PipePool}; {@code null} for other ops. */
    Pipe pipe;
    /** Bytes spliced into the pipe and not yet out of it. */
    int inPipe;
    /** The current round's file -> pipe length asked for, or -1 when the round only drains the pipe. */
    int asked;
    /** The last file -> pipe result; 0 means the source ended. -1 before the first. */
    int lastRead;
    /** The current round's pipe -> file result. */
    int pipeResult;
    /** Set when the copy ended with an empty pipe: only then does the pipe go back to the pool. */
    boolean pipeClean;

    Op(int slot) {
        this.slot = slot;
    }

    /** Uses {@code buffer}, taken from the ring's pool, for this op. */
    AlignedBuffer usePooled(AlignedBuffer buffer) {
        data = buffer;
        pooled = true;
        return buffer;
    }

    /** Uses memory the request brought (a block op's buffer, a path) for this op. */
    void borrow(AlignedBuffer memory) {
        data = memory;
        pooled = false;
    }

    /** The native buffer the kernel may use for the current op. */
    AlignedBuffer memoryInUse() {
        return data;
    }

    /** The address to move the op's bytes from or to, past the {@link #done} part. */
    long dataAddress() {
        return data.address() + done;
    }

    void begin(CommandKind kind, RingCommand command, int fd) {
        generation++;
        this.kind = kind;
        this.command = command;
        this.fd = fd;
        this.offset = 0;
        this.length = 0;
        this.done = 0;
        this.pendingCqes = 1;
        this.result = 0;
        this.timedOut = false;
        this.deadline = 0;
        this.file = -1;
        this.remote = false;
        this.statingAlignment = false;
        this.targetFile = -1;
        this.pipe = null;
        this.inPipe = 0;
        this.asked = 0;
        this.lastRead = -1;
        this.pipeResult = 0;
        this.pipeClean = false;
    }

    /**
     * Forgets the request so nothing it referenced is kept alive by an idle slot; returns the pooled
     * buffer it used, for the caller to give back, or {@code null}.
     */
    AlignedBuffer end() {
        final AlignedBuffer pooledBuffer = pooled ? data : null;
        command = null;
        request = null;
        data = null;
        pooled = false;
        pendingCqes = 0;
        file = -1;
        targetFile = -1;
        return pooledBuffer;
    }

    /** Whether the slot serves a request now (between {@link #begin} and {@link #end}). */
    boolean busy() {
        return command != null;
    }
}
