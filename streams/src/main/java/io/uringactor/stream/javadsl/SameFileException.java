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

    /**
     * A refusal to write {@code target}.
     *
     * @param source   the path the file is being read by ({@link #getFile()})
     * @param target   the path the write was aimed at ({@link #getOtherFile()})
     * @param identity the file both name, e.g. {@code "device 2049, inode 131"}, for the message
     */
    public SameFileException(Path source, Path target, String identity) {
        super(source.toString(), target.toString(), "source and target are the same file (" + identity + ")");
    }
}
