package io.uringactor.stream.javadsl;

import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * A write refused because its target is a file the same ActorSystem is reading through
 * {@link UringFileIO} (a {@code fromPath} or {@code blockReader} stage, or a {@code copy}'s source): the
 * same device and inode after following links, so {@code ./f}, a hard link or a symlink to {@code f} count
 * too. Raised before the target is opened for writing: it is neither created nor truncated.
 * {@link #getFile()} is the path the file is read by, {@link #getOtherFile()} the write's target.
 */
public final class SameFileException extends FileSystemException {
    private static final long serialVersionUID = 1L;

    public SameFileException(Path source, Path target, String identity) {
        super(source.toString(), target.toString(), "source and target are the same file (" + identity + ")");
    }
}
