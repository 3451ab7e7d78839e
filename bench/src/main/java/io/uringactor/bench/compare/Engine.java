package io.uringactor.bench.compare;

import java.nio.file.Path;

/** One way of running a workload. Created per workload, set up once, run several times, closed. */
// close() may wait for an engine's threads (so may throw InterruptedException); the harness closes engines itself
// (Compare.closeQuietly), never in try-with-resources, where javac's warning about that would matter.
@SuppressWarnings("try")
interface Engine extends AutoCloseable {

    /** Who an engine is: this library, another Java library or the JDK, or a native tool. */
    enum Group { LIBRARY, JAVA_PEER, NATIVE }

    String name();

    Group group();

    /** Opens files, starts threads; throws {@link Skip} when this engine cannot run the workload here. */
    void setup(Workload workload) throws Exception;

    /** One measured window (random IO) or one whole copy; latencies of random IO go to {@code recorder}. */
    Sample run(long windowNanos, Recorder recorder) throws Exception;

    /** Whether a warm-up run (discarded) helps: the JIT. Not for native tools. */
    default boolean wantsWarmup() {
        return group() != Group.NATIVE;
    }

    @Override
    default void close() throws Exception {
    }

    /** The workloads. */
    enum Kind { CACHED_READ, DIRECT_READ, DIRECT_WRITE, COPY, PING_PONG, FAN_OUT, SKEWED }

    /**
     * @param file     the file read or written (the copy's source)
     * @param fileSize its size in bytes
     * @param qd       queue depth (1 or 32); 0 for the copy
     * @param scratch  a directory for copy targets and tool output
     */
    record Workload(String name, Kind kind, int qd, Path file, long fileSize, Path scratch) {
        boolean direct() {
            return kind == Kind.DIRECT_READ || kind == Kind.DIRECT_WRITE;
        }

        boolean write() {
            return kind == Kind.DIRECT_WRITE;
        }

        long blocks() {
            return fileSize / Compare.BLOCK;
        }
    }

    /**
     * One run's result. {@code ops} is 0 for a copy; latencies in µs, NaN when not measured.
     */
    record Sample(long ops, long bytes, double seconds, double p50us, double p99us) {
        double opsPerSecond() {
            return ops / seconds;
        }

        double mbPerSecond() {
            return bytes / seconds / 1e6;
        }

        static Sample of(Recorder recorder, long elapsedNanos) {
            final long ops = recorder.count();
            final double[] p = recorder.percentiles(50, 99);
            return new Sample(ops, ops * Compare.BLOCK, elapsedNanos / 1e9, p[0], p[1]);
        }
    }

    /** An engine that cannot run here; the reason goes into the report. */
    final class Skip extends Exception {
        Skip(String reason) {
            super(reason, null, false, false);
        }
    }
}
