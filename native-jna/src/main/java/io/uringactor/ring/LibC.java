package io.uringactor.ring;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

import java.nio.ByteOrder;

/**
 * Every native call of this module, bound with JNA direct mapping ({@link Native#register}): measured
 * 0.15 µs per call here against ~1.4 µs for interface mapping, and the syscall itself costs ~1 µs.
 *
 * <p>Each method returns what libc returns; callers read {@link Native#getLastError()} when it is -1
 * and turn it into an {@link ErrnoException} naming the call. The io_uring engine calls nothing here per SQE:
 * only per syscall (submit/wait), at setup and at teardown; the user-space engine makes one positional
 * syscall per op.
 */
final class LibC {
    /** The numbers of the syscalls made by number, the running architecture's ({@link LinuxAbi}). */
    static final long SYS_IO_URING_SETUP = LinuxAbi.CURRENT.SYS_IO_URING_SETUP;
    static final long SYS_IO_URING_ENTER = LinuxAbi.CURRENT.SYS_IO_URING_ENTER;
    static final long SYS_IO_URING_REGISTER = LinuxAbi.CURRENT.SYS_IO_URING_REGISTER;
    static final long SYS_STATX = LinuxAbi.CURRENT.SYS_STATX;
    static final long SYS_OPENAT2 = LinuxAbi.CURRENT.SYS_OPENAT2;

    static final int PROT_READ = LinuxAbi.CURRENT.PROT_READ;
    static final int PROT_WRITE = LinuxAbi.CURRENT.PROT_WRITE;
    static final int MAP_SHARED = LinuxAbi.CURRENT.MAP_SHARED;
    static final int MAP_POPULATE = LinuxAbi.CURRENT.MAP_POPULATE;
    static final long MAP_FAILED = -1L;

    /**
     * glibc's {@code sysconf} name of the page size: one enum in {@code bits/confname.h} for every
     * architecture ({@code LinuxAbiHeadersTest} checks it against this machine's glibc).
     */
    static final int _SC_PAGESIZE = 30;

    /** Why this platform cannot run io_uring, or {@code null} when it can. */
    static final String UNSUPPORTED;

    /** The running kernel's page size in bytes, from {@code sysconf(_SC_PAGESIZE)}; 4096 where unsupported. */
    static final int PAGE_SIZE;

    static {
        String unsupported = null;
        long pageSize = 4096;
        if (!Platform.isLinux() || !Platform.is64Bit() || LinuxAbi.CURRENT.arch == null
                || ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            // LinuxAbi has the numbers of x86_64 and aarch64 only; RingLayout's structs are little-endian.
            unsupported = "io_uring needs little-endian 64-bit Linux on x86_64 or aarch64; this is "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch");
        } else {
            Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
            pageSize = sysconf(_SC_PAGESIZE);
            if (pageSize < 4096 || pageSize > 1 << 30 || Long.bitCount(pageSize) != 1) {
                unsupported = "sysconf(_SC_PAGESIZE) returned " + pageSize + ", not a page size";
                pageSize = 4096;
            }
        }
        UNSUPPORTED = unsupported;
        PAGE_SIZE = (int) pageSize;
    }

    private LibC() {
    }

    /**
     * glibc's {@code syscall(2)} is variadic; bound with seven fixed integer arguments, each still goes
     * exactly where the variadic callee reads it. On x86_64 the first six travel in rdi..r9 and the seventh
     * on the stack, fixed or variadic alike; on aarch64 Linux all seven travel in x0..x6, AAPCS64 passing
     * variadic integer arguments like named ones (Apple's arm64 ABI puts them on the stack, but that is not
     * Linux).
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

    // The positional syscalls of the user-space engine (UserSpaceKernel): what each io_uring op does, made
    // by a thread. Pointers are passed as addresses, as the SQE holds them.

    static native long pread64(int fd, long buf, long count, long offset);

    static native long pwrite64(int fd, long buf, long count, long offset);

    static native long preadv2(int fd, long iovecs, int count, long offset, int flags);

    static native long pwritev2(int fd, long iovecs, int count, long offset, int flags);

    static native long read(int fd, long buf, long count);

    static native long readv(int fd, long iovecs, int count);

    static native long writev(int fd, long iovecs, int count);

    static native int openat(int dirfd, long path, int flags, int mode);

    static native int fsync(int fd);

    static native int fdatasync(int fd);

    static native int fallocate(int fd, int mode, long offset, long length);

    static native long splice(int fdIn, long offIn, int fdOut, long offOut, long length, int flags);

    static native int sync_file_range(int fd, long offset, long length, int flags);

    static native int ftruncate(int fd, long length);

    /** Returns the error number itself, not -1. */
    static native int posix_fadvise(int fd, long offset, long length, int advice);

    static native int poll(long fds, long count, int timeoutMillis);

    static native long sysconf(int name);

    /** {@code size} rounded up to a whole number of pages, as the kernel maps it. */
    static long pageAligned(long size) {
        return (size + PAGE_SIZE - 1) & -(long) PAGE_SIZE;
    }

    /** Throws unless io_uring can run on this platform at all. */
    static void requireSupportedPlatform() {
        if (UNSUPPORTED != null) {
            throw new IoUringUnavailableException(UNSUPPORTED, null);
        }
    }
}
