package io.uringactor.ring;

import static io.uringactor.ring.IoUringConstants.*;
import static io.uringactor.ring.RingLayout.*;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The three regions of a ring mapped from its fd: the SQ ring, the CQ ring (the same mapping with
 * {@code IORING_FEAT_SINGLE_MMAP}, 5.4+) and the SQE array, with little-endian views for the queues.
 */
final class RingMappings {
    private final long sqRingAddress;
    private final long sqRingSize;
    private final long cqRingAddress;
    private final long cqRingSize;
    private final long sqesAddress;
    private final long sqesSize;

    private RingMappings(long sqRingAddress, long sqRingSize, long cqRingAddress, long cqRingSize, long sqesAddress,
                         long sqesSize) {
        this.sqRingAddress = sqRingAddress;
        this.sqRingSize = sqRingSize;
        this.cqRingAddress = cqRingAddress;
        this.cqRingSize = cqRingSize;
        this.sqesAddress = sqesAddress;
        this.sqesSize = sqesSize;
    }

    /**
     * Maps the regions of ring {@code ringFd} that {@code params} (as {@code io_uring_setup} filled them)
     * describe; on a failure unmaps what it mapped (the fd stays open) and throws {@link ErrnoException}.
     */
    static RingMappings map(int ringFd, ByteBuffer params, boolean singleMmap) {
        final int sqEntries = params.getInt(PARAMS_SQ_ENTRIES);
        final int cqEntries = params.getInt(PARAMS_CQ_ENTRIES);
        final long sqSize = params.getInt(PARAMS_SQ_OFF + SQ_OFF_ARRAY) + (long) sqEntries * Integer.BYTES;
        final long cqSize = params.getInt(PARAMS_CQ_OFF + CQ_OFF_CQES) + (long) cqEntries * CQE_SIZE;
        // With SINGLE_MMAP one mapping holds both rings; it must be as large as the larger one.
        final long sqRingSize = singleMmap ? Math.max(sqSize, cqSize) : sqSize;
        final long sqesSize = (long) sqEntries * SQE_SIZE;
        long sqRing = 0;
        long cqRing = 0;
        long sqes = 0;
        try {
            sqRing = map(ringFd, sqRingSize, IORING_OFF_SQ_RING, "SQ ring");
            cqRing = singleMmap ? sqRing : map(ringFd, cqSize, IORING_OFF_CQ_RING, "CQ ring");
            sqes = map(ringFd, sqesSize, IORING_OFF_SQES, "SQE array");
        } catch (RuntimeException e) {
            unmapQuietly(sqes, sqesSize);
            if (cqRing != sqRing) {
                unmapQuietly(cqRing, cqSize);
            }
            unmapQuietly(sqRing, sqRingSize);
            throw e;
        }
        return new RingMappings(sqRing, sqRingSize, cqRing, singleMmap ? sqRingSize : cqSize, sqes, sqesSize);
    }

    ByteBuffer sqRing() {
        return view(sqRingAddress, sqRingSize);
    }

    ByteBuffer cqRing() {
        return view(cqRingAddress, cqRingSize);
    }

    ByteBuffer sqes() {
        return view(sqesAddress, sqesSize);
    }

    /** Unmaps the regions; the queues' views must not be used after it. */
    void unmap() {
        unmapQuietly(sqesAddress, sqesSize);
        if (cqRingAddress != sqRingAddress) {
            unmapQuietly(cqRingAddress, cqRingSize);
        }
        unmapQuietly(sqRingAddress, sqRingSize);
    }

    /** Maps {@code size} bytes of a region, in whole pages (4, 16 or 64 KiB: the kernel's page size). */
    private static long map(int ringFd, long size, long offset, String what) {
        final long address = LibC.mmap(0, LibC.pageAligned(size), LibC.PROT_READ | LibC.PROT_WRITE,
                LibC.MAP_SHARED | LibC.MAP_POPULATE, ringFd, offset);
        if (address == LibC.MAP_FAILED) {
            throw new ErrnoException("mmap(" + what + ", " + size + " bytes)", Native.getLastError());
        }
        return address;
    }

    private static void unmapQuietly(long address, long size) {
        if (address != 0 && address != LibC.MAP_FAILED) {
            LibC.munmap(address, LibC.pageAligned(size));
        }
    }

    private static ByteBuffer view(long address, long size) {
        return new Pointer(address).getByteBuffer(0, size).order(ByteOrder.LITTLE_ENDIAN);
    }
}
