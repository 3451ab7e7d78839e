package io.uringactor.stream.javadsl;

import io.uringactor.ring.IoUringException;

import java.nio.file.Path;

/**
 * A write refused because its target is a file the same ActorSystem is reading through
 * {@link UringFileIO} (a {@code fromPath} or {@code blockReader} stage, or a {@code copy}'s source), as
 * the rings opened them: the ring's {@code statx} of the reader's file and of the target, opened through
 * the writer's ring, give the same inode and (where the file system reports one) birth time. So
 * {@code ./f}, a hard link or a symlink to {@code f} count too, and on a ring with a root directory the
 * files beneath the root are compared. ({@code statx}'s device number is not available here: the birth
 * time stands in for it; without one, a file on another file system that shares the inode number is
 * refused too, the safe side.) Raised before the target is created, truncated or replaced.
 * {@link #getFile()} is the path the file is read by, {@link #getOtherFile()} the write's target.
 *
 * <p>Like every failure of this library it is an {@link IoUringException}; its message reads as a
 * {@link java.nio.file.FileSystemException}'s does: {@code source -> target: reason}.
 */
public final class SameFileException extends IoUringException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final String otherFile;
    private final String reason;

    /**
     * A refusal to write {@code target}.
     *
     * @param source   the path the file is being read by ({@link #getFile()})
     * @param target   the path the write was aimed at ({@link #getOtherFile()})
     * @param identity the file both name, e.g. {@code "inode 131, born 2024-05-01T10:00:00.123456789Z"}, for
     *                 the message
     */
    public SameFileException(Path source, Path target, String identity) {
        this(source.toString(), target.toString(), "source and target are the same file (" + identity + ")");
    }

    private SameFileException(String file, String otherFile, String reason) {
        super(file + " -> " + otherFile + ": " + reason);
        this.file = file;
        this.otherFile = otherFile;
        this.reason = reason;
    }

    /** The path the file is being read by. */
    public String getFile() {
        return file;
    }

    /** The path the refused write was aimed at. */
    public String getOtherFile() {
        return otherFile;
    }

    /** Why the write was refused, without the paths. */
    public String getReason() {
        return reason;
    }
}
