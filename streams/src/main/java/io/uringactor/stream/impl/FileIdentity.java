package io.uringactor.stream.impl;

import io.uringactor.ring.Statx;

import java.time.Instant;

/**
 * A file's identity as the ring actor sees it: the inode number and, when the file system reports it, the
 * birth time, from the ring's own {@code statx} of a handle it opened. So it names the file the ring opened,
 * wherever the ring resolves paths (beneath its root directory, if it has one), not the file the JVM would
 * find by the same path; and {@code f}, {@code ./f}, a hard link and a symlink to it all have the same one.
 *
 * <p>Why not the device number too: {@link Statx} does not expose {@code stx_dev_*}. Without it two files
 * on different file systems may share an inode number; the birth time (nanoseconds) tells them apart, and
 * two files with the same inode and the same birth time on two file systems are not a practical concern.
 * Without a birth time (file systems that do not report one) the inode alone decides: a writer may then
 * refuse a file on another file system that merely shares the inode number of one being read. Refusing is
 * the safe side. The change time is not used instead: every write, chmod or new link changes it, so a
 * file being read would stop matching itself.
 *
 * @param inode the inode number ({@code stx_ino})
 * @param born  the birth time ({@code stx_btime}), or {@code null} when the file system does not report it
 */
record FileIdentity(long inode, Instant born) {

    /** The identity in {@code stat}, the ring's {@code statx} of an open handle. */
    static FileIdentity of(Statx stat) {
        return new FileIdentity(stat.inode(), stat.born());
    }

    /** Whether both may be the same file: the same inode, and the same birth time unless one lacks it. */
    boolean matches(FileIdentity other) {
        return inode == other.inode && (born == null || other.born == null || born.equals(other.born));
    }

    @Override
    public String toString() {
        return "inode " + inode + (born != null ? ", born " + born : "");
    }
}
