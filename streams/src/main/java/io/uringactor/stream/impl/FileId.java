package io.uringactor.stream.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A file's identity, its device and inode numbers ({@code st_dev}, {@code st_ino}) after following links:
 * {@code f}, {@code ./f}, a hard link and a symlink to it all have the same one. The lookups block (a
 * {@code stat}): call them on the blocking-IO dispatcher.
 *
 * @param device the device number ({@code st_dev})
 * @param inode  the inode number ({@code st_ino})
 */
record FileId(long device, long inode) {

    /** The identity of the file {@code path} names now. */
    static FileId of(Path path) throws IOException {
        final Map<String, Object> attributes = Files.readAttributes(path, "unix:dev,ino");
        return new FileId((Long) attributes.get("dev"), (Long) attributes.get("ino"));
    }

    /** The identity of {@code path}, or empty if there is no such file (nor the file a symlink names). */
    static Optional<FileId> ofExisting(Path path) throws IOException {
        try {
            return Optional.of(of(path));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return "device " + device + ", inode " + inode;
    }
}
