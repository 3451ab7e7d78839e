package io.uringactor.ring;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Off-heap memory at a known native address and alignment, for the kernel to read or write: O_DIRECT
 * blocks, registered buffers, paths, statx results, iovecs.
 *
 * <p>The memory is a direct {@link ByteBuffer} freed by the GC once this object is unreachable, so
 * whoever submits an op on it must keep a strong reference until the op's completion is reaped: the
 * kernel writing into collected memory corrupts the heap. The address is read once here, never per op.
 */
public final class AlignedBuffer {
    /**
     * The running kernel's page size in bytes, from {@code sysconf(_SC_PAGESIZE)}: 4096 on x86_64, and 4096,
     * 16384 or 65536 on aarch64 depending on how the kernel was built (4096 on a platform io_uring cannot
     * run on). Read at run time, not a compile-time constant.
     */
    public static final int PAGE_SIZE = LibC.PAGE_SIZE;

    /**
     * Alignment used for O_DIRECT when the kernel does not report one (statx's DIO fields are Linux 6.1+):
     * the page size. A device's logical block is normally no larger than a page, so page-aligned memory,
     * offsets and lengths suit it; on a 16 or 64 KiB page kernel that is stricter than the device may need.
     */
    public static final int DEFAULT_DIRECT_IO_ALIGNMENT = PAGE_SIZE;

    private final ByteBuffer buffer;
    private final long address;
    private final int alignment;

    private AlignedBuffer(ByteBuffer buffer, long address, int alignment) {
        this.buffer = buffer;
        this.address = address;
        this.alignment = alignment;
    }

    /**
     * Allocates {@code capacity} zeroed bytes starting at a multiple of {@code alignment}.
     *
     * @param alignment a power of two
     */
    public static AlignedBuffer allocate(int capacity, int alignment) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity=" + capacity + " must not be negative");
        }
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment=" + alignment + " must be a power of two");
        }
        final ByteBuffer raw = ByteBuffer.allocateDirect(capacity + alignment - 1);
        final long rawAddress = Pointer.nativeValue(Native.getDirectBufferPointer(raw));
        final int skip = (int) (-rawAddress & (alignment - 1));
        final ByteBuffer aligned = raw.slice(skip, capacity).order(ByteOrder.LITTLE_ENDIAN);
        return new AlignedBuffer(aligned, rawAddress + skip, alignment);
    }

    /** Allocates {@code capacity} bytes aligned for O_DIRECT on the filesystem holding {@code path}. */
    public static AlignedBuffer forDirectIo(Path path, int capacity) {
        return allocate(capacity, directIoAlignment(path));
    }

    /**
     * The memory and offset alignment O_DIRECT needs on the filesystem holding {@code path}: the larger of
     * statx's {@code stx_dio_mem_align} and {@code stx_dio_offset_align} (Linux 6.1+), else
     * {@link #DEFAULT_DIRECT_IO_ALIGNMENT}, the page size.
     */
    public static int directIoAlignment(Path path) {
        final Statx statx = Statx.of(path);
        final int reported = Math.max(statx.dioMemAlign(), statx.dioOffsetAlign());
        return reported > 0 ? reported : DEFAULT_DIRECT_IO_ALIGNMENT;
    }

    /** A NUL-terminated UTF-8 copy of {@code s}, for ops that take a path. */
    public static AlignedBuffer cString(String s) {
        final byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            if (b == 0) {
                throw new IllegalArgumentException("a path must not contain NUL: " + s);
            }
        }
        final AlignedBuffer buffer = allocate(bytes.length + 1, Long.BYTES);
        buffer.buffer.put(0, bytes);
        return buffer;
    }

    /** The native address of byte 0. */
    public long address() {
        return address;
    }

    /** The native address of byte {@code offset}. */
    public long address(int offset) {
        if (offset < 0 || offset > buffer.capacity()) {
            throw new IndexOutOfBoundsException("offset=" + offset + ", capacity=" + buffer.capacity());
        }
        return address + offset;
    }

    /** The size in bytes, as allocated; fixed for the buffer's life. */
    public int capacity() {
        return buffer.capacity();
    }

    /** The power of two, in bytes, that {@link #address()} is a multiple of. */
    public int alignment() {
        return alignment;
    }

    /**
     * The memory as a little-endian direct buffer. It is the same instance on every call: its position
     * and limit belong to the caller, and the ops here ignore them.
     */
    public ByteBuffer byteBuffer() {
        return buffer;
    }

    /** Sets every byte to zero. */
    public void clear() {
        final ByteBuffer b = buffer;
        int i = 0;
        for (; i + Long.BYTES <= b.capacity(); i += Long.BYTES) {
            b.putLong(i, 0L);
        }
        for (; i < b.capacity(); i++) {
            b.put(i, (byte) 0);
        }
    }

    @Override
    public String toString() {
        return "AlignedBuffer[address=0x" + Long.toHexString(address) + ", capacity=" + buffer.capacity()
                + ", alignment=" + alignment + "]";
    }
}
