package io.uringactor.bench.compare;

import static io.uringactor.bench.compare.RandomEngines.fillRandom;
import static io.uringactor.bench.compare.RandomEngines.randomOffset;
import static io.uringactor.ring.IoUringConstants.AT_FDCWD;
import static io.uringactor.ring.IoUringConstants.O_CLOEXEC;
import static io.uringactor.ring.IoUringConstants.O_DIRECT;
import static io.uringactor.ring.IoUringConstants.O_RDONLY;
import static io.uringactor.ring.IoUringConstants.O_WRONLY;

import io.uringactor.bench.compare.Engine.Sample;
import io.uringactor.bench.compare.Engine.Workload;
import io.uringactor.ring.AlignedBuffer;
import io.uringactor.ring.CompletionHandler;
import io.uringactor.ring.Errno;
import io.uringactor.ring.IoUring;
import io.uringactor.ring.RingOptions;
import io.uringactor.ring.SubmissionQueue;

import java.lang.ref.Reference;
import java.nio.file.Path;

/** The native-jna ring without the actor: one thread prepares, submits and reaps (as RawRingBenchmark). */
final class RawRingEngine implements Engine, CompletionHandler {
    private static final int BLOCK = Compare.BLOCK;
    /** The fallback engine's threads per ring: {@code io-uring-actor.ring.fallback-threads}, as the rings take it. */
    private static final int FALLBACK_THREADS = Integer.getInteger("io-uring-actor.ring.fallback-threads", 32);

    private Workload w;
    private IoUring ring;
    private SubmissionQueue sq;
    private int fd = -1;
    private AlignedBuffer buffers;
    private long[] issuedAt;
    private int inFlight;
    private long deadline;
    private Recorder recorder;
    private String error;
    /** The ring's kernel half in user space ({@link IoUring#openInUserSpace}): the fallback engine, raw. */
    private final boolean userSpace;

    RawRingEngine() {
        this(false);
    }

    RawRingEngine(boolean userSpace) {
        this.userSpace = userSpace;
    }

    @Override
    public String name() {
        return userSpace ? "fallback/raw" : "uring-raw";
    }

    @Override
    public Group group() {
        return Group.LIBRARY;
    }

    @Override
    public void setup(Workload workload) {
        w = workload;
        final RingOptions options = RingOptions.create(2 * Math.max(2, w.qd()));
        ring = userSpace ? IoUring.openInUserSpace(options, FALLBACK_THREADS) : IoUring.open(options);
        sq = ring.sq();
        final int alignment = w.direct() ? Math.max(BLOCK, AlignedBuffer.directIoAlignment(w.file())) : BLOCK;
        buffers = AlignedBuffer.allocate(w.qd() * BLOCK, alignment);
        fillRandom(buffers.byteBuffer());
        issuedAt = new long[w.qd()];
        fd = open(w.file(), (w.write() ? O_WRONLY : O_RDONLY) | O_CLOEXEC | (w.direct() ? O_DIRECT : 0));
    }

    private int open(Path file, int flags) {
        final AlignedBuffer path = AlignedBuffer.cString(file.toString());
        sq.prepOpenat(AT_FDCWD, path.address(), flags, 0, 0);
        final int[] res = {Integer.MIN_VALUE};
        while (res[0] == Integer.MIN_VALUE) {
            ring.submitAndWait(1);
            ring.cq().drain((userData, r, f) -> res[0] = r);
        }
        Reference.reachabilityFence(path);
        if (res[0] < 0) {
            throw new IllegalStateException("openat(" + file + "): " + Errno.name(-res[0]));
        }
        return res[0];
    }

    private void prep(int slot) {
        final long address = buffers.address(slot * BLOCK);
        final long offset = randomOffset(w.blocks());
        final boolean ok = w.write()
                ? sq.prepWrite(fd, address, BLOCK, offset, slot)
                : sq.prepRead(fd, address, BLOCK, offset, slot);
        if (!ok) {
            throw new IllegalStateException("SQ full");
        }
        inFlight++;
        issuedAt[slot] = System.nanoTime();
        if (w.direct()) {
            // fio's pattern, and the actor's: O_DIRECT SQEs go in one per enter as they are made. Batched they
            // are plugged in the kernel and this virtio disk then reaches ~0.8x the IOPS; cached reads complete
            // inside the enter and are best submitted in one batch per wait.
            ring.submit();
        }
    }

    @Override
    public void onCompletion(long userData, int res, int flags) {
        final long now = System.nanoTime();
        final int slot = (int) userData;
        recorder.record(now - issuedAt[slot]);
        inFlight--;
        if (res != BLOCK && error == null) {
            error = "op returned " + res + (res < 0 ? " (" + Errno.name(-res) + ")" : "");
        }
        if (now < deadline && error == null) {
            prep(slot);
        }
    }

    @Override
    public Sample run(long windowNanos, Recorder recorder) {
        this.recorder = recorder;
        error = null;
        final long start = System.nanoTime();
        deadline = start + windowNanos;
        for (int slot = 0; slot < w.qd(); slot++) {
            prep(slot);
        }
        while (inFlight > 0) {
            ring.submitAndWait(1);
            ring.cq().drain(this);
        }
        final long elapsed = System.nanoTime() - start;
        if (error != null) {
            throw new IllegalStateException(error);
        }
        return Sample.of(recorder, elapsed);
    }

    @Override
    public void close() {
        if (ring != null) {
            if (fd >= 0) {
                sq.prepClose(fd, 0);
                ring.submitAndWait(1);
                ring.cq().drain((u, r, f) -> { });
            }
            ring.close();
        }
        Reference.reachabilityFence(buffers);
    }
}
