package io.uringactor.ring;

import static io.uringactor.ring.IoUringConstants.*;
import static io.uringactor.ring.RingLayout.*;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** {@code io_uring_setup}, giving up optional setup flags the kernel rejects, newest first. */
final class RingSetupCall {
    /** Optional setup flags, newest first: the order in which {@link #setUp} gives them up on EINVAL. */
    private static final int[] OPTIONAL_FLAGS_NEWEST_FIRST = {
        IORING_SETUP_DEFER_TASKRUN, IORING_SETUP_SINGLE_ISSUER, IORING_SETUP_TASKRUN_FLAG,
        IORING_SETUP_COOP_TASKRUN, IORING_SETUP_SUBMIT_ALL, IORING_SETUP_CLAMP,
    };

    /** A ring the kernel set up: its fd, the flags it took, and the params it filled in. */
    record Ring(int fd, int flags, ByteBuffer params) {
    }

    private RingSetupCall() {
    }

    /**
     * Sets up a ring with {@code options}; optional flags the kernel rejects are dropped, newest first, until
     * setup succeeds.
     *
     * @throws IoUringUnavailableException when io_uring cannot be used here, saying why
     */
    static Ring setUp(RingOptions options) {
        LibC.requireSupportedPlatform();
        int optional = AbsentFeatures.allowedSetupFlags(options.optionalFlags());
        int dropIndex = 0;
        while (true) {
            final int flags = options.requiredFlags() | optional | (options.cqEntries() > 0 ? IORING_SETUP_CQSIZE : 0);
            final ByteBuffer params = ByteBuffer.allocateDirect(PARAMS_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            params.putInt(PARAMS_FLAGS, flags);
            params.putInt(PARAMS_CQ_ENTRIES, options.cqEntries());
            final long fd = LibC.syscall(LibC.SYS_IO_URING_SETUP, options.entries(),
                    Pointer.nativeValue(Native.getDirectBufferPointer(params)), 0, 0, 0, 0);
            if (fd >= 0) {
                return new Ring((int) fd, flags, params);
            }
            final int errno = Native.getLastError();
            if (errno == Errno.EINVAL && optional != 0) {
                while (dropIndex < OPTIONAL_FLAGS_NEWEST_FIRST.length
                        && (optional & OPTIONAL_FLAGS_NEWEST_FIRST[dropIndex]) == 0) {
                    dropIndex++;
                }
                if (dropIndex < OPTIONAL_FLAGS_NEWEST_FIRST.length) {
                    optional &= ~OPTIONAL_FLAGS_NEWEST_FIRST[dropIndex];
                } else {
                    optional = 0; // an optional flag this class does not order: give up all of them
                }
                continue;
            }
            throw IoUringUnavailableException.fromSetupErrno(errno, options.entries());
        }
    }
}
