package io.uringactor.ring;

import static io.uringactor.ring.IoUringConstants.*;
import static io.uringactor.ring.RingTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * Many random reads and writes with a full queue: 64 ops always in flight, each inside its own 4 KiB
 * block, checked against an in-memory model of the file. Seed: {@code -Dring.batch.seed=...} to replay.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a lost completion fails, not hangs
class RingBatchTest {
    private static final int FILE_SIZE = 4 << 20;
    private static final int BLOCK = 4096;
    private static final int BLOCKS = FILE_SIZE / BLOCK;
    private static final int DEPTH = 64;
    private static final int TOTAL_OPS = 12_000;

    @TempDir
    Path dir;

    private final RingTestSupport fds = new RingTestSupport();

    @AfterEach
    void tearDown() {
        fds.close();
    }

    /** One in-flight op: its buffer stays referenced here until its completion is handled. */
    private record Op(boolean write, int block, long offset, int length, AlignedBuffer buffer, byte[] data) {
    }

    @Test
    void randomReadsAndWritesAtQueueDepth64MatchTheModel() {
        final long seed = Long.getLong("ring.batch.seed", System.nanoTime());
        final String why = "seed " + seed + " (replay with -Dring.batch.seed=" + seed + ")";
        final Random random = new Random(seed);

        final Path file = dir.resolve("batch.bin");
        final byte[] model = randomBytes(random, FILE_SIZE);
        channelWrite(file, 0, model);
        final int fd = fds.open(file, O_RDWR);

        final Map<Long, Op> inFlight = new HashMap<>();
        final BitSet busyBlocks = new BitSet(BLOCKS);
        final int[] counts = new int[4]; // completed reads, completed writes, max in flight, completions
        long nextUserData = 1;
        int issued = 0;

        try (IoUring ring = RingTestSupport.openRing(DEPTH)) {
            assertTrue(ring.sq().entries() >= DEPTH);
            final CompletionHandler onCompletion = (userData, res, flags) -> {
                final Op op = inFlight.remove(userData);
                assertNotNull(op, "completion for unknown user_data " + userData + ", " + why);
                assertEquals(op.length(), res, () -> (op.write() ? "write" : "read") + " of " + op.length()
                        + " at " + op.offset() + " returned " + res + " (" + Errno.name(res) + "), " + why);
                final int at = (int) op.offset();
                if (op.write()) {
                    System.arraycopy(op.data(), 0, model, at, op.length());
                    counts[1]++;
                } else {
                    final byte[] got = bytes(op.buffer(), 0, op.length());
                    if (!Arrays.equals(model, at, at + op.length(), got, 0, op.length())) {
                        fail("read of " + op.length() + " at " + at + " differs from the model at byte "
                                + (at + Arrays.mismatch(got, slice(model, at, op.length()))) + ", " + why);
                    }
                    counts[0]++;
                }
                busyBlocks.clear(op.block());
                counts[3]++;
            };

            while (counts[3] < TOTAL_OPS) {
                // Refill to DEPTH ops in flight, each in a block no other in-flight op touches.
                while (inFlight.size() < DEPTH && issued < TOTAL_OPS) {
                    int block = random.nextInt(BLOCKS);
                    while (busyBlocks.get(block)) {
                        block = (block + 1) % BLOCKS;
                    }
                    final int start = random.nextInt(BLOCK);
                    final int length = 1 + random.nextInt(BLOCK - start);
                    final long offset = (long) block * BLOCK + start;
                    final boolean write = random.nextBoolean();
                    final long userData = nextUserData++;
                    final Op op;
                    if (write) {
                        final byte[] data = randomBytes(random, length);
                        op = new Op(true, block, offset, length, bufferOf(data, 1 << random.nextInt(13)), data);
                        assertTrue(ring.sq().prepWrite(fd, op.buffer().address(), length, offset, userData), why);
                    } else {
                        op = new Op(false, block, offset, length, AlignedBuffer.allocate(length, 1 << random.nextInt(13)), null);
                        assertTrue(ring.sq().prepRead(fd, op.buffer().address(), length, offset, userData), why);
                    }
                    busyBlocks.set(block);
                    inFlight.put(userData, op);
                    issued++;
                }
                counts[2] = Math.max(counts[2], inFlight.size());
                ring.submit();
                ring.waitCompletions(1);
                ring.cq().drain(onCompletion);
                assertEquals(inFlight.size(), busyBlocks.cardinality(), why);
            }
            assertEquals(0, ring.cq().overflow(), why);
            assertEquals(0, ring.sq().dropped(), why);
            assertEquals(0, ring.cq().ready(), "no stray completions, " + why);
        }

        assertEquals(TOTAL_OPS, issued, why);
        assertTrue(inFlight.isEmpty(), why);
        assertEquals(DEPTH, counts[2], "ops kept in flight, " + why);
        assertTrue(counts[0] > TOTAL_OPS / 3 && counts[1] > TOTAL_OPS / 3,
                "reads " + counts[0] + ", writes " + counts[1] + ", " + why);
        final byte[] onDisk = channelReadAll(file);
        assertEquals(FILE_SIZE, onDisk.length, why);
        final int mismatch = Arrays.mismatch(model, onDisk);
        assertEquals(-1, mismatch, "the file differs from the model at byte " + mismatch + ", " + why);
    }
}
