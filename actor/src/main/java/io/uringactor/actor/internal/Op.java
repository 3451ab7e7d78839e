package io.uringactor.actor.internal;

import io.uringactor.actor.RingCommand;
import io.uringactor.ring.AlignedBuffer;

import java.util.concurrent.CompletableFuture;

/**
 * One in-flight slot of the ring actor: the request being served and the native memory the kernel uses
 * for it. Slots are reused, never reallocated, so the hot path allocates no bookkeeping; a slot's
 * buffers stay referenced here until every CQE of its op has been reaped.
 */
final class Op {
    static final byte READ = 1;
    static final byte WRITE = 2;
    static final byte READ_BLOCK = 3;
    static final byte WRITE_BLOCK = 4;
    static final byte READV = 5;
    static final byte WRITEV = 6;
    static final byte OPEN = 7;
    static final byte CLOSE = 8;
    static final byte TRIM = 9;
    static final byte FSYNC = 10;
    static final byte STAT = 11;

    /** Scratch buffers start at this size and grow to the largest request seen, in powers of two... */
    private static final int MIN_SCRATCH = 64 * 1024;
    /** ...up to this size; larger requests get a one-off buffer, so idle slots hold at most this much. */
    private static final int MAX_SCRATCH = 1 << 20;
    /** Page alignment, so scratch memory also suits O_DIRECT files. */
    private static final int SCRATCH_ALIGNMENT = 4096;

    final int slot;
    int generation;
    byte kind;
    RingCommand command;
    /** Where a {@link LocalRequest}'s reply goes; null for a command answered by {@code replyTo}. */
    CompletableFuture<Object> future;
    int fd;
    long offset;
    /** Bytes the op moves in all; {@link #done} of them have completed (short writes resubmit the rest). */
    int length;
    int done;
    /** CQEs still to come: 1, or 2 with a linked timeout. */
    int pendingCqes;
    int result;
    boolean timedOut;
    /**
     * The memory the kernel uses for the current op: this slot's scratch, a one-off buffer for a large
     * request, the caller's buffer of a block op, or a path. Held until the op's last CQE is reaped.
     */
    AlignedBuffer data;
    private AlignedBuffer scratch;

    Op(int slot) {
        this.slot = slot;
    }

    /** Native memory of at least {@code size} bytes for this op, which becomes {@link #data}. */
    AlignedBuffer buffer(int size) {
        if (size > MAX_SCRATCH) {
            data = AlignedBuffer.allocate(size, SCRATCH_ALIGNMENT);
            return data;
        }
        if (scratch == null || scratch.capacity() < size) {
            final int capacity = Math.max(MIN_SCRATCH, Integer.highestOneBit(Math.max(1, size - 1)) << 1);
            scratch = AlignedBuffer.allocate(capacity, SCRATCH_ALIGNMENT);
        }
        data = scratch;
        return data;
    }

    /** Uses memory the request brought (a block op's buffer, a path) for this op. */
    void borrow(AlignedBuffer memory) {
        data = memory;
    }

    /** The native buffer the kernel may use for the current op. */
    AlignedBuffer memoryInUse() {
        return data;
    }

    /** The address to move the op's bytes from or to, past the {@link #done} part. */
    long dataAddress() {
        return data.address() + done;
    }

    void begin(byte kind, RingCommand command, int fd) {
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
    }

    /** Forgets the request so nothing it referenced is kept alive by an idle slot. */
    void end() {
        command = null;
        future = null;
        data = null;
        pendingCqes = 0;
    }
}
