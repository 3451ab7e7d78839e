package io.uringactor.ring;

import static io.uringactor.ring.RingLayout.*;

import com.sun.jna.Native;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;

/**
 * A file's metadata as {@code statx(2)} reports it, including the O_DIRECT alignment (Linux 6.1+).
 *
 * @param mask           the {@code STATX_*} bits the kernel filled in
 * @param size           the file size in bytes
 * @param blockSize      preferred IO block size in bytes
 * @param blocks         the number of 512-byte blocks allocated (less than {@code size / 512} for a sparse file)
 * @param mode           the file type and permission bits ({@code st_mode})
 * @param nlink          the number of hard links
 * @param uid            the owner's user id
 * @param gid            the owner's group id
 * @param inode          the inode number
 * @param accessed       the last access time
 * @param modified       the last modification time of the content
 * @param changed        the last status change time
 * @param born           the creation time, or {@code null} when the filesystem does not report it
 * @param dioMemAlign    required memory alignment for O_DIRECT in bytes, 0 if not reported or not supported
 * @param dioOffsetAlign required file offset and length alignment for O_DIRECT in bytes, 0 if not reported
 */
public record Statx(int mask, long size, int blockSize, long blocks, int mode, int nlink, int uid, int gid,
                    long inode, Instant accessed, Instant modified, Instant changed, Instant born,
                    int dioMemAlign, int dioOffsetAlign) {

    /** The statx mask this library asks for: basic stats, birth time and DIO alignment. */
    public static final int DEFAULT_MASK = IoUringConstants.STATX_BASIC_STATS | IoUringConstants.STATX_BTIME
            | IoUringConstants.STATX_DIOALIGN;

    /** Size of the buffer a {@code STATX} op writes into. */
    public static final int BUFFER_SIZE = RingLayout.STATX_SIZE;

    /** Decodes a {@code struct statx} the kernel wrote at {@code offset} of {@code buffer}. */
    public static Statx decode(ByteBuffer buffer, int offset) {
        final int mask = buffer.getInt(offset + STATX_MASK);
        return new Statx(mask,
                buffer.getLong(offset + STATX_SIZE_FIELD),
                buffer.getInt(offset + STATX_BLKSIZE),
                buffer.getLong(offset + STATX_BLOCKS),
                buffer.getShort(offset + STATX_MODE) & 0xFFFF,
                buffer.getInt(offset + STATX_NLINK),
                buffer.getInt(offset + STATX_UID),
                buffer.getInt(offset + STATX_GID),
                buffer.getLong(offset + STATX_INO),
                timestamp(buffer, offset + STATX_ATIME),
                timestamp(buffer, offset + STATX_MTIME),
                timestamp(buffer, offset + STATX_CTIME),
                (mask & IoUringConstants.STATX_BTIME) != 0 ? timestamp(buffer, offset + STATX_BTIME) : null,
                (mask & IoUringConstants.STATX_DIOALIGN) != 0 ? buffer.getInt(offset + STATX_DIO_MEM_ALIGN) : 0,
                (mask & IoUringConstants.STATX_DIOALIGN) != 0 ? buffer.getInt(offset + STATX_DIO_OFFSET_ALIGN) : 0);
    }

    /** Runs {@code statx(2)} synchronously (not through a ring), following symlinks. */
    public static Statx of(Path path) {
        LibC.requireSupportedPlatform();
        final AlignedBuffer name = AlignedBuffer.cString(path.toString());
        final AlignedBuffer out = AlignedBuffer.allocate(BUFFER_SIZE, Long.BYTES);
        final long r = LibC.syscall(LibC.SYS_STATX, IoUringConstants.AT_FDCWD, name.address(), 0,
                DEFAULT_MASK, out.address(), 0);
        final int errno = r < 0 ? Native.getLastError() : 0;
        Reference.reachabilityFence(name); // the kernel read the path from it
        if (r < 0) {
            throw new ErrnoException("statx(" + path + ")", errno);
        }
        return decode(out.byteBuffer(), 0);
    }

    /** Whether this is a regular file ({@code S_ISREG}). */
    public boolean isRegularFile() {
        return (mode & 0xF000) == 0x8000;
    }

    /** Whether this is a directory ({@code S_ISDIR}). */
    public boolean isDirectory() {
        return (mode & 0xF000) == 0x4000;
    }

    private static Instant timestamp(ByteBuffer buffer, int at) {
        return Instant.ofEpochSecond(buffer.getLong(at), buffer.getInt(at + Long.BYTES) & 0xFFFFFFFFL);
    }
}
