package io.uringactor.bench.compare;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Per-op latencies of one run in a preallocated {@code long[]} (no allocation while measuring), shared by
 * every thread of the run; ops beyond its capacity are counted but not recorded. Also holds the run's
 * first failure.
 */
final class Recorder {
    private final long[] nanos;
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    Recorder(int capacity) {
        nanos = new long[capacity];
    }

    void reset() {
        count.set(0);
        failure.set(null);
    }

    void record(long latencyNanos) {
        final int i = count.getAndIncrement();
        if (i < nanos.length) {
            nanos[i] = latencyNanos;
        }
    }

    void fail(Throwable error) {
        failure.compareAndSet(null, error);
    }

    /** Throws the run's first failure, if any. */
    void check() throws Exception {
        final Throwable error = failure.get();
        if (error instanceof Exception e) {
            throw e;
        } else if (error != null) {
            throw new IllegalStateException(error);
        }
    }

    long count() {
        return count.get();
    }

    /** The given percentiles (0–100) in µs; NaN when nothing was recorded. */
    double[] percentiles(double... ps) {
        final int n = Math.min(count.get(), nanos.length);
        final double[] out = new double[ps.length];
        if (n == 0) {
            Arrays.fill(out, Double.NaN);
            return out;
        }
        final long[] sorted = Arrays.copyOf(nanos, n);
        Arrays.sort(sorted);
        for (int i = 0; i < ps.length; i++) {
            final int rank = (int) Math.min(n - 1, Math.max(0, Math.ceil(ps[i] / 100.0 * n) - 1));
            out[i] = sorted[rank] / 1000.0;
        }
        return out;
    }
}
