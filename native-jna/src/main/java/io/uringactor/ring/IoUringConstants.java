package io.uringactor.ring;

/**
 * io_uring ABI constants under their kernel names, from
 * <a href="https://github.com/torvalds/linux/blob/v6.12/include/uapi/linux/io_uring.h">include/uapi/linux/io_uring.h</a>
 * and the open/fallocate/statx headers they are used with.
 *
 * <p>The {@code O_*} flags other than the access modes differ between architectures (O_DIRECT is 0x4000 on
 * x86_64 but 0x10000 on aarch64, where 0x4000 is O_DIRECTORY): they are the running JVM's, read from
 * {@link LinuxAbi} when this class initializes, and so not compile-time constants. Code compiled against
 * them reads them at run time and passes the numbers of the machine it runs on; they cannot be
 * {@code case} labels. Every other constant here is the same on x86_64 and aarch64.
 */
public final class IoUringConstants {
    // enum io_uring_op
    /** Does nothing and completes with 0. */
    public static final byte IORING_OP_NOP = 0;
    /** {@code preadv2}: scatter read into an array of {@code struct iovec}. */
    public static final byte IORING_OP_READV = 1;
    /** {@code pwritev2}: gather write from an array of {@code struct iovec}. */
    public static final byte IORING_OP_WRITEV = 2;
    /** {@code fsync}, or {@code fdatasync} with {@link #IORING_FSYNC_DATASYNC}. */
    public static final byte IORING_OP_FSYNC = 3;
    /** Read into a buffer registered with {@code IORING_REGISTER_BUFFERS}. */
    public static final byte IORING_OP_READ_FIXED = 4;
    /** Write from a buffer registered with {@code IORING_REGISTER_BUFFERS}. */
    public static final byte IORING_OP_WRITE_FIXED = 5;
    /** Waits for poll events on an fd. */
    public static final byte IORING_OP_POLL_ADD = 6;
    /** Removes a pending {@code POLL_ADD}. */
    public static final byte IORING_OP_POLL_REMOVE = 7;
    /** {@code sync_file_range}. */
    public static final byte IORING_OP_SYNC_FILE_RANGE = 8;
    /** Completes with {@code -ETIME} when its timespec elapses, or with 0 after a count of completions. */
    public static final byte IORING_OP_TIMEOUT = 11;
    /** Removes or updates a pending {@code TIMEOUT}. */
    public static final byte IORING_OP_TIMEOUT_REMOVE = 12;
    /** Cancels an in-flight op, found by its {@code user_data}. */
    public static final byte IORING_OP_ASYNC_CANCEL = 14;
    /** Bounds the op linked just before it; that op completes with {@code -ECANCELED} on expiry. */
    public static final byte IORING_OP_LINK_TIMEOUT = 15;
    /** {@code fallocate}: the length travels in {@code addr}, the mode in {@code len}. */
    public static final byte IORING_OP_FALLOCATE = 17;
    /** {@code openat}; completes with the new fd (Linux 5.6+). */
    public static final byte IORING_OP_OPENAT = 18;
    /** {@code close} (Linux 5.6+). */
    public static final byte IORING_OP_CLOSE = 19;
    /** {@code statx} into a 256-byte {@code struct statx} (Linux 5.6+). */
    public static final byte IORING_OP_STATX = 21;
    /** {@code pread} into one buffer (Linux 5.6+). */
    public static final byte IORING_OP_READ = 22;
    /** {@code pwrite} from one buffer (Linux 5.6+). */
    public static final byte IORING_OP_WRITE = 23;
    /** {@code posix_fadvise} (Linux 5.6+). */
    public static final byte IORING_OP_FADVISE = 24;
    /** {@code openat2} with a {@code struct open_how} (Linux 5.6+). */
    public static final byte IORING_OP_OPENAT2 = 28;
    /** {@code splice} between a file and a pipe, or two pipes (Linux 5.7+). */
    public static final byte IORING_OP_SPLICE = 30;
    /** {@code tee}: duplicates pipe contents without consuming them (Linux 5.8+). */
    public static final byte IORING_OP_TEE = 33;
    /** {@code ftruncate} (Linux 6.9+). */
    public static final byte IORING_OP_FTRUNCATE = 55;

    // sqe->flags
    /** The SQE's fd is an index into the files registered with {@code IORING_REGISTER_FILES}. */
    public static final byte IOSQE_FIXED_FILE = 1 << 0;
    /** Starts only after every earlier SQE has completed. */
    public static final byte IOSQE_IO_DRAIN = 1 << 1;
    /** Links the next SQE: it starts after this one completes, and is cancelled if this one fails. */
    public static final byte IOSQE_IO_LINK = 1 << 2;
    /** Like {@link #IOSQE_IO_LINK}, but the next SQE runs even if this one fails. */
    public static final byte IOSQE_IO_HARDLINK = 1 << 3;
    /** Always runs the op from an io-wq worker, without trying a non-blocking attempt first. */
    public static final byte IOSQE_ASYNC = 1 << 4;
    /** Posts no CQE when the op succeeds (needs {@link #IORING_FEAT_CQE_SKIP}). */
    public static final byte IOSQE_CQE_SKIP_SUCCESS = 1 << 6;

    // io_uring_params->flags
    /** Busy-polls for completions instead of taking interrupts (O_DIRECT on polled devices only). */
    public static final int IORING_SETUP_IOPOLL = 1 << 0;
    /** A kernel thread polls the SQ, so submitting needs no syscall while it is awake. */
    public static final int IORING_SETUP_SQPOLL = 1 << 1;
    /** Takes the CQ size from {@code cq_entries} instead of twice the SQ size. */
    public static final int IORING_SETUP_CQSIZE = 1 << 3;
    /** Clamps too-large SQ/CQ sizes to the kernel maximum instead of failing with {@code EINVAL}. */
    public static final int IORING_SETUP_CLAMP = 1 << 4;
    /** Starts the ring disabled until {@code IORING_REGISTER_ENABLE_RINGS}. */
    public static final int IORING_SETUP_R_DISABLED = 1 << 6;
    /** Keeps submitting the batch after an SQE fails to prepare (Linux 5.18+). */
    public static final int IORING_SETUP_SUBMIT_ALL = 1 << 7;
    /** Runs completion task work only when the task enters the kernel, without an IPI (Linux 5.19+). */
    public static final int IORING_SETUP_COOP_TASKRUN = 1 << 8;
    /** Sets {@link #IORING_SQ_TASKRUN} when task work is pending (with COOP_TASKRUN; Linux 5.19+). */
    public static final int IORING_SETUP_TASKRUN_FLAG = 1 << 9;
    /** SQEs of 128 bytes instead of 64 (Linux 5.19+). */
    public static final int IORING_SETUP_SQE128 = 1 << 10;
    /** CQEs of 32 bytes instead of 16 (Linux 5.19+). */
    public static final int IORING_SETUP_CQE32 = 1 << 11;
    /** Promises that only one task submits (Linux 6.0+). */
    public static final int IORING_SETUP_SINGLE_ISSUER = 1 << 12;
    /** Defers completion work until the submitter asks for events (with SINGLE_ISSUER; Linux 6.1+). */
    public static final int IORING_SETUP_DEFER_TASKRUN = 1 << 13;
    /** No SQ index array: SQEs are consumed in ring order (Linux 6.6+). */
    public static final int IORING_SETUP_NO_SQARRAY = 1 << 16;

    // io_uring_params->features
    /** The SQ and CQ rings share one mapping (Linux 5.4+). */
    public static final int IORING_FEAT_SINGLE_MMAP = 1 << 0;
    /** A full CQ keeps overflowed completions instead of dropping them (Linux 5.5+). */
    public static final int IORING_FEAT_NODROP = 1 << 1;
    /**
     * What the kernel needs for async offload is copied by the time it consumes the SQE (Linux 5.5+); the IO
     * buffers themselves still belong to the kernel until the op's CQE.
     */
    public static final int IORING_FEAT_SUBMIT_STABLE = 1 << 2;
    /** A read or write at offset -1 uses and advances the file position (Linux 5.6+). */
    public static final int IORING_FEAT_RW_CUR_POS = 1 << 3;
    /** Ops on pollable files are retried by internal polling rather than an io-wq worker (Linux 5.7+). */
    public static final int IORING_FEAT_FAST_POLL = 1 << 5;
    /** {@code io_uring_enter} takes {@link #IORING_ENTER_EXT_ARG}, e.g. a wait timeout (Linux 5.11+). */
    public static final int IORING_FEAT_EXT_ARG = 1 << 8;
    /** io-wq workers are threads of the submitting process (Linux 5.12+). */
    public static final int IORING_FEAT_NATIVE_WORKERS = 1 << 9;
    /** Registered buffers and files can carry tags (Linux 5.13+). */
    public static final int IORING_FEAT_RSRC_TAGS = 1 << 10;
    /** {@link #IOSQE_CQE_SKIP_SUCCESS} is supported (Linux 5.17+). */
    public static final int IORING_FEAT_CQE_SKIP = 1 << 11;
    /** A linked SQE's file is looked up when it starts, not at submission (Linux 5.17+). */
    public static final int IORING_FEAT_LINKED_FILE = 1 << 12;

    // io_uring_enter flags
    /** {@code io_uring_enter} waits for {@code min_complete} completions (and runs deferred task work). */
    public static final int IORING_ENTER_GETEVENTS = 1 << 0;
    /** Wakes a sleeping SQPOLL thread. */
    public static final int IORING_ENTER_SQ_WAKEUP = 1 << 1;
    /** The argument is a {@code struct io_uring_getevents_arg} (sigmask and timeout; Linux 5.11+). */
    public static final int IORING_ENTER_EXT_ARG = 1 << 3;
    /** The fd argument is an index into the calling thread's registered ring fds (Linux 5.18+). */
    public static final int IORING_ENTER_REGISTERED_RING = 1 << 4;

    // sq_ring->flags
    /** SQ ring flag: the SQPOLL thread sleeps and needs {@link #IORING_ENTER_SQ_WAKEUP}. */
    public static final int IORING_SQ_NEED_WAKEUP = 1 << 0;
    /** SQ ring flag: completions overflowed the CQ; {@code GETEVENTS} flushes them back. */
    public static final int IORING_SQ_CQ_OVERFLOW = 1 << 1;
    /** SQ ring flag: task work is pending; enter the kernel to post its completions. */
    public static final int IORING_SQ_TASKRUN = 1 << 2;

    // io_uring_register opcodes
    /** {@code io_uring_register}: pins an array of {@code struct iovec} for the {@code *_FIXED} ops. */
    public static final int IORING_REGISTER_BUFFERS = 0;
    /** {@code io_uring_register}: releases the registered buffers. */
    public static final int IORING_UNREGISTER_BUFFERS = 1;
    /** {@code io_uring_register}: registers an array of fds for {@link #IOSQE_FIXED_FILE}. */
    public static final int IORING_REGISTER_FILES = 2;
    /** {@code io_uring_register}: releases the registered files. */
    public static final int IORING_UNREGISTER_FILES = 3;
    /** {@code io_uring_register}: signals an eventfd on every posted completion. */
    public static final int IORING_REGISTER_EVENTFD = 4;
    /** {@code io_uring_register}: removes the registered eventfd. */
    public static final int IORING_UNREGISTER_EVENTFD = 5;
    /** {@code io_uring_register}: fills a {@code struct io_uring_probe} with the supported ops. */
    public static final int IORING_REGISTER_PROBE = 8;
    /** {@code io_uring_register}: registers the ring's fd with the calling thread (Linux 5.18+). */
    public static final int IORING_REGISTER_RING_FDS = 20;
    /** {@code io_uring_register}: releases the calling thread's registration of a ring fd. */
    public static final int IORING_UNREGISTER_RING_FDS = 21;
    /** io_uring_probe_op->flags: the op is supported. */
    public static final int IO_URING_OP_SUPPORTED = 1;

    // per-op flags
    /** {@code fsync_flags}: sync data only, like {@code fdatasync}. */
    public static final int IORING_FSYNC_DATASYNC = 1;
    /** {@code timeout_flags}: the timespec is an absolute {@code CLOCK_MONOTONIC} time, not relative. */
    public static final int IORING_TIMEOUT_ABS = 1;
    /** {@code cancel_flags}: cancels every matching op, not only the first (Linux 5.19+). */
    public static final int IORING_ASYNC_CANCEL_ALL = 1 << 0;
    /** {@code cancel_flags}: matches by fd instead of {@code user_data} (Linux 5.19+). */
    public static final int IORING_ASYNC_CANCEL_FD = 1 << 1;
    /** {@code cancel_flags}: matches any op (Linux 5.19+). */
    public static final int IORING_ASYNC_CANCEL_ANY = 1 << 2;
    /** {@code splice_flags}: {@code splice_fd_in} is a registered-file index. */
    public static final int SPLICE_F_FD_IN_FIXED = 1 << 31;
    /** {@code splice_flags}: move pages instead of copying if possible (a hint). */
    public static final int SPLICE_F_MOVE = 1;

    // fcntl.h / open(2)
    /** {@code dirfd} meaning the current working directory. */
    public static final int AT_FDCWD = -100;
    /** With an empty path, operate on {@code dirfd} itself. */
    public static final int AT_EMPTY_PATH = 0x1000;
    /** Do not follow a trailing symlink. */
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    /** Open for reading only. */
    public static final int O_RDONLY = 0;
    /** Open for writing only. */
    public static final int O_WRONLY = 1;
    /** Open for reading and writing. */
    public static final int O_RDWR = 2;
    /** Create the file if it does not exist, with the given mode. */
    public static final int O_CREAT = LinuxAbi.CURRENT.O_CREAT;
    /** With {@link #O_CREAT}: fail with {@code EEXIST} if the file exists. */
    public static final int O_EXCL = LinuxAbi.CURRENT.O_EXCL;
    /** Truncate an existing regular file to length 0. */
    public static final int O_TRUNC = LinuxAbi.CURRENT.O_TRUNC;
    /** Every write goes to the end of the file. */
    public static final int O_APPEND = LinuxAbi.CURRENT.O_APPEND;
    /** Non-blocking mode (no effect on regular files). */
    public static final int O_NONBLOCK = LinuxAbi.CURRENT.O_NONBLOCK;
    /** Every write returns only once its data (and the metadata to read it) is on stable storage. */
    public static final int O_DSYNC = LinuxAbi.CURRENT.O_DSYNC;
    /** Bypass the page cache; buffers, offsets and lengths must be aligned ({@link AlignedBuffer}). */
    public static final int O_DIRECT = LinuxAbi.CURRENT.O_DIRECT;
    /** Fail with {@code ENOTDIR} unless the path is a directory. */
    public static final int O_DIRECTORY = LinuxAbi.CURRENT.O_DIRECTORY;
    /** Fail with {@code ELOOP} if the last path component is a symlink. */
    public static final int O_NOFOLLOW = LinuxAbi.CURRENT.O_NOFOLLOW;
    /**
     * The kernel's large-file flag. A 64-bit kernel sets it on every open itself, so this library never
     * passes it; it is here because it is one of the flags whose number differs (0x8000 on x86_64, 0x20000
     * on aarch64), for code that decodes flags.
     */
    public static final int O_LARGEFILE = LinuxAbi.CURRENT.O_LARGEFILE;
    /** A descriptor that only names a place in the filesystem: no reads or writes through it. */
    public static final int O_PATH = LinuxAbi.CURRENT.O_PATH;
    /** Close the fd on {@code exec}. */
    public static final int O_CLOEXEC = LinuxAbi.CURRENT.O_CLOEXEC;
    /** Like {@link #O_DSYNC}, and all metadata too. */
    public static final int O_SYNC = LinuxAbi.CURRENT.O_SYNC;

    // linux/openat2.h: open_how->resolve
    /** {@code open_how.resolve}: never cross a mount point ({@code EXDEV}). */
    public static final long RESOLVE_NO_XDEV = 0x01;
    /** {@code open_how.resolve}: refuse {@code /proc} magic links. */
    public static final long RESOLVE_NO_MAGICLINKS = 0x02;
    /** {@code open_how.resolve}: refuse every symlink ({@code ELOOP}). */
    public static final long RESOLVE_NO_SYMLINKS = 0x04;
    /** {@code open_how.resolve}: the path must resolve beneath {@code dirfd} ({@code EXDEV} otherwise). */
    public static final long RESOLVE_BENEATH = 0x08;
    /** {@code open_how.resolve}: resolve as if {@code dirfd} were the root directory. */
    public static final long RESOLVE_IN_ROOT = 0x10;

    // linux/falloc.h
    /** {@code fallocate} mode: do not change the file size. */
    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    /** {@code fallocate} mode: deallocate the range (with {@link #FALLOC_FL_KEEP_SIZE}); it reads as zeros. */
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    /** {@code fallocate} mode: zero the range, allocating it. */
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;

    // linux/stat.h: statx mask bits
    /** {@code statx} mask: the fields of {@code struct stat} (type, mode, nlink, ids, times, size, blocks). */
    public static final int STATX_BASIC_STATS = 0x7ff;
    /** {@code statx} mask: the birth time. */
    public static final int STATX_BTIME = 0x800;
    /** {@code statx} mask: the O_DIRECT alignments {@code stx_dio_mem_align}, {@code stx_dio_offset_align}. */
    public static final int STATX_DIOALIGN = 0x2000;

    private static final String[] OP_NAMES = {
        "NOP", "READV", "WRITEV", "FSYNC", "READ_FIXED", "WRITE_FIXED", "POLL_ADD", "POLL_REMOVE",
        "SYNC_FILE_RANGE", "SENDMSG", "RECVMSG", "TIMEOUT", "TIMEOUT_REMOVE", "ACCEPT", "ASYNC_CANCEL",
        "LINK_TIMEOUT", "CONNECT", "FALLOCATE", "OPENAT", "CLOSE", "FILES_UPDATE", "STATX", "READ", "WRITE",
        "FADVISE", "MADVISE", "SEND", "RECV", "OPENAT2", "EPOLL_CTL", "SPLICE", "PROVIDE_BUFFERS",
        "REMOVE_BUFFERS", "TEE", "SHUTDOWN", "RENAMEAT", "UNLINKAT", "MKDIRAT", "SYMLINKAT", "LINKAT",
        "MSG_RING", "FSETXATTR", "SETXATTR", "FGETXATTR", "GETXATTR", "SOCKET", "URING_CMD", "SEND_ZC",
        "SENDMSG_ZC", "READ_MULTISHOT", "WAITID", "FUTEX_WAIT", "FUTEX_WAKE", "FUTEX_WAITV",
        "FIXED_FD_INSTALL", "FTRUNCATE",
    };

    private IoUringConstants() {
    }

    /** The op's kernel name without its prefix, e.g. {@code "READ"}, for messages and logs. */
    public static String opName(int op) {
        return op >= 0 && op < OP_NAMES.length ? OP_NAMES[op] : "OP_" + op;
    }
}
