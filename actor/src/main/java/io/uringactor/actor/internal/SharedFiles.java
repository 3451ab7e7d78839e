package io.uringactor.actor.internal;

import io.uringactor.ring.FileDescriptors;

import org.apache.pekko.actor.DeadLetterSuppression;
import org.apache.pekko.actor.typed.ActorRef;

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
 * <p>Thread-safe: the rings of a group run on different threads. Touched when a file is opened, imported or
 * closed, never per op.
 */
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

        /** Marks the file closed; returns the rings holding a descriptor of it, the owner first (once). */
        synchronized List<ActorRef<Object>> close() {
            if (closed) {
                return List.of();
            }
            closed = true;
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
     * Tells a ring holding a descriptor of file {@code id} that another ring closed it: close that descriptor
     * once idle. Never a dead letter worth logging: a ring that stopped has closed its descriptors already.
     */
    public record Withdrawn(long id) implements DeadLetterSuppression {
    }

    /** Ring {@code owner} opened file {@code id} as {@code fd}: other rings of the group may now import it. */
    SharedFile publish(long id, int fd, String path, int directIoAlignment, ActorRef<Object> owner) {
        final SharedFile file = new SharedFile(fd, path, directIoAlignment, owner);
        files.put(id, file);
        return file;
    }

    /** The open file {@code id}, or {@code null} (never published, or withdrawn). */
    SharedFile find(long id) {
        return files.get(id);
    }

    /**
     * Ring {@code by} closes file {@code id} (asked to, or stopping): the handle stops resolving on every ring
     * now, and every other ring holding a descriptor of it closes that after its own ops. Idempotent.
     */
    void withdraw(long id, ActorRef<Object> by) {
        final SharedFile file = files.remove(id);
        if (file != null) {
            for (ActorRef<Object> holder : file.close()) {
                if (!holder.equals(by)) {
                    holder.tell(new Withdrawn(id));
                }
            }
        }
    }
}
