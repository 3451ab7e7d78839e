package io.uringactor.ring;

/**
 * Linux errno numbers and their symbolic names, so that a failure says {@code ENOENT}, not {@code -2}.
 *
 * <p>Numbers from {@code include/uapi/asm-generic/errno-base.h} and {@code errno.h}.
 */
public final class Errno {
    /** Operation not permitted; from {@code io_uring_setup}, io_uring is forbidden by a sysctl or a seccomp filter. */
    public static final int EPERM = 1;
    /** No such file or directory; from {@code ASYNC_CANCEL}, no op with that {@code user_data} was found. */
    public static final int ENOENT = 2;
    /** Interrupted system call; {@link IoUring} retries {@code io_uring_enter} and {@code io_uring_register} on it. */
    public static final int EINTR = 4;
    /** Input/output error. */
    public static final int EIO = 5;
    /** Bad file descriptor. */
    public static final int EBADF = 9;
    /** Resource temporarily unavailable; from {@code io_uring_enter}, the kernel is short of memory: retry later. */
    public static final int EAGAIN = 11;
    /** Cannot allocate memory; from {@code io_uring_setup}, often {@code RLIMIT_MEMLOCK} before Linux 5.12. */
    public static final int ENOMEM = 12;
    /** Permission denied. */
    public static final int EACCES = 13;
    /** Bad address: the kernel could not read or write memory an SQE pointed at. */
    public static final int EFAULT = 14;
    /** Device or resource busy; from {@code io_uring_enter}, the CQ overflowed: reap completions first. */
    public static final int EBUSY = 16;
    /** File exists ({@code O_CREAT | O_EXCL}). */
    public static final int EEXIST = 17;
    /** Invalid cross-device link; also {@code RESOLVE_NO_XDEV} refusing to cross a mount. */
    public static final int EXDEV = 18;
    /** Not a directory. */
    public static final int ENOTDIR = 20;
    /** Is a directory. */
    public static final int EISDIR = 21;
    /** Invalid argument; from {@code io_uring_setup}, a setup flag or size the kernel does not accept. */
    public static final int EINVAL = 22;
    /** Too many open files in this process ({@code RLIMIT_NOFILE}). */
    public static final int EMFILE = 24;
    /** File too large. */
    public static final int EFBIG = 27;
    /** No space left on device. */
    public static final int ENOSPC = 28;
    /** Illegal seek: an offset on a file that has none, such as a pipe. */
    public static final int ESPIPE = 29;
    /** Read-only file system. */
    public static final int EROFS = 30;
    /** File name too long. */
    public static final int ENAMETOOLONG = 36;
    /** Function not implemented; from {@code io_uring_setup}, the kernel has no io_uring. */
    public static final int ENOSYS = 38;
    /** Too many levels of symbolic links, or a symlink met with {@code O_NOFOLLOW} / {@code RESOLVE_NO_SYMLINKS}. */
    public static final int ELOOP = 40;
    /** Value too large for defined data type. */
    public static final int EOVERFLOW = 75;
    /** Operation not supported, e.g. punching a hole on a filesystem that cannot. */
    public static final int EOPNOTSUPP = 95;
    /** Timer expired: a {@code TIMEOUT} op elapsed, or a bounded {@code io_uring_enter} wait ran out. */
    public static final int ETIME = 62;
    /** Connection timed out. */
    public static final int ETIMEDOUT = 110;
    /** Operation canceled, by {@code ASYNC_CANCEL} or by the {@code LINK_TIMEOUT} linked to it. */
    public static final int ECANCELED = 125;
    /** Operation already in progress: an {@code ASYNC_CANCEL} target that is running and may still complete. */
    public static final int EALREADY = 114;
    /** No such device or address. */
    public static final int ENXIO = 6;

    private static final String[] NAMES = {
        "0",
        "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF", "ECHILD",
        "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV",
        "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC",
        "ESPIPE", "EROFS", "EMLINK", "EPIPE", "EDOM", "ERANGE", "EDEADLK", "ENAMETOOLONG", "ENOLCK",
        "ENOSYS", "ENOTEMPTY", "ELOOP", null, "ENOMSG", "EIDRM", "ECHRNG", "EL2NSYNC", "EL3HLT",
        "EL3RST", "ELNRNG", "EUNATCH", "ENOCSI", "EL2HLT", "EBADE", "EBADR", "EXFULL", "ENOANO",
        "EBADRQC", "EBADSLT", null, "EBFONT", "ENOSTR", "ENODATA", "ETIME", "ENOSR", "ENONET",
        "ENOPKG", "EREMOTE", "ENOLINK", "EADV", "ESRMNT", "ECOMM", "EPROTO", "EMULTIHOP", "EDOTDOT",
        "EBADMSG", "EOVERFLOW", "ENOTUNIQ", "EBADFD", "EREMCHG", "ELIBACC", "ELIBBAD", "ELIBSCN",
        "ELIBMAX", "ELIBEXEC", "EILSEQ", "ERESTART", "ESTRPIPE", "EUSERS", "ENOTSOCK",
        "EDESTADDRREQ", "EMSGSIZE", "EPROTOTYPE", "ENOPROTOOPT", "EPROTONOSUPPORT",
        "ESOCKTNOSUPPORT", "EOPNOTSUPP", "EPFNOSUPPORT", "EAFNOSUPPORT", "EADDRINUSE",
        "EADDRNOTAVAIL", "ENETDOWN", "ENETUNREACH", "ENETRESET", "ECONNABORTED", "ECONNRESET",
        "ENOBUFS", "EISCONN", "ENOTCONN", "ESHUTDOWN", "ETOOMANYREFS", "ETIMEDOUT", "ECONNREFUSED",
        "EHOSTDOWN", "EHOSTUNREACH", "EALREADY", "EINPROGRESS", "ESTALE", "EUCLEAN", "ENOTNAM",
        "ENAVAIL", "EISNAM", "EREMOTEIO", "EDQUOT", "ENOMEDIUM", "EMEDIUMTYPE", "ECANCELED",
        "ENOKEY", "EKEYEXPIRED", "EKEYREVOKED", "EKEYREJECTED", "EOWNERDEAD", "ENOTRECOVERABLE",
        "ERFKILL", "EHWPOISON",
    };

    private Errno() {
    }

    /** The symbolic name of {@code errno} (positive or negated), e.g. {@code "ENOENT"}; {@code "E<n>"} if unknown. */
    public static String name(int errno) {
        final int e = Math.abs(errno);
        final String name = e < NAMES.length ? NAMES[e] : null;
        return name != null ? name : "E" + e;
    }

    /** The errno for a symbolic name, or -1 when the name is unknown. */
    public static int valueOf(String name) {
        for (int i = 1; i < NAMES.length; i++) {
            if (name.equals(NAMES[i])) {
                return i;
            }
        }
        return -1;
    }
}
