package io.uringactor.actor;

import org.apache.pekko.util.ByteString;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Queue;
import java.util.Random;
import java.util.Set;

/**
 * One client's share of the randomized concurrency test: it owns the blocks {@code block % clients == id}
 * of every file, so clients never race on bytes, and never has two ops in flight on one block; so the
 * expected contents are exact. Reads are checked against the model when they complete.
 */
final class ClientWorkload {
    static final int BLOCK = 4096;

    enum Kind { READ, WRITE, TRIM, FSYNC }

    record PlannedOp(Kind kind, int file, int block, int offsetInBlock, int length, byte[] data) {
        long offset() {
            return (long) block * BLOCK + offsetInBlock;
        }
    }

    private final int id;
    private final int clients;
    private final Random random;
    private final FileHandle[] files;
    private final byte[][] models;
    private final Queue<String> errors;
    private final Set<Long> busy = new HashSet<>();
    private int remaining;
    private int outstanding;

    ClientWorkload(int id, int clients, long seed, FileHandle[] files, byte[][] models, int ops, Queue<String> errors) {
        this.id = id;
        this.clients = clients;
        this.random = new Random(seed * 31 + id);
        this.files = files;
        this.models = models;
        this.remaining = ops;
        this.errors = errors;
    }

    /** The next op to issue, or {@code null} when this client has issued all of its ops. */
    synchronized PlannedOp next() {
        if (remaining == 0) {
            return null;
        }
        final int blocksPerFile = models[0].length / BLOCK;
        int file;
        int block;
        do {
            file = random.nextInt(files.length);
            block = random.nextInt(blocksPerFile / clients) * clients + id;
        } while (!busy.add(key(file, block)));
        remaining--;
        outstanding++;
        final int roll = random.nextInt(100);
        final Kind kind = roll < 50 ? Kind.READ : roll < 88 ? Kind.WRITE : roll < 99 ? Kind.TRIM : Kind.FSYNC;
        final int offsetInBlock = random.nextInt(BLOCK);
        final int length = 1 + random.nextInt(BLOCK - offsetInBlock);
        byte[] data = null;
        if (kind == Kind.WRITE) {
            data = new byte[length];
            random.nextBytes(data);
        }
        return new PlannedOp(kind, file, block, offsetInBlock, length, data);
    }

    FileHandle file(PlannedOp op) {
        return files[op.file()];
    }

    /** Applies a completed op to the model, or checks a read against it. */
    synchronized void completed(PlannedOp op, Object result, Throwable error) {
        outstanding--;
        busy.remove(key(op.file(), op.block()));
        if (error != null) {
            errors.add(op + " failed: " + error);
            return;
        }
        final byte[] model = models[op.file()];
        final int at = (int) op.offset();
        switch (op.kind()) {
            case READ: {
                final byte[] expected = Arrays.copyOfRange(model, at, at + op.length());
                final byte[] actual = ((ByteString) result).toArray();
                if (!Arrays.equals(expected, actual)) {
                    errors.add("client " + id + " read " + op + " returned other bytes than the model");
                }
                break;
            }
            case WRITE:
                if (!Integer.valueOf(op.length()).equals(result)) {
                    errors.add("client " + id + " write " + op + " wrote " + result);
                }
                System.arraycopy(op.data(), 0, model, at, op.length());
                break;
            case TRIM:
                Arrays.fill(model, at, at + op.length(), (byte) 0);
                break;
            default:
                break;
        }
    }

    synchronized boolean finished() {
        return remaining == 0 && outstanding == 0;
    }


    private static long key(int file, int block) {
        return (long) file << 32 | block;
    }
}
