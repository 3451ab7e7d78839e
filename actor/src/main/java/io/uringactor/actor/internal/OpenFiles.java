package io.uringactor.actor.internal;

import io.uringactor.actor.FileHandle;
import io.uringactor.ring.ErrnoException;
import io.uringactor.ring.FileDescriptors;

import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The ring actor's table of open files. A {@link FileHandle} id holds a generation from a random start in
 * its high 32 bits, and in its low 32 the issuing ring's number in its group (bits 24..30, 0 outside a
 * group) and the table index (bits 0..23), so a handle forged, stale (closed, reused index) or from another
 * actor does not resolve. Lookups are array reads: nothing boxed per op.
 *
 * <p>In a ring group ({@link SharedFiles}) the table also holds the files of the group's other rings that
 * this ring was asked to serve: imported on first use as a duplicate descriptor of its own, found again by
 * the issuing ring's number and index, and dropped when their owner withdraws them. A handle whose file
 * was closed because its owner stopped is refused as a stop ({@link #takeOwnerStopped}), not as a bad handle.
 *
 * <p>Each file counts its ops in flight. A close waits for them: its handle stops resolving at once, but
 * the descriptor is closed (and the entry freed) only when the last op on it has completed, so a short
 * write's continuation can never land in another file that reused the descriptor number.
 */
final class OpenFiles {
    /** Most rings in a group: the ring number has 7 bits of the handle id. */
    static final int MAX_RINGS = 128;
    private static final int INDEX_BITS = 24;
    private static final int INDEX_MASK = (1 << INDEX_BITS) - 1;

    /** This ring's number in its group (0 outside one). */
    private final int ring;
    /** The group's published files, or {@code null} for a ring of its own. */
    private final SharedFiles shared;
    /** This ring actor, which importers name to their owner; {@code null} outside a group. */
    private final ActorRef<Object> self;
    /** For each other ring of the group, its table index to our index + 1 (0: not imported). */
    private final int[][] imported;
    /** The group's entry of a file, ours or imported (null outside a group). */
    private SharedFiles.SharedFile[] sharedEntry = new SharedFiles.SharedFile[16];
    /** Whether a file withdrawn from the group is to be closed (no reply) once its ops are done. */
    private boolean[] releaseWhenIdle = new boolean[16];
    /** Why the last import failed, for the refusal of that request; null when it did not. */
    private String importFailure;
    /**
     * The last handle that did not resolve names a file of the group closed because the ring that opened it
     * stopped; set only on that miss, taken (and cleared) by the refusal of the same request.
     */
    private boolean ownerStopped;

    private long[] ids = new long[16];
    private int[] fds = new int[16];
    private int[] directIoAlignment = new int[16];
    private String[] paths = new String[16];
    private int[] inFlight = new int[16];
    /** The close waiting for a file's ops to finish, or null; the entry stays taken until it runs. */
    private Op[] pendingClose = new Op[16];
    /** The node that opened each file when it is another node, else null: its files close when it is gone. */
    private Address[] openers = new Address[16];
    /** When an op last started on each file another node opened (System.nanoTime). */
    private long[] lastUsed = new long[16];
    /** Files open here per other node that opened them (JMX reads it from its own thread). */
    private final Map<Address, Integer> openedFrom = new ConcurrentHashMap<>();
    /** Told the first time a node has a file open here, so the ring watches it; null: nobody is told. */
    private Consumer<Address> firstFileFrom;
    private int size;
    private int open;
    private int nextGeneration = new SecureRandom().nextInt();

    /** The table of a ring of its own. */
    OpenFiles() {
        this(0, null, null);
    }

    /**
     * The table of ring {@code ring} of a group that shares its files through {@code shared}.
     *
     * @param self the ring actor, which owners tell when an imported file is withdrawn
     */
    OpenFiles(int ring, SharedFiles shared, ActorRef<Object> self) {
        if (ring < 0 || ring >= MAX_RINGS) {
            throw new IllegalArgumentException("a ring group has at most " + MAX_RINGS + " rings, got ring " + ring);
        }
        this.ring = ring;
        this.shared = shared;
        this.self = self;
        this.imported = shared == null ? null : new int[MAX_RINGS][];
    }

    /** Tells {@code listener} the first time a node has a file open here (again after its files closed). */
    void onFirstFileFrom(Consumer<Address> listener) {
        this.firstFileFrom = listener;
    }

    /** Registers the file of a bound actor under {@link FileHandle#BOUND}. */
    FileHandle addBound(int fd, String path, int directIoAlignment) {
        if (size != 0) {
            throw new IllegalStateException("the bound file must be the first one");
        }
        add(fd, path, directIoAlignment, null);
        ids[0] = FileHandle.BOUND.id();
        return FileHandle.BOUND;
    }

    /**
     * Registers a file the ring opened; {@code opener} is the other node that asked for it (its files close
     * when it is gone: {@link #closeOpenedFrom}), or {@code null} for this node.
     */
    FileHandle add(int fd, String path, int directIoAlignment, Address opener) {
        final int index = freeIndex();
        if (opener != null) {
            openers[index] = opener;
            lastUsed[index] = System.nanoTime();
            if (openedFrom.merge(opener, 1, Integer::sum) == 1 && firstFileFrom != null) {
                firstFileFrom.accept(opener);
            }
        }
        int generation = nextGeneration++;
        while (generation == 0 || generation == (int) (FileHandle.BOUND.id() >>> 32)) {
            generation = nextGeneration++; // id 0 never names a file, and BOUND is only the bound file
        }
        final long id = (long) generation << 32 | (long) ring << INDEX_BITS | index;
        fill(index, id, fd, path, directIoAlignment, shared == null ? null : shared.publish(id, fd, path,
                directIoAlignment, self));
        return new FileHandle(id);
    }

    /** A free table index, the table grown if need be. */
    private int freeIndex() {
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
                openers = Arrays.copyOf(openers, capacity);
                lastUsed = Arrays.copyOf(lastUsed, capacity);
                sharedEntry = Arrays.copyOf(sharedEntry, capacity);
                releaseWhenIdle = Arrays.copyOf(releaseWhenIdle, capacity);
            }
            if (index > INDEX_MASK) {
                size--;
                throw new IllegalStateException("a ring's file table holds at most " + (INDEX_MASK + 1) + " files");
            }
        }
        return index;
    }

    private void fill(int index, long id, int fd, String path, int directIoAlignment, SharedFiles.SharedFile from) {
        ids[index] = id;
        fds[index] = fd;
        this.directIoAlignment[index] = directIoAlignment;
        paths[index] = path;
        sharedEntry[index] = from;
        open++;
    }

    /**
     * The table index of an open file, or -1 when the handle is unknown, closed or forged. A handle another
     * ring of the group issued is imported on first use (see {@link SharedFiles}).
     */
    int indexOf(FileHandle handle) {
        if (handle == null) {
            return -1;
        }
        final long id = handle.id();
        final int low = (int) id;
        if (low >>> INDEX_BITS != ring) {
            return shared == null || low < 0 ? -1 : importedIndexOf(id, low >>> INDEX_BITS, low & INDEX_MASK);
        }
        final int index = low & INDEX_MASK;
        return index < size && ids[index] == id && id != 0 && pendingClose[index] == null
                && (sharedEntry[index] == null || live(index)) ? index : -1;
    }

    /** A file of the group: not withdrawn (else it starts closing, and the handle is dead now). */
    private boolean live(int index) {
        final SharedFiles.SharedFile entry = sharedEntry[index];
        if (releaseWhenIdle[index]) {
            ownerStopped = entry.ownerStopped; // withdrawn: closed is set (and ownerStopped with it)
            return false;
        }
        if (!entry.closed) {
            return true;
        }
        ownerStopped = entry.ownerStopped;
        closeSilently(index); // withdrawn by another ring: its message is on its way, but the handle is dead now
        return false;
    }

    /** {@link #indexOf} for a file of ring {@code owner}: ours already, or imported now, or -1. */
    private int importedIndexOf(long id, int owner, int ownerIndex) {
        final int[] row = imported[owner];
        final int known = row != null && ownerIndex < row.length ? row[ownerIndex] - 1 : -1;
        if (known >= 0 && ids[known] == id) {
            return pendingClose[known] == null && live(known) ? known : -1;
        }
        final SharedFiles.SharedFile file = shared.find(id);
        if (file == null) {
            return -1;
        }
        final int fd;
        try {
            fd = file.importInto(self);
        } catch (ErrnoException e) {
            importFailure = "file handle " + new FileHandle(id) + " of another ring of the group could not be served"
                    + " here: " + e.getMessage();
            return -1;
        }
        if (fd < 0) {
            ownerStopped = file.ownerStopped; // closed: importInto read that under the entry's lock
            return -1;
        }
        final int index = freeIndex();
        fill(index, id, fd, file.path, file.directIoAlignment, file);
        int[] slots = imported[owner];
        if (slots == null || ownerIndex >= slots.length) {
            slots = Arrays.copyOf(slots == null ? new int[0] : slots, Math.max(16, Integer.highestOneBit(ownerIndex) * 2));
            imported[owner] = slots;
        }
        slots[ownerIndex] = index + 1;
        return index;
    }

    /**
     * Another ring of the group closed file {@code id} ({@link SharedFiles.Withdrawn}): close our descriptor
     * of it (the owner's, or our duplicate) now, or after our last op on it. Ids this table does not hold
     * (never imported, closed already) are ignored.
     */
    void withdrawn(long id) {
        final int low = (int) id;
        if (low < 0 || imported == null) {
            return;
        }
        final int owner = low >>> INDEX_BITS;
        final int ownerIndex = low & INDEX_MASK;
        final int index;
        if (owner == ring) {
            index = ownerIndex;
        } else {
            final int[] row = imported[owner];
            index = row != null && ownerIndex < row.length ? row[ownerIndex] - 1 : -1;
        }
        if (index >= 0 && index < size && ids[index] == id && pendingClose[index] == null && !releaseWhenIdle[index]) {
            closeSilently(index);
        }
    }

    /**
     * Closes a withdrawn file's descriptor now if no op uses it, else once the last one is done; nobody waits
     * for the answer (the Close that withdrew it was answered by the ring that took it).
     */
    private void closeSilently(int index) {
        if (inFlight[index] > 0) {
            releaseWhenIdle[index] = true;
            return;
        }
        // Withdrawn already: forget, not remove, which would withdraw it again and drop the entry a stopped
        // owner leaves for the other rings' requests (SharedFiles#withdrawAtStop).
        final int fd = forget(index);
        FileDescriptors.close(fd); // an error here (a late EIO) was the closing ring's to report
    }

    /**
     * Why {@code handle} does not resolve, for its refusal: unknown or closed, closed because the ring that
     * opened it stopped, or (rarely) a file of another ring that could not be duplicated here.
     */
    String refusalFor(FileHandle handle) {
        final String failure = importFailure;
        importFailure = null;
        if (failure != null) {
            return failure;
        }
        return ownerStopped ? "file handle " + handle + " was closed when the ring of the group that opened it"
                + " stopped" : RequestChecks.unknownHandle(handle);
    }

    /**
     * Whether the request just refused met a file closed because the ring that opened it stopped: answer it
     * with a stop, as that ring would have, not as a bad request. Clears it: called on every refusal.
     */
    boolean takeOwnerStopped() {
        final boolean stopped = ownerStopped;
        ownerStopped = false;
        return stopped;
    }

    /** An op on the file started. */
    void retain(int index) {
        inFlight[index]++;
        if (openers[index] != null) {
            lastUsed[index] = System.nanoTime();
        }
    }

    /**
     * An op on the file finished. Returns the close that waited for it to be the last one, now due, or
     * {@code null}.
     */
    Op release(int index) {
        if (--inFlight[index] == 0 && releaseWhenIdle[index]) {
            closeSilently(index);
            return null;
        }
        if (inFlight[index] == 0 && pendingClose[index] != null) {
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
        withdrawIfShared(index);
    }

    /** A file of the group stops resolving on every ring of the group, which close their descriptors of it. */
    private void withdrawIfShared(int index) {
        if (sharedEntry[index] != null) {
            shared.withdraw(ids[index], self);
        }
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

    /** Forgets the file; its handle stops resolving at once, on every ring of the group. Returns its fd. */
    int remove(int index) {
        withdrawIfShared(index);
        return forget(index);
    }

    /**
     * Closes every file {@code node} opened here, as a Close of each would (now, or after the ops in flight on
     * it), answering nobody: the node is gone. Returns how many.
     */
    int closeOpenedFrom(Address node) {
        int closed = 0;
        for (int i = 0; i < size; i++) {
            if (ids[i] != 0 && node.equals(openers[i]) && pendingClose[i] == null && !releaseWhenIdle[i]) {
                withdrawIfShared(i);
                closeSilently(i);
                closed++;
            }
        }
        return closed;
    }

    /**
     * Closes every file another node opened that no op has used for {@code idleNanos} and none uses now, as a
     * Close would, answering nobody. Returns how many.
     */
    int closeIdleRemote(long idleNanos) {
        final long now = System.nanoTime();
        int closed = 0;
        for (int i = 0; i < size; i++) {
            if (ids[i] != 0 && openers[i] != null && inFlight[i] == 0 && pendingClose[i] == null && !releaseWhenIdle[i]
                    && now - lastUsed[i] >= idleNanos) {
                withdrawIfShared(i);
                closeSilently(i);
                closed++;
            }
        }
        return closed;
    }

    /** Whether a file another node opened is open here. */
    boolean hasRemoteFiles() {
        return !openedFrom.isEmpty();
    }

    /** Files open here per other node that opened them, by address; a copy, safe from any thread. */
    Map<String, Integer> remoteFilesByNode() {
        final Map<String, Integer> copy = new TreeMap<>();
        openedFrom.forEach((node, n) -> copy.put(node.toString(), n));
        return copy;
    }

    /** Frees the entry; returns its fd. */
    private int forget(int index) {
        final Address opener = openers[index];
        if (opener != null) {
            openers[index] = null;
            openedFrom.computeIfPresent(opener, (node, n) -> n == 1 ? null : n - 1);
        }
        ids[index] = 0;
        sharedEntry[index] = null;
        releaseWhenIdle[index] = false;
        paths[index] = null;
        inFlight[index] = 0;
        pendingClose[index] = null;
        open--;
        return fds[index];
    }

    int openCount() {
        return open;
    }

    /**
     * The fds of every open file, and forgets them all: the ring stops. Our own files of the group are
     * withdrawn as closed by a stop ({@link SharedFiles#withdrawAtStop}): the other rings may still hold
     * requests on them sent before the stop, which must be answered as stopped, not as bad handles. Our
     * duplicates of other rings' files stay open there.
     */
    int[] removeAll() {
        final int[] result = new int[open];
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (ids[i] != 0) {
                if (sharedEntry[i] != null && (int) ids[i] >>> INDEX_BITS == ring) {
                    shared.withdrawAtStop(ids[i], self); // nothing if withdrawn already (a Close stays a Close)
                }
                result[n++] = forget(i);
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
