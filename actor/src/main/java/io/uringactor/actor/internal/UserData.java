package io.uringactor.actor.internal;

/**
 * Packs and unpacks the 64-bit {@code user_data} of the ring actor's SQEs; no other class does bit
 * twiddling on it. Layout: bits 0–29 the in-flight slot, bit 30 set on the pipe &rarr; file half of a
 * copy, bit 31 set on a slot's linked timeout, bits 32–63 the slot's generation (so a completion can never be taken for a later op in the same slot).
 * Negative values are reserved for the actor's own housekeeping SQEs.
 */
final class UserData {
    /** An {@code ASYNC_CANCEL} of an op in flight, at stop. */
    static final long CANCEL_ALL = -1L;
    /** A {@code CLOSE} of a file still open at stop. */
    static final long CLOSE_AT_STOP = -2L;
    /** The read of the loop's wake-up eventfd. */
    static final long WAKE_UP = -3L;

    private static final long TIMEOUT_BIT = 1L << 31;
    private static final long PIPE_HALF_BIT = 1L << 30;
    private static final long SLOT_MASK = PIPE_HALF_BIT - 1;

    private UserData() {
    }

    static long op(int slot, int generation) {
        return (long) generation << 32 | slot;
    }

    static long linkTimeout(int slot, int generation) {
        return op(slot, generation) | TIMEOUT_BIT;
    }

    /** The pipe &rarr; file splice of a copy's round; {@link #op} names its file &rarr; pipe half. */
    static long pipeHalf(int slot, int generation) {
        return op(slot, generation) | PIPE_HALF_BIT;
    }

    /**
     * Whether {@code userData} is one of the housekeeping values above. An op's value is negative too once
     * its slot's generation passes 2^31, but it never falls in {@code -3..-1}: that would need a slot of
     * 2^31 - 3 or more, and there are at most 65536 slots.
     */
    static boolean isHousekeeping(long userData) {
        return userData < 0 && userData >= WAKE_UP;
    }

    static int slot(long userData) {
        return (int) (userData & SLOT_MASK);
    }

    static int generation(long userData) {
        return (int) (userData >>> 32);
    }

    static boolean isLinkTimeout(long userData) {
        return (userData & TIMEOUT_BIT) != 0;
    }

    static boolean isPipeHalf(long userData) {
        return (userData & PIPE_HALF_BIT) != 0;
    }
}
