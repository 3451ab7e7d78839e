package io.uringactor.ring;

/**
 * io_uring cannot be used in this process at all: the message says why and what to do about it
 * (an old or unsupported kernel, a seccomp profile, {@code kernel.io_uring_disabled}, a locked-memory limit).
 */
public final class IoUringUnavailableException extends IoUringException {
    private static final long serialVersionUID = 1L;

    IoUringUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Explains a failed {@code io_uring_setup} in terms of what a user can change. */
    static IoUringUnavailableException fromSetupErrno(int errno, int entries) {
        final String why;
        switch (errno) {
            case Errno.ENOSYS:
                why = "the kernel has no io_uring (needs Linux 5.6 or newer, built with CONFIG_IO_URING)";
                break;
            case Errno.EPERM:
                why = "io_uring is forbidden here: sysctl kernel.io_uring_disabled is 2, or is 1 and this user is"
                        + " not in kernel.io_uring_group, or a seccomp profile (Docker, systemd) blocks it;"
                        + " allow the io_uring_setup/enter/register syscalls or run outside the sandbox";
                break;
            case Errno.ENOMEM:
                why = "not enough locked memory for " + entries + " entries: raise RLIMIT_MEMLOCK (ulimit -l),"
                        + " which kernels before 5.12 charge io_uring rings against, or ask for fewer entries";
                break;
            case Errno.EINVAL:
                why = "the kernel rejected the setup parameters (" + entries + " entries); an older kernel may"
                        + " lack a requested setup flag";
                break;
            default:
                why = "io_uring_setup failed";
        }
        return new IoUringUnavailableException(why, new ErrnoException("io_uring_setup", errno));
    }
}
