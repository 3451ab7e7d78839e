package io.uringactor.ring;

import java.util.Locale;

/**
 * The numbers of the Linux user-space ABI that an architecture defines for itself, and that this module
 * uses: the syscalls it makes by number, the {@code open(2)} flags and the {@code mmap(2)} flags. Each
 * architecture has its table, {@link X86_64Abi} and {@link Aarch64Abi}; {@link #CURRENT} is the running
 * JVM's, picked once from {@code os.arch}. Everything else that names these numbers reads them here
 * ({@link IoUringConstants}'s {@code O_*}, {@link LibC}'s {@code SYS_*}, {@code PROT_*}, {@code MAP_*}),
 * so no other class holds an architecture's number. The fields carry the kernel's names, as the tables
 * do, so that {@code LinuxAbiHeadersTest} can match them with the headers.
 *
 * <p>What is not here is the same on both architectures, and the test checks that against both header
 * sets: the errno values ({@code asm-generic/errno.h} on both), the {@code AT_*}, {@code F_*},
 * {@code RESOLVE_*}, {@code FALLOC_*}, {@code STATX_*} and io_uring constants (generic headers), and the
 * struct layouts of {@link RingLayout} (fixed-width fields, laid out alike by the x86_64 psABI and
 * AAPCS64: both LP64 and little-endian). The page size is a property of the running kernel, not of the
 * architecture (aarch64 kernels use 4, 16 or 64 KiB): {@link AlignedBuffer#PAGE_SIZE} asks the kernel.
 */
final class LinuxAbi {
    /**
     * The running JVM's ABI. On an architecture that is neither, it holds x86_64's numbers with
     * {@link #arch} {@code null}: {@link LibC} then refuses every native call, so none reaches a kernel.
     */
    static final LinuxAbi CURRENT = forArch(System.getProperty("os.arch", ""));

    /** The kernel's name of the architecture, {@code "x86_64"} or {@code "aarch64"}; {@code null} if neither. */
    final String arch;

    final long SYS_IO_URING_SETUP;
    final long SYS_IO_URING_ENTER;
    final long SYS_IO_URING_REGISTER;
    final long SYS_OPENAT2;
    final long SYS_STATX;

    final int O_CREAT;
    final int O_EXCL;
    final int O_TRUNC;
    final int O_APPEND;
    final int O_NONBLOCK;
    final int O_DSYNC;
    final int O_DIRECT;
    final int O_LARGEFILE;
    final int O_DIRECTORY;
    final int O_NOFOLLOW;
    final int O_CLOEXEC;
    final int O_SYNC;
    final int O_PATH;

    final int PROT_READ;
    final int PROT_WRITE;
    final int MAP_SHARED;
    final int MAP_POPULATE;

    private LinuxAbi(String arch) {
        this.arch = arch;
        final boolean a64 = "aarch64".equals(arch);
        SYS_IO_URING_SETUP = a64 ? Aarch64Abi.SYS_IO_URING_SETUP : X86_64Abi.SYS_IO_URING_SETUP;
        SYS_IO_URING_ENTER = a64 ? Aarch64Abi.SYS_IO_URING_ENTER : X86_64Abi.SYS_IO_URING_ENTER;
        SYS_IO_URING_REGISTER = a64 ? Aarch64Abi.SYS_IO_URING_REGISTER : X86_64Abi.SYS_IO_URING_REGISTER;
        SYS_OPENAT2 = a64 ? Aarch64Abi.SYS_OPENAT2 : X86_64Abi.SYS_OPENAT2;
        SYS_STATX = a64 ? Aarch64Abi.SYS_STATX : X86_64Abi.SYS_STATX;
        O_CREAT = a64 ? Aarch64Abi.O_CREAT : X86_64Abi.O_CREAT;
        O_EXCL = a64 ? Aarch64Abi.O_EXCL : X86_64Abi.O_EXCL;
        O_TRUNC = a64 ? Aarch64Abi.O_TRUNC : X86_64Abi.O_TRUNC;
        O_APPEND = a64 ? Aarch64Abi.O_APPEND : X86_64Abi.O_APPEND;
        O_NONBLOCK = a64 ? Aarch64Abi.O_NONBLOCK : X86_64Abi.O_NONBLOCK;
        O_DSYNC = a64 ? Aarch64Abi.O_DSYNC : X86_64Abi.O_DSYNC;
        O_DIRECT = a64 ? Aarch64Abi.O_DIRECT : X86_64Abi.O_DIRECT;
        O_LARGEFILE = a64 ? Aarch64Abi.O_LARGEFILE : X86_64Abi.O_LARGEFILE;
        O_DIRECTORY = a64 ? Aarch64Abi.O_DIRECTORY : X86_64Abi.O_DIRECTORY;
        O_NOFOLLOW = a64 ? Aarch64Abi.O_NOFOLLOW : X86_64Abi.O_NOFOLLOW;
        O_CLOEXEC = a64 ? Aarch64Abi.O_CLOEXEC : X86_64Abi.O_CLOEXEC;
        O_SYNC = a64 ? Aarch64Abi.O_SYNC : X86_64Abi.O_SYNC;
        O_PATH = a64 ? Aarch64Abi.O_PATH : X86_64Abi.O_PATH;
        PROT_READ = a64 ? Aarch64Abi.PROT_READ : X86_64Abi.PROT_READ;
        PROT_WRITE = a64 ? Aarch64Abi.PROT_WRITE : X86_64Abi.PROT_WRITE;
        MAP_SHARED = a64 ? Aarch64Abi.MAP_SHARED : X86_64Abi.MAP_SHARED;
        MAP_POPULATE = a64 ? Aarch64Abi.MAP_POPULATE : X86_64Abi.MAP_POPULATE;
    }

    /**
     * The ABI of a JVM whose {@code os.arch} is {@code osArch}: {@code amd64} (OpenJDK's name on Linux) or
     * {@code x86_64} is x86_64, {@code aarch64} is aarch64, anything else is unsupported.
     */
    static LinuxAbi forArch(String osArch) {
        switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64":
            case "x86_64":
                return new LinuxAbi("x86_64");
            case "aarch64":
                return new LinuxAbi("aarch64");
            default:
                return new LinuxAbi(null);
        }
    }

    @Override
    public String toString() {
        return "LinuxAbi[" + (arch == null ? "unsupported" : arch) + "]";
    }
}
