package io.uringactor.actor.internal;

import io.uringactor.actor.FileHandle;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The ring actor's table of open files. A {@link FileHandle} id is the table index in the low 32 bits
 * and a generation from a random start in the high 32 bits, so a handle forged, stale (closed, reused
 * index) or from another actor does not resolve. Lookups are array reads: nothing boxed per op.
 *
 * <p>Each file counts its ops in flight. A close waits for them: its handle stops resolving at once, but
 * the descriptor is closed (and the entry freed) only when the last op on it has completed, so a short
 * write's continuation can never land in another file that reused the descriptor number.
 */
final class OpenFiles {
    private long[] ids = new long[16];
    private int[] fds = new int[16];
    private int[] directIoAlignment = new int[16];
    private String[] paths = new String[16];
    private int[] inFlight = new int[16];
    /** The close waiting for a file's ops to finish, or null; the entry stays taken until it runs. */
    private Op[] pendingClose = new Op[16];
    private int size;
    private int open;
    private int nextGeneration = new SecureRandom().nextInt();

    /** Registers the file of a bound actor under {@link FileHandle#BOUND}. */
    FileHandle addBound(int fd, String path, int directIoAlignment) {
        if (size != 0) {
            throw new IllegalStateException("the bound file must be the first one");
        }
        add(fd, path, directIoAlignment);
        ids[0] = FileHandle.BOUND.id();
        return FileHandle.BOUND;
    }

    FileHandle add(int fd, String path, int directIoAlignment) {
        int index = indexOfFree();
        if (index < 0) {
            index = size++;
            if (index == ids.length) {
                final int capacity = ids.length * 2;
                ids = Arrays.copyOf(ids, capacity);
                fds = Arrays.copyOf(fds, capacity);
                this.directIoAlignment = Arrays.copyOf(this.directIoAlignment, capacity);
                paths = Arrays.copyOf(paths, capacity);
                inFlight = Arrays.copyOf(inFlight, capacity);
                pendingClose = Arrays.copyOf(pendingClose, capacity);
            }
        }
        int generation = nextGeneration++;
        while (generation == 0 || generation == (int) (FileHandle.BOUND.id() >>> 32)) {
            generation = nextGeneration++; // id 0 never names a file, and BOUND is only the bound file
        }
        final long id = (long) generation << 32 | index;
        ids[index] = id;
        fds[index] = fd;
        this.directIoAlignment[index] = directIoAlignment;
        paths[index] = path;
        open++;
        return new FileHandle(id);
    }

    /** The table index of an open file, or -1 when the handle is unknown, closed or forged. */
    int indexOf(FileHandle handle) {
        if (handle == null) {
            return -1;
        }
        final long id = handle.id();
        final int index = (int) id;
        return index >= 0 && index < size && ids[index] == id && id != 0 && pendingClose[index] == null ? index : -1;
    }

    /** An op on the file started. */
    void retain(int index) {
        inFlight[index]++;
    }

    /**
     * An op on the file finished. Returns the close that waited for it to be the last one, now due, or
     * {@code null}.
     */
    Op release(int index) {
        if (--inFlight[index] == 0 && pendingClose[index] != null) {
            final Op close = pendingClose[index];
            pendingClose[index] = null;
            return close;
        }
        return null;
    }

    /** Whether ops on the file are in flight. */
    boolean busy(int index) {
        return inFlight[index] > 0;
    }

    /** Parks {@code close} until the file's in-flight ops are done; the handle stops resolving now. */
    void closeWhenIdle(int index, Op close) {
        pendingClose[index] = close;
    }

    int fd(int index) {
        return fds[index];
    }

    /** The O_DIRECT alignment of the file, or 0 if it was not opened with O_DIRECT. */
    int directIoAlignment(int index) {
        return directIoAlignment[index];
    }

    String path(int index) {
        return paths[index];
    }

    /** The path of the open file with {@code fd}, or {@code null}; a scan, for error messages only. */
    String pathOfFd(int fd) {
        for (int i = 0; i < size; i++) {
            if (ids[i] != 0 && fds[i] == fd) {
                return paths[i];
            }
        }
        return null;
    }

    /** Forgets the file; its handle stops resolving at once. Returns its fd. */
    int remove(int index) {
        ids[index] = 0;
        paths[index] = null;
        inFlight[index] = 0;
        pendingClose[index] = null;
        open--;
        return fds[index];
    }

    int openCount() {
        return open;
    }

    /** The fds of every open file, and forgets them all. */
    int[] removeAll() {
        final int[] result = new int[open];
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (ids[i] != 0) {
                result[n++] = remove(i);
            }
        }
        return result;
    }

    private int indexOfFree() {
        if (open == size) {
            return -1;
        }
        for (int i = 0; i < size; i++) {
            if (ids[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
