package io.uringactor.ring;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * Every native call of this module, bound with JNA direct mapping ({@link Native#register}): measured
 * 0.15 µs per call here against ~1.4 µs for interface mapping, and the syscall itself costs ~1 µs.
 *
 * <p>Each method returns what libc returns; callers read {@link Native#getLastError()} when it is -1
 * and turn it into an {@link ErrnoException} naming the call. Nothing here is called per SQE: only
 * per syscall (submit/wait), at setup and at teardown.
 */
final class LibC {
    /** x86_64 syscall numbers; io_uring's three are the same on every 64-bit architecture since 5.1. */
    static final long SYS_IO_URING_SETUP = 425;
    static final long SYS_IO_URING_ENTER = 426;
    static final long SYS_IO_URING_REGISTER = 427;
    static final long SYS_STATX = 332;

    static final int PROT_READ = 0x1;
    static final int PROT_WRITE = 0x2;
    static final int MAP_SHARED = 0x01;
    static final int MAP_POPULATE = 0x08000;
    static final long MAP_FAILED = -1L;

    /** Why this platform cannot run io_uring, or {@code null} when it can. */
    static final String UNSUPPORTED;

    static {
        if (!Platform.isLinux() || !Platform.is64Bit() || !"x86-64".equals(Platform.ARCH)) {
            // The syscall numbers and struct layouts below are those of x86_64 Linux.
            UNSUPPORTED = "io_uring needs 64-bit x86 Linux; this is " + System.getProperty("os.name")
                    + " " + System.getProperty("os.arch");
        } else {
            UNSUPPORTED = null;
            Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        }
    }

    private LibC() {
    }

    /**
     * glibc's {@code syscall(2)} is variadic; with six fixed integer arguments on x86_64 every argument
     * travels in a register, exactly where the variadic callee reads it.
     */
    static native long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    static native long mmap(long addr, long length, int prot, int flags, int fd, long offset);

    static native int munmap(long addr, long length);

    static native int close(int fd);

    static native int open(String path, int flags, int mode);

    static native int pipe2(long fds, int flags);

    static native int fcntl(int fd, int cmd, long arg);

    static native int eventfd(int initval, int flags);

    static native long write(int fd, long buf, long count);

    static native long strerror(int errno);

    /** Throws unless io_uring can run on this platform at all. */
    static void requireSupportedPlatform() {
        if (UNSUPPORTED != null) {
            throw new IoUringUnavailableException(UNSUPPORTED, null);
        }
    }
}
