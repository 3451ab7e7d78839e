package io.uringactor.ring;

/**
 * The aarch64 (arm64) Linux numbers of {@link LinuxAbi}, each under its kernel name ({@code SYS_X} is
 * {@code __NR_x}), from the kernel's UAPI headers: {@code asm/unistd.h}, which is
 * {@code asm-generic/unistd.h} (the numbering every architecture added since 2012 shares, so statx is 291,
 * not x86_64's 332); {@code asm/fcntl.h}, which moves four open flags (O_DIRECTORY 0x4000, O_NOFOLLOW
 * 0x8000, O_DIRECT 0x10000, O_LARGEFILE 0x20000: 0x4000 is O_DIRECT on x86_64) and takes the rest from
 * {@code asm-generic/fcntl.h}; {@code asm/mman.h} and {@code linux/mman.h}. {@code LinuxAbiHeadersTest}
 * compares every constant here with those headers (Debian's {@code linux-libc-dev-arm64-cross}).
 */
final class Aarch64Abi {
    // syscalls made by number (LibC.syscall)
    static final long SYS_IO_URING_SETUP = 425;
    static final long SYS_IO_URING_ENTER = 426;
    static final long SYS_IO_URING_REGISTER = 427;
    static final long SYS_OPENAT2 = 437;
    static final long SYS_STATX = 291;

    // open(2) flags
    static final int O_CREAT = 0x40;
    static final int O_EXCL = 0x80;
    static final int O_TRUNC = 0x200;
    static final int O_APPEND = 0x400;
    static final int O_NONBLOCK = 0x800;
    static final int O_DSYNC = 0x1000;
    static final int O_DIRECTORY = 0x4000;
    static final int O_NOFOLLOW = 0x8000;
    static final int O_DIRECT = 0x10000;
    static final int O_LARGEFILE = 0x20000;
    static final int O_CLOEXEC = 0x80000;
    static final int O_SYNC = 0x101000;
    static final int O_PATH = 0x200000;

    // mmap(2)
    static final int PROT_READ = 0x1;
    static final int PROT_WRITE = 0x2;
    static final int MAP_SHARED = 0x01;
    static final int MAP_POPULATE = 0x8000;

    private Aarch64Abi() {
    }
}
