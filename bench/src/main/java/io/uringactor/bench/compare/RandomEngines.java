package io.uringactor.bench.compare;

import io.uringactor.actor.OpenOptions;
import io.uringactor.bench.compare.Engine.Sample;
import io.uringactor.bench.compare.Engine.Workload;
import io.uringactor.ring.AlignedBuffer;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the engines of the 4 KiB random read and write workloads share: offsets, buffers, and the driver of
 * CompletionStage APIs. Every engine keeps {@code qd} ops in flight (QD32 from CompletionStage APIs and actors:
 * 4 submitters × 8 outstanding; from blocking APIs: 32 threads) and records each op's latency from its issue to
 * its completion. The engines: {@link ClientEngines} and {@link ActorEngines} (this library through the ring
 * actor), {@link RawRingEngine} (without it), {@link JasyncfioEngine} and {@link JdkEngines} (Java peers).
 */
final class RandomEngines {
    static final int SUBMITTERS = 4;
    /** An op not answered in this long is taken as lost: the engine fails (and is reported) instead of hanging. */
    static final int LOST_AFTER_SECONDS = 10;
    private static final int BLOCK = Compare.BLOCK;
    /** Numbers the actors and groups the engines spawn, so that their names are unique. */
    static final AtomicInteger NAMES = new AtomicInteger();

    private RandomEngines() {
    }

    static long randomOffset(long blocks) {
        return ThreadLocalRandom.current().nextLong(blocks) * BLOCK;
    }

    /** Submitters and ops per submitter for a CompletionStage/actor engine at this queue depth. */
    static int submitters(int qd) {
        return qd >= SUBMITTERS ? SUBMITTERS : 1;
    }

    static void fillRandom(ByteBuffer buffer) {
        final byte[] bytes = new byte[buffer.remaining()];
        ThreadLocalRandom.current().nextBytes(bytes);
        buffer.duplicate().put(bytes);
    }

    /** A direct buffer of one block, aligned for O_DIRECT. */
    static ByteBuffer alignedBlock() {
        final ByteBuffer b = ByteBuffer.allocateDirect(2 * BLOCK).alignedSlice(BLOCK);
        return b.limit(BLOCK).slice();
    }

    /** {@code n} blocks of random bytes in direct buffers aligned for O_DIRECT. */
    static ByteBuffer[] randomBlocks(int n) {
        final ByteBuffer[] blocks = new ByteBuffer[n];
        for (int i = 0; i < n; i++) {
            blocks[i] = alignedBlock();
            fillRandom(blocks[i]);
        }
        return blocks;
    }

    /** {@code n} blocks of random bytes aligned for O_DIRECT on {@code file}, for the ring's block ops. */
    static AlignedBuffer[] directBlocks(Path file, int n) {
        final AlignedBuffer[] blocks = new AlignedBuffer[n];
        for (int i = 0; i < n; i++) {
            blocks[i] = AlignedBuffer.forDirectIo(file, BLOCK);
            fillRandom(blocks[i].byteBuffer());
        }
        return blocks;
    }

    // ----------------------------------------------------------------------------------------------
    // A driver for CompletionStage APIs: submitters × perSubmitter ops outstanding until the deadline.

    interface AsyncOp {
        /** Starts one op on {@code slot} (a buffer index) at {@code offset}; completes with the bytes moved. */
        CompletionStage<Integer> start(int slot, long offset);
    }

    static Sample drive(int qd, long windowNanos, Recorder recorder, long blocks, AsyncOp op) throws Exception {
        final int submitters = submitters(qd);
        final int perSubmitter = qd / submitters;
        final long start = System.nanoTime();
        final long deadline = start + windowNanos;
        final List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < submitters; t++) {
            final int firstSlot = t * perSubmitter;
            final Thread thread = new Thread(() -> {
                final ArrayBlockingQueue<Integer> free = new ArrayBlockingQueue<>(perSubmitter);
                for (int s = 0; s < perSubmitter; s++) {
                    free.add(firstSlot + s);
                }
                try {
                    while (System.nanoTime() < deadline) {
                        final Integer slot = free.poll(LOST_AFTER_SECONDS, TimeUnit.SECONDS);
                        if (slot == null) {
                            recorder.fail(new IllegalStateException("lost completions: " + perSubmitter
                                    + " ops outstanding, none answered in " + LOST_AFTER_SECONDS + " s"));
                            return;
                        }
                        final long t0 = System.nanoTime();
                        op.start(slot, randomOffset(blocks)).whenComplete((bytes, error) -> {
                            recorder.record(System.nanoTime() - t0);
                            if (error != null) {
                                recorder.fail(error instanceof Exception e ? e : new RuntimeException(error));
                            } else if (bytes != BLOCK) {
                                recorder.fail(new IllegalStateException("moved " + bytes + " bytes, not " + BLOCK));
                            }
                            free.add(slot);
                        });
                    }
                    for (int s = 0; s < perSubmitter; s++) { // wait for this submitter's ops to finish
                        if (free.poll(LOST_AFTER_SECONDS, TimeUnit.SECONDS) == null) {
                            recorder.fail(new IllegalStateException("lost completions: ops not answered in "
                                    + LOST_AFTER_SECONDS + " s"));
                            return;
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    recorder.fail(e);
                }
            }, "compare-submitter-" + t);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        final long elapsed = System.nanoTime() - start;
        recorder.check();
        return Sample.of(recorder, elapsed);
    }

    /** How the ring actor engines open a workload's file. */
    static OpenOptions openOptions(Workload w) {
        return switch (w.kind()) {
            case CACHED_READ -> OpenOptions.readOnly();
            case DIRECT_READ -> OpenOptions.readOnly().withDirect();
            case DIRECT_WRITE -> OpenOptions.writeOnly().withDirect();
            case COPY, PING_PONG, FAN_OUT, SKEWED -> throw new IllegalArgumentException("a copy has no random-IO file");
        };
    }
}
