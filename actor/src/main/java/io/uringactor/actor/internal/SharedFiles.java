package io.uringactor.actor.internal;

import io.uringactor.ring.FileDescriptors;

import org.apache.pekko.actor.DeadLetterSuppression;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.annotation.InternalApi;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The files that the rings of one ring group have open, so that any ring of the group serves a handle
 * another one issued. The ring that opened a file (its owner) publishes it here; another ring that meets
 * the handle imports it once, as a duplicate descriptor of its own ({@code F_DUPFD_CLOEXEC}), and from then on
 * serves it from its own file table like its own files: no lock and no shared counter per op, only a read of
 * the file's {@code closed} flag.
 *
 * <p>Closing: the ring that closes a file (any ring of the group may be asked to) withdraws it, as its owner
 * does when its ring stops. That sets {@code closed}, so the handle stops resolving on every ring at once,
 * and tells every other ring holding a descriptor of it (the owner, the importers) to close that descriptor
 * once its own ops on it are done. Each ring closes only descriptors it owns, after its own ops, so a completion
 * can never land in a file that reused a descriptor number. The import and the withdrawal hold the entry's
 * lock, so no ring duplicates a descriptor the owner may already have closed.
 *
 * <p>A file withdrawn because its owner stopped ({@link #withdrawAtStop}) is not one the caller closed: the
 * rings of a group stop one by one, and another ring may still hold requests on it that were sent before
 * the stop. Its entry stays, marked {@code ownerStopped}, so that such a request (and any later one) is
 * answered {@link io.uringactor.actor.RingStoppedException} rather than refused as an unknown handle, which
 * would blame the caller. These entries are at most the files open when a ring stopped, and go with the group.
 *
 * <p>Thread-safe: the rings of a group run on different threads. Touched when a file is opened, imported or
 * closed, never per op.
 */
@InternalApi
public final class SharedFiles {
    private final ConcurrentHashMap<Long, SharedFile> files = new ConcurrentHashMap<>();

    /** One file of the group: the owner's descriptor and what the importers need to serve it. */
    static final class SharedFile {
        final int fd;
        final String path;
        final int directIoAlignment;
        /** The ring that opened it and owns {@link #fd}. */
        final ActorRef<Object> owner;
        /** Written once, under the lock; read by importers on every op of the file. */
        volatile boolean closed;
        /**
         * Whether it was closed because its owner stopped, not by a Close. Written under the lock before
         * {@link #closed}, so whoever reads {@code closed == true} sees it.
         */
        boolean ownerStopped;
        /** The rings holding a duplicate, to tell when the file is withdrawn; guarded by {@code this}. */
        private List<ActorRef<Object>> importers;

        SharedFile(int fd, String path, int directIoAlignment, ActorRef<Object> owner) {
            this.owner = owner;
            this.fd = fd;
            this.path = path;
            this.directIoAlignment = directIoAlignment;
        }

        /**
         * A duplicate of the owner's descriptor for {@code ring}, or -1 when the file is closed already.
         *
         * @throws io.uringactor.ring.ErrnoException when the process is out of descriptors
         */
        synchronized int importInto(ActorRef<Object> ring) {
            if (closed) {
                return -1;
            }
            final int copy = FileDescriptors.duplicate(fd, path);
            if (importers == null) {
                importers = new ArrayList<>(2);
            }
            importers.add(ring);
            return copy;
        }

        /**
         * Marks the file closed (by a Close, or because {@code ownerStopped}); returns the rings holding a
         * descriptor of it, the owner first (once).
         */
        synchronized List<ActorRef<Object>> close(boolean ownerStopped) {
            if (closed) {
                return List.of();
            }
            this.ownerStopped = ownerStopped;
            closed = true; // volatile: publishes ownerStopped to importers that read it after closed
            final List<ActorRef<Object>> holders = new ArrayList<>(1 + (importers == null ? 0 : importers.size()));
            holders.add(owner);
            if (importers != null) {
                holders.addAll(importers);
            }
            importers = null;
            return holders;
        }
    }

    /**
     * Tells a ring holding a descriptor of file {@code id} that another ring closed it (or its owner stopped):
     * close that descriptor once idle. Never a dead letter worth logging: a ring that stopped has closed its
     * descriptors already.
     */
    public record Withdrawn(long id) implements DeadLetterSuppression {
    }

    /** Ring {@code owner} opened file {@code id} as {@code fd}: other rings of the group may now import it. */
    SharedFile publish(long id, int fd, String path, int directIoAlignment, ActorRef<Object> owner) {
        final SharedFile file = new SharedFile(fd, path, directIoAlignment, owner);
        files.put(id, file);
        return file;
    }

    /** File {@code id}: open, or closed because its owner stopped; {@code null} if never published or closed. */
    SharedFile find(long id) {
        return files.get(id);
    }

    /**
     * Ring {@code by} closes file {@code id}, as a Close asked: the handle stops resolving on every ring now,
     * and every other ring holding a descriptor of it closes that after its own ops. Idempotent.
     */
    void withdraw(long id, ActorRef<Object> by) {
        final SharedFile file = files.remove(id);
        if (file != null) {
            tellHolders(id, file.close(false), by);
        }
    }

    /**
     * The owner of file {@code id} stops with it open: as {@link #withdraw}, but the entry stays, marked
     * {@code ownerStopped}, so the other rings answer requests on it with a stop, not a bad-handle refusal.
     * Nothing if the file was closed already (a Close stays a Close).
     */
    void withdrawAtStop(long id, ActorRef<Object> owner) {
        final SharedFile file = files.get(id);
        if (file != null) {
            tellHolders(id, file.close(true), owner);
        }
    }

    private static void tellHolders(long id, List<ActorRef<Object>> holders, ActorRef<Object> by) {
        for (ActorRef<Object> holder : holders) {
            if (!holder.equals(by)) {
                holder.tell(new Withdrawn(id));
            }
        }
    }
}
