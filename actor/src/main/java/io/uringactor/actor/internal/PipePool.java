package io.uringactor.actor.internal;

import io.uringactor.ring.Pipe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The ring actor's pipes for in-kernel copies: made on first use ({@code pipe2} and {@code F_SETPIPE_SZ},
 * two short syscalls on the ring's thread), given back empty after a copy and reused while the ring is
 * busy, closed when nothing is in flight any more (an idle ring holds no pipe descriptors) and when the
 * ring is released. A pipe that may still hold bytes (its copy failed midway) is never given back: it is
 * closed and the next copy gets a new one. Ring thread only.
 */
final class PipePool {
    /** The kernel's default {@code /proc/sys/fs/pipe-max-size}. */
    private static final int DEFAULT_PIPE_MAX_SIZE = 1 << 20;
    /** The kernel's default pipe capacity, which every pipe has at least. */
    private static final int MIN_PIPE_SIZE = 64 << 10;

    private final int keep;
    private final List<Pipe> free = new ArrayList<>();
    /** The largest pipe an unprivileged process may ask for; read once, at the first copy. */
    private int maxSize;

    /** Keeps up to {@code keep} free pipes (two descriptors each); more are closed as they come back. */
    PipePool(int keep) {
        this.keep = keep;
    }

    /**
     * A free pipe of at least {@code wanted} bytes' capacity (capped at {@code pipe-max-size}), or a new one.
     *
     * @throws io.uringactor.ring.ErrnoException when no pipe can be created ({@code EMFILE}, {@code ENFILE})
     */
    Pipe acquire(int wanted) {
        final int size = Math.max(MIN_PIPE_SIZE, Math.min(wanted, maxSize()));
        Pipe smallest = null;
        for (int i = free.size() - 1; i >= 0; i--) {
            final Pipe pipe = free.get(i);
            if (pipe.size() >= size) {
                return free.remove(i);
            }
            if (smallest == null || pipe.size() < smallest.size()) {
                smallest = pipe;
            }
        }
        if (smallest != null && free.size() >= keep) {
            free.remove(smallest); // make room for the larger one we are about to create
            smallest.close();
        }
        return Pipe.open(size);
    }

    /** A pipe back from a copy: reused when {@code empty}, else closed (bytes left inside must not leak). */
    void release(Pipe pipe, boolean empty) {
        if (empty && free.size() < keep) {
            free.add(pipe);
        } else {
            pipe.close();
        }
    }

    /** Whether free pipes are kept (their descriptors open) for the next copy. */
    boolean hasFree() {
        return !free.isEmpty();
    }

    /** Closes every free pipe: the ring stayed idle (see RingBehavior's trim), or is going away. */
    void closeAll() {
        for (Pipe pipe : free) {
            pipe.close();
        }
        free.clear();
    }

    private int maxSize() {
        if (maxSize == 0) {
            try {
                // Not Files.readString: a /proc file reports size 0, and that read returned only its first byte here.
                maxSize = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/fs/pipe-max-size")).get(0).trim());
            } catch (IOException | RuntimeException e) {
                maxSize = DEFAULT_PIPE_MAX_SIZE;
            }
        }
        return maxSize;
    }
}
