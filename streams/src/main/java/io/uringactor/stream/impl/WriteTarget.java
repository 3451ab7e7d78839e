package io.uringactor.stream.impl;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The file a writer puts its bytes in, and how they become the target: in place (the target itself), or
 * by atomic replace (a new hidden file beside the target, renamed over it once complete and durable). The
 * writer has checked through its ring that the target is no file this ActorSystem is reading
 * ({@link TargetProbe}) before it calls {@link #prepare()}.
 *
 * <p>Atomic mode works on the JVM's view of the path (absolute, or relative to the working directory): the
 * temporary file, the target's mode and the rename are JDK calls. On a ring with a root directory the
 * ring refuses absolute paths and resolves relative ones beneath its root, so there the temporary file and
 * the rename would be where the JVM resolves the path, not beneath the root: use in-place mode with such
 * a ring.
 *
 * <p>Every method blocks (stat, create, chmod, fsync, rename, unlink): call them on the blocking-IO
 * dispatcher, never on a stream's or the ring actor's thread. One writer uses one instance; its methods
 * run one after another, handed over through futures, so the fields need no more than volatile.
 */
final class WriteTarget {
    /** Permissions of a new target, as the ring actor's {@code open} gives a created file. */
    private static final Set<PosixFilePermission> NEW_FILE = PosixFilePermissions.fromString("rw-r--r--");
    /** The temporary file while it is written: private, and writable whatever the target's mode. */
    private static final Set<PosixFilePermission> WHILE_WRITING = PosixFilePermissions.fromString("rw-------");

    private final Path target;
    private final boolean atomic;
    private final boolean mayCreate;
    private final boolean mustCreate;
    /** Atomic: the file renamed over (the target after following links), its final mode, and the temporary file. */
    private volatile Path replaced;
    private volatile Set<PosixFilePermission> mode;
    private volatile Path temp;
    private volatile boolean committed;

    private WriteTarget(Path target, boolean atomic, boolean mayCreate, boolean mustCreate) {
        this.target = target;
        this.atomic = atomic;
        this.mayCreate = mayCreate;
        this.mustCreate = mustCreate;
    }

    /** Writes go to {@code target} itself, opened as the writer's options say. */
    static WriteTarget inPlace(Path target) {
        return new WriteTarget(target, false, true, false);
    }

    /**
     * Writes go to a temporary file renamed over {@code target} by {@link #commit()}. A missing target is
     * created if {@code mayCreate}; an existing one is refused if {@code mustCreate} (CREATE_NEW).
     */
    static WriteTarget atomic(Path target, boolean mayCreate, boolean mustCreate) {
        return new WriteTarget(target, true, mayCreate || mustCreate, mustCreate);
    }

    boolean isAtomic() {
        return atomic;
    }

    /**
     * When atomic, creates the empty temporary file (mode 0600 until {@link #commit()}). Returns the path to
     * open for writing: the target itself in place (to be opened with the writer's options), else the
     * temporary file (to be opened for writing only).
     */
    Path prepare() throws IOException {
        if (!atomic) {
            return target;
        }
        final boolean existing = exists(target);
        if (existing && mustCreate) {
            throw new FileAlreadyExistsException(target.toString());
        }
        if (!existing && !mayCreate) {
            throw new NoSuchFileException(target.toString());
        }
        // A symlink stays a symlink: the file it names is the one replaced.
        replaced = existing ? target.toRealPath() : target;
        if (existing && !Files.isRegularFile(replaced)) {
            // Renaming a regular file over a device, pipe or socket would replace the node itself (as root,
            // /dev/null would become a file): there is nothing to replace atomically, so refuse.
            throw new FileSystemException(target.toString(), null,
                    "atomic replace needs a regular file as target; write a device, pipe or socket in place");
        }
        mode = existing ? Files.getPosixFilePermissions(replaced) : NEW_FILE;
        temp = createTemp(replaced);
        return temp;
    }

    /** Whether {@code path} names a file (after following links); other errors than ENOENT are thrown. */
    private static boolean exists(Path path) throws IOException {
        try {
            Files.readAttributes(path, BasicFileAttributes.class);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    private static Path createTemp(Path beside) throws IOException {
        final Path dir = beside.toAbsolutePath().getParent();
        for (int attempt = 0; ; attempt++) {
            final String random = Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
            final Path candidate = dir.resolve("." + beside.getFileName() + "." + random + ".tmp");
            try {
                return Files.createFile(candidate, PosixFilePermissions.asFileAttribute(WHILE_WRITING));
            } catch (FileAlreadyExistsException e) {
                if (attempt == 9) {
                    throw e;
                }
            }
        }
    }

    /**
     * Atomic: gives the written temporary file the target's mode, fsyncs it, renames it over the target
     * and fsyncs the directory, so the rename is durable too. The writer has closed its descriptors. If
     * the directory's fsync fails the target has already been replaced (the exception says so). In place:
     * nothing to do.
     */
    void commit() throws IOException {
        if (!atomic) {
            return;
        }
        Files.setPosixFilePermissions(temp, mode);
        try (FileChannel file = FileChannel.open(temp, StandardOpenOption.READ)) {
            file.force(true); // data and the mode, before the name points at them
        }
        Files.move(temp, replaced, StandardCopyOption.ATOMIC_MOVE);
        committed = true;
        final Path dir = replaced.toAbsolutePath().getParent();
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        } catch (IOException e) {
            throw new IOException("fsync of directory " + dir + " failed after " + target
                    + " was replaced: the new file may not survive a crash", e);
        }
    }

    /** Whether the target has been replaced by the written file (atomic mode). */
    boolean committed() {
        return committed;
    }

    /** Atomic and not committed: deletes the temporary file, if it was created. The target is as it was. */
    void abort() throws IOException {
        final Path created = temp;
        if (atomic && !committed && created != null) {
            Files.deleteIfExists(created);
        }
    }

    @Override
    public String toString() {
        return atomic ? "atomic replace of " + target + (temp != null ? " via " + temp : "") : target.toString();
    }
}
