package io.uringactor.ring;

/** Which io_uring ops the running kernel supports, from {@code IORING_REGISTER_PROBE}. */
public final class Probe {
    private final int lastOp;
    private final boolean[] supported;

    Probe(int lastOp, boolean[] supported) {
        this.lastOp = lastOp;
        this.supported = supported;
    }

    /** The highest op number the kernel knows. */
    public int lastOp() {
        return lastOp;
    }

    /** Whether {@code op} (an {@code IORING_OP_*}) is supported. */
    public boolean supports(int op) {
        return op >= 0 && op < supported.length && supported[op];
    }

    @Override
    public String toString() {
        final StringBuilder sb = new StringBuilder("Probe[lastOp=").append(lastOp).append(", supported=");
        for (int op = 0; op < supported.length; op++) {
            if (supported[op]) {
                sb.append(IoUringConstants.opName(op)).append(' ');
            }
        }
        return sb.append(']').toString();
    }
}
