package io.uringactor.actor.internal;

/**
 * The ring actor's in-flight slots: one {@link Op} per op the kernel may hold at once
 * ({@code max-in-flight}), allocated at start and reused, and a stack of the free ones (the most recently
 * freed is reused first, its memory still warm). A CQE's {@code user_data} names a slot and the slot's
 * generation, so a late CQE of an earlier op in the same slot is recognised and ignored.
 */
final class OpTable {
    private final Op[] ops;
    private final int[] free;
    private int freeCount;
    private int inFlight;

    OpTable(int slots) {
        this.ops = new Op[slots];
        this.free = new int[slots];
        for (int i = slots - 1; i >= 0; i--) {
            ops[i] = new Op(i);
            free[freeCount++] = i;
        }
    }

    boolean hasFree() {
        return freeCount > 0;
    }

    /** A free slot, now taken; call only when {@link #hasFree}. */
    Op take() {
        return ops[free[--freeCount]];
    }

    /** Gives a slot back; its op has ended. */
    void free(Op op) {
        free[freeCount++] = op.slot;
    }

    /** The op of {@code userData}'s slot if it still waits for CQEs of that generation, else {@code null}. */
    Op waitingFor(long userData) {
        final int slot = UserData.slot(userData);
        final Op op = slot < ops.length ? ops[slot] : null;
        return op != null && op.generation == UserData.generation(userData) && op.pendingCqes > 0 ? op : null;
    }

    /** An op was handed to the kernel (or parked, like a close waiting for its file); returns how many are. */
    int started() {
        return ++inFlight;
    }

    /** An op was answered. */
    void finished() {
        inFlight--;
    }

    /** Ops started and not yet answered. */
    int inFlight() {
        return inFlight;
    }

    /** Every slot, for the abort that answers what the kernel still holds. */
    Op[] all() {
        return ops;
    }
}
