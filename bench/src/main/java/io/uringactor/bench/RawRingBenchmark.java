package io.uringactor.bench;

import static io.uringactor.ring.IoUringConstants.*;

import io.uringactor.ring.AlignedBuffer;
import io.uringactor.ring.CompletionHandler;
import io.uringactor.ring.Errno;
import io.uringactor.ring.IoUring;
import io.uringactor.ring.RingOptions;
import io.uringactor.ring.SubmissionQueue;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The native-jna ring alone, no actor: what the JVM side of io_uring costs, to compare with the liburing C
 * loop in {@code /work/shared/ref} and with fio ({@code bench/fio-reference.sh}). One thread prepares,
 * submits and reaps; every score is in ops (NOPs or 4 KiB reads) per second.
 *
 * <ul>
 *   <li>{@code nop}: 32 NOPs per {@code submitAndWait(32)}: the syscall plus SQE/CQE handling.</li>
 *   <li>{@code readQd1}: one 4 KiB random read, {@code submitAndWait(1)}, drain: one enter per read.</li>
 *   <li>{@code readQd32}: 32 reads kept in flight; each completion reaped is replaced by a new read and
 *       the replacements go in with the next {@code submitAndWait(1)}: like {@code uring-ref.c}.</li>
 * </ul>
 * {@code mode=cached} reads a file warmed into the page cache; {@code mode=direct} opens it O_DIRECT.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class RawRingBenchmark {
    static final int NOP_BATCH = 32;
    static final int QD = 32;
    /** Completions per {@code readQd32} invocation. */
    static final int QD32_OPS = 1024;

    /** A ring for NOPs; no file. */
    @State(Scope.Thread)
    public static class NopRing implements CompletionHandler {
        IoUring ring;
        SubmissionQueue sq;
        long completions;

        @Setup(Level.Trial)
        public void setup() {
            ring = IoUring.open(RingOptions.create(2 * NOP_BATCH));
            sq = ring.sq();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            System.out.printf("%n# nop: %d completions, %.1f SQEs per io_uring_enter%n", completions,
                    (double) completions / Math.max(1, ring.enterCalls()));
            ring.close();
        }

        @Override
        public void onCompletion(long userData, int res, int flags) {
            completions++;
        }
    }

    /** A ring and the data file, opened per {@link #mode}. */
    @State(Scope.Thread)
    public static class FileRing implements CompletionHandler {
        /** {@code cached}: page-cache reads of a warmed file; {@code direct}: O_DIRECT. */
        @Param({"cached", "direct"})
        public String mode;

        /** Size of the data file in MiB (created once, see {@link BenchFiles}). */
        @Param({"256"})
        public int fileSizeMiB;

        IoUring ring;
        SubmissionQueue sq;
        int fd = -1;
        long blocks;
        /** QD blocks of 4 KiB; read {@code i} goes into block {@code i} and carries user_data {@code i}. */
        AlignedBuffer buffers;
        long bufferBase;
        final long[] random = {0x9E3779B97F4A7C15L};
        /** Whether a reaped read is replaced by a new one (QD32) or not (QD1). */
        boolean refill;
        int inFlight;
        long reads;
        long bytes;

        @Setup(Level.Trial)
        public void setup() {
            final boolean direct = BenchFiles.isDirect(mode);
            final Path file = BenchFiles.prepared(fileSizeMiB, direct);
            blocks = ((long) fileSizeMiB << 20) / BenchFiles.BLOCK;
            // Like uring-ref.c: an SQ of twice the queue depth, default flags.
            ring = IoUring.open(RingOptions.create(2 * QD));
            sq = ring.sq();
            final int alignment = direct ? Math.max(BenchFiles.BLOCK, AlignedBuffer.directIoAlignment(file)) : BenchFiles.BLOCK;
            buffers = AlignedBuffer.allocate(QD * BenchFiles.BLOCK, alignment);
            bufferBase = buffers.address();
            fd = openViaRing(ring, file, O_RDONLY | O_CLOEXEC | (direct ? O_DIRECT : 0));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            refill = false;
            while (inFlight > 0) {
                ring.submitAndWait(1);
                ring.cq().drain(this);
            }
            final long enters = ring.enterCalls();
            System.out.printf("%n# %s: %d reads (%d MiB), %.1f SQEs per io_uring_enter%n", mode, reads, bytes >> 20,
                    (double) reads / Math.max(1, enters));
            if (fd >= 0) {
                sq.prepClose(fd, 0);
                ring.submitAndWait(1);
                ring.cq().drain((u, r, f) -> { });
                fd = -1;
            }
            ring.close();
            java.lang.ref.Reference.reachabilityFence(buffers);
        }

        /** Prepares a 4 KiB read at a random block into buffer {@code slot}. */
        void prepRead(int slot) {
            if (!sq.prepRead(fd, bufferBase + (long) slot * BenchFiles.BLOCK, BenchFiles.BLOCK,
                    BenchFiles.nextOffset(random, blocks), slot)) {
                throw new IllegalStateException("SQ full");
            }
            inFlight++;
        }

        @Override
        public void onCompletion(long userData, int res, int flags) {
            inFlight--;
            if (res != BenchFiles.BLOCK) {
                throw new IllegalStateException("read returned " + res + (res < 0 ? " (" + Errno.name(-res) + ")" : ""));
            }
            reads++;
            bytes += res;
            if (refill) {
                prepRead((int) userData);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(NOP_BATCH)
    public int nop(NopRing s) {
        final SubmissionQueue sq = s.sq;
        for (int i = 0; i < NOP_BATCH; i++) {
            sq.prepNop(i);
        }
        s.ring.submitAndWait(NOP_BATCH);
        int reaped = s.ring.cq().drain(s);
        while (reaped < NOP_BATCH) { // a signal may end the wait early
            s.ring.submitAndWait(NOP_BATCH - reaped);
            reaped += s.ring.cq().drain(s);
        }
        return reaped;
    }

    @Benchmark
    public int readQd1(FileRing s) {
        s.refill = false;
        s.prepRead(0);
        s.ring.submitAndWait(1);
        int reaped = s.ring.cq().drain(s);
        while (reaped == 0) {
            s.ring.submitAndWait(1);
            reaped = s.ring.cq().drain(s);
        }
        return reaped;
    }

    @Benchmark
    @OperationsPerInvocation(QD32_OPS)
    public int readQd32(FileRing s) {
        s.refill = true;
        while (s.inFlight < QD) { // first invocation only: afterwards every reaped read is replaced at once
            s.prepRead(s.inFlight);
        }
        int done = 0;
        while (done < QD32_OPS) {
            s.ring.submitAndWait(1);
            done += s.ring.cq().drain(s, QD32_OPS - done);
        }
        return done;
    }

    /** Opens {@code file} with an {@code openat} through the ring (the module keeps libc's open to itself). */
    static int openViaRing(IoUring ring, Path file, int flags) {
        final AlignedBuffer path = AlignedBuffer.cString(file.toString());
        if (!ring.sq().prepOpenat(AT_FDCWD, path.address(), flags, 0, 0)) {
            throw new IllegalStateException("SQ full");
        }
        final int[] res = {Integer.MIN_VALUE};
        while (res[0] == Integer.MIN_VALUE) {
            ring.submitAndWait(1);
            ring.cq().drain((userData, r, f) -> res[0] = r);
        }
        java.lang.ref.Reference.reachabilityFence(path);
        if (res[0] < 0) {
            throw new IllegalStateException("openat(" + file + ") failed: " + Errno.name(-res[0]));
        }
        return res[0];
    }
}
