package io.uringactor.ring;

import static io.uringactor.ring.IoUringConstants.*;

/**
 * How to set up a ring: its size and {@code IORING_SETUP_*} flags. Immutable; {@code withX} returns a copy.
 *
 * <p>Flags asked for with {@link #withOptionalFlags} are used only if the running kernel accepts them:
 * {@link IoUring#open} probes by retrying without them (newest first) when setup says {@code EINVAL},
 * and {@link IoUring#setupFlags()} tells what was granted.
 */
public final class RingOptions {
    private final int entries;
    private final int cqEntries;
    private final int flags;
    private final int optionalFlags;

    private RingOptions(int entries, int cqEntries, int flags, int optionalFlags) {
        if (entries <= 0) {
            throw new IllegalArgumentException("entries=" + entries + " must be positive");
        }
        if (cqEntries < 0) {
            throw new IllegalArgumentException("cqEntries=" + cqEntries + " must not be negative");
        }
        refuseUnhandled(flags | optionalFlags);
        this.entries = entries;
        this.cqEntries = cqEntries;
        this.flags = flags;
        this.optionalFlags = optionalFlags & ~flags;
    }

    /**
     * Setup flags that change how a ring must be driven or laid out, which {@link IoUring} does not do: a ring
     * set up with one would misbehave silently (lost submissions, garbled SQEs or CQEs, waits that never end),
     * so they are refused up front.
     */
    private static void refuseUnhandled(int flags) {
        final StringBuilder refused = new StringBuilder();
        unhandled(refused, flags, IoUringConstants.IORING_SETUP_IOPOLL, "IORING_SETUP_IOPOLL",
                "completions must be polled and only O_DIRECT on polled block devices works");
        unhandled(refused, flags, IoUringConstants.IORING_SETUP_SQPOLL, "IORING_SETUP_SQPOLL",
                "a kernel thread consumes the SQ and must be woken when it sets IORING_SQ_NEED_WAKEUP");
        unhandled(refused, flags, IoUringConstants.IORING_SETUP_R_DISABLED, "IORING_SETUP_R_DISABLED",
                "the ring must be enabled with IORING_REGISTER_ENABLE_RINGS before use");
        unhandled(refused, flags, IoUringConstants.IORING_SETUP_SQE128, "IORING_SETUP_SQE128",
                "SQEs are 128 bytes, not the 64 this ring writes");
        unhandled(refused, flags, IoUringConstants.IORING_SETUP_CQE32, "IORING_SETUP_CQE32",
                "CQEs are 32 bytes, not the 16 this ring reads");
        unhandled(refused, flags, IoUringConstants.IORING_SETUP_NO_SQARRAY, "IORING_SETUP_NO_SQARRAY",
                "the SQ has no index array, which this ring fills");
        if (refused.length() > 0) {
            throw new IllegalArgumentException("setup flags this ring does not handle: " + refused);
        }
    }

    private static void unhandled(StringBuilder refused, int flags, int flag, String name, String why) {
        if ((flags & flag) != 0) {
            refused.append(refused.length() > 0 ? "; " : "").append(name).append(" (").append(why).append(')');
        }
    }

    /**
     * {@code entries} SQ slots (rounded up to a power of two; clamped to the kernel maximum), the kernel's
     * default CQ size (twice the SQ), and {@code CLAMP | SUBMIT_ALL} where the kernel has them.
     */
    public static RingOptions create(int entries) {
        return new RingOptions(entries, 0, 0, IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL);
    }

    /** The CQ size; 0 for the kernel default of twice the SQ size. */
    public RingOptions withCqEntries(int cqEntries) {
        return new RingOptions(entries, cqEntries, flags, optionalFlags);
    }

    /** {@code IORING_SETUP_*} flags that must be granted, or setup fails. */
    public RingOptions withRequiredFlags(int requiredFlags) {
        return new RingOptions(entries, cqEntries, requiredFlags, optionalFlags);
    }

    /** {@code IORING_SETUP_*} flags to use where the kernel supports them. */
    public RingOptions withOptionalFlags(int optional) {
        return new RingOptions(entries, cqEntries, flags, optional);
    }

    /** The SQ size asked for; the kernel rounds it up to a power of two. */
    public int entries() {
        return entries;
    }

    /** The CQ size asked for, or 0 for the kernel default (twice the SQ size). */
    public int cqEntries() {
        return cqEntries;
    }

    /** The {@code IORING_SETUP_*} flags that must be granted. */
    public int requiredFlags() {
        return flags;
    }

    /** The {@code IORING_SETUP_*} flags used only where the kernel accepts them; never one of the required flags. */
    public int optionalFlags() {
        return optionalFlags;
    }

    @Override
    public String toString() {
        return "RingOptions[entries=" + entries + ", cqEntries=" + cqEntries + ", requiredFlags=0x"
                + Integer.toHexString(flags) + ", optionalFlags=0x" + Integer.toHexString(optionalFlags) + "]";
    }
}
