package io.uringactor.ring;

/**
 * Offsets and sizes of the kernel structures this module reads and writes, kept apart from the logic
 * that uses them. The C type of each field is in its comment.
 *
 * <p>They are the same on x86_64 and aarch64: every field is a fixed-width {@code __u8..__u64} (or a
 * pointer or {@code size_t}, 8 bytes on both), both ABIs are LP64 and align each such type to its size
 * (the x86_64 psABI and AAPCS64 agree there; only i386 aligns {@code __u64} to 4, hence the kernel's
 * {@code __aligned_u64}), and both are little-endian ({@link LibC} refuses a big-endian JVM).
 * {@code LinuxAbiHeadersTest} checks each value with {@code offsetof}/{@code sizeof} against both the
 * x86_64 and the aarch64 UAPI headers; the aarch64 structs are laid out by this machine's x86_64 gcc
 * there, which by the above is what an aarch64 compiler does.
 */
final class RingLayout {
    // struct io_uring_sqe (64 bytes)
    static final int SQE_SIZE = 64;
    static final int SQE_OPCODE_FIELD = 0;       // __u8
    static final int SQE_FLAGS_FIELD = 1;        // __u8
    static final int SQE_IOPRIO_FIELD = 2;       // __u16
    static final int SQE_FD_FIELD = 4;           // __s32
    static final int SQE_OFF_FIELD = 8;          // __u64 off / addr2
    static final int SQE_ADDR_FIELD = 16;        // __u64 addr / splice_off_in
    static final int SQE_LEN_FIELD = 24;         // __u32
    static final int SQE_OP_FLAGS_FIELD = 28;    // __u32 rw_flags, fsync_flags, open_flags, ...
    static final int SQE_USER_DATA_FIELD = 32;   // __u64
    static final int SQE_BUF_INDEX_FIELD = 40;   // __u16 buf_index / buf_group
    static final int SQE_PERSONALITY_FIELD = 42; // __u16
    static final int SQE_SPLICE_FD_IN_FIELD = 44; // __s32 splice_fd_in / file_index
    static final int SQE_ADDR3_FIELD = 48;       // __u64

    // struct io_uring_cqe (16 bytes; no CQE32)
    static final int CQE_SIZE = 16;
    static final int CQE_USER_DATA_FIELD = 0;    // __u64
    static final int CQE_RES_FIELD = 8;          // __s32
    static final int CQE_FLAGS_FIELD = 12;       // __u32

    // struct io_uring_params (120 bytes)
    static final int PARAMS_SIZE = 120;
    static final int PARAMS_SQ_ENTRIES = 0;      // __u32
    static final int PARAMS_CQ_ENTRIES = 4;      // __u32
    static final int PARAMS_FLAGS = 8;           // __u32
    static final int PARAMS_FEATURES = 20;       // __u32
    static final int PARAMS_SQ_OFF = 40;         // struct io_sqring_offsets
    static final int PARAMS_CQ_OFF = 80;         // struct io_cqring_offsets

    // struct io_sqring_offsets, relative to PARAMS_SQ_OFF (all __u32)
    static final int SQ_OFF_HEAD = 0;
    static final int SQ_OFF_TAIL = 4;
    static final int SQ_OFF_RING_MASK = 8;
    static final int SQ_OFF_RING_ENTRIES = 12;
    static final int SQ_OFF_FLAGS = 16;
    static final int SQ_OFF_DROPPED = 20;
    static final int SQ_OFF_ARRAY = 24;

    // struct io_cqring_offsets, relative to PARAMS_CQ_OFF (all __u32)
    static final int CQ_OFF_HEAD = 0;
    static final int CQ_OFF_TAIL = 4;
    static final int CQ_OFF_RING_MASK = 8;
    static final int CQ_OFF_RING_ENTRIES = 12;
    static final int CQ_OFF_OVERFLOW = 16;
    static final int CQ_OFF_CQES = 20;

    // mmap offsets of the three regions
    static final long IORING_OFF_SQ_RING = 0L;
    static final long IORING_OFF_CQ_RING = 0x8000000L;
    static final long IORING_OFF_SQES = 0x10000000L;

    // struct io_uring_probe: 16-byte header, then 8-byte struct io_uring_probe_op entries
    static final int PROBE_HEADER_SIZE = 16;
    static final int PROBE_LAST_OP = 0;          // __u8
    static final int PROBE_OPS_LEN = 1;          // __u8
    static final int PROBE_OP_SIZE = 8;
    static final int PROBE_OP_FLAGS = 2;         // __u16, relative to the op entry
    static final int PROBE_MAX_OPS = 256;

    // struct iovec
    static final int IOVEC_SIZE = 16;            // void *iov_base; size_t iov_len
    static final int RSRC_UPDATE_SIZE = 16;      // __u32 offset, resv; __aligned_u64 data

    // struct open_how (openat2)
    static final int OPEN_HOW_SIZE = 24;         // __u64 flags, mode, resolve

    // struct io_uring_getevents_arg (IORING_ENTER_EXT_ARG)
    static final int GETEVENTS_ARG_SIZE = 24;    // __u64 sigmask; __u32 sigmask_sz, min_wait_usec; __u64 ts
    static final int GETEVENTS_ARG_TS = 16;      // __u64 pointer to a __kernel_timespec
    /** Where IoUring keeps the timespec, right after its getevents argument. */
    static final int WAIT_TIMESPEC = GETEVENTS_ARG_SIZE;

    // struct __kernel_timespec
    static final int TIMESPEC_SIZE = 16;         // __s64 tv_sec, long long tv_nsec

    // struct statx (256 bytes)
    static final int STATX_SIZE = 256;
    static final int STATX_MASK = 0;             // __u32
    static final int STATX_BLKSIZE = 4;          // __u32
    static final int STATX_NLINK = 16;           // __u32
    static final int STATX_UID = 20;             // __u32
    static final int STATX_GID = 24;             // __u32
    static final int STATX_MODE = 28;            // __u16
    static final int STATX_INO = 32;             // __u64
    static final int STATX_SIZE_FIELD = 40;      // __u64
    static final int STATX_BLOCKS = 48;          // __u64
    static final int STATX_ATIME = 64;           // struct statx_timestamp { __s64 sec; __u32 nsec; }
    static final int STATX_BTIME = 80;
    static final int STATX_CTIME = 96;
    static final int STATX_MTIME = 112;
    static final int STATX_DIO_MEM_ALIGN = 152;  // __u32
    static final int STATX_DIO_OFFSET_ALIGN = 156; // __u32

    private RingLayout() {
    }
}
