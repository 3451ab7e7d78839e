package io.uringactor.ring;

import static io.uringactor.ring.RingLayout.*;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.ScheduledFuture;

/**
 * One SQE as the {@link UserSpaceKernel} runs it: its fields, copied out of the SQE at submission (the slot
 * is reused at once, as the kernel's is), its place in a link chain, its linked timeout, and its result.
 *
 * <p>Exactly one thread completes a chain: the one that moves its head out of {@link #QUEUED} (a worker
 * that starts it, or a timeout or cancel that takes it back before it started), so its CQEs are posted
 * once.
 */
final class UserSpaceOp {
    static final int QUEUED = 0;
    static final int RUNNING = 1;
    static final int CANCELLED = 2;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(UserSpaceOp.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final byte opcode;
    final int sqeFlags;
    /** The descriptor; a registered file's index until submission resolves it ({@code IOSQE_FIXED_FILE}). */
    int fd;
    final long off;
    final long addr;
    final int len;
    final int opFlags;
    final long userData;
    final int spliceFdIn;
    final int bufIndex;

    /** The first op of this op's link chain (itself when it heads one or stands alone). */
    UserSpaceOp head;
    /** The next op of the chain, or {@code null}. */
    UserSpaceOp next;
    /** The linked timeout's nanoseconds, or -1 when none is linked to this op. */
    long timeoutNanos = -1;
    long timeoutUserData;
    /** The timeout's timer while armed. */
    ScheduledFuture<?> timer;
    /** The linked timeout fired while the op ran: it could not be cancelled. */
    volatile boolean timeoutFired;
    /** The op reads or writes a pollable file: it runs once poll says the file is ready, and can be cancelled. */
    boolean pollable;
    /** A cancel asks the op to give up: only a wait for a pollable file can. */
    volatile boolean cancelRequested;

    /** A standalone {@code TIMEOUT}'s count: the completions after which it ends with 0; 0 for none. */
    long completionsLeft;

    /** The op's CQE result: what its syscall returned, or -errno. */
    int res;
    /** The linked timeout's CQE result. */
    int timeoutRes;

    @SuppressWarnings("unused") // through STATE
    private volatile int state;

    private UserSpaceOp(ByteBuffer sqes, int at) {
        opcode = sqes.get(at + SQE_OPCODE_FIELD);
        sqeFlags = sqes.get(at + SQE_FLAGS_FIELD) & 0xFF;
        fd = sqes.getInt(at + SQE_FD_FIELD);
        off = sqes.getLong(at + SQE_OFF_FIELD);
        addr = sqes.getLong(at + SQE_ADDR_FIELD);
        len = sqes.getInt(at + SQE_LEN_FIELD);
        opFlags = sqes.getInt(at + SQE_OP_FLAGS_FIELD);
        userData = sqes.getLong(at + SQE_USER_DATA_FIELD);
        spliceFdIn = sqes.getInt(at + SQE_SPLICE_FD_IN_FIELD);
        bufIndex = sqes.getShort(at + SQE_BUF_INDEX_FIELD) & 0xFFFF;
        head = this;
    }

    /** The op in the SQE at byte {@code at} of {@code sqes}. */
    static UserSpaceOp read(ByteBuffer sqes, int at) {
        return new UserSpaceOp(sqes, at);
    }

    boolean hasTimeout() {
        return timeoutNanos >= 0;
    }

    /** Moves the op from {@code expected} to {@code next}; whether this thread did it. */
    boolean move(int expected, int next) {
        return STATE.compareAndSet(this, expected, next);
    }

    boolean isCancelled() {
        return (int) STATE.getVolatile(this) == CANCELLED;
    }

    @Override
    public String toString() {
        return "UserSpaceOp[op=" + IoUringConstants.opName(opcode) + ", fd=" + fd + ", user_data=" + userData + "]";
    }
}
