package io.uringactor.ring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * io_uring cannot be used in this process at all: the message says why and what to do about it
 * (an old or unsupported kernel, a seccomp profile, {@code kernel.io_uring_disabled}, a locked-memory limit).
 */
public final class IoUringUnavailableException extends IoUringException {
    private static final long serialVersionUID = 1L;

    IoUringUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Where Linux 6.6+ says whether io_uring may be used: 0 yes, 1 only for {@code io_uring_group}, 2 no. */
    static final Path IO_URING_DISABLED = Path.of("/proc/sys/kernel/io_uring_disabled");

    /** Explains a failed {@code io_uring_setup} in terms of what a user can change. */
    static IoUringUnavailableException fromSetupErrno(int errno, int entries) {
        final String why;
        switch (errno) {
            case Errno.ENOSYS:
                why = kernelAtLeast(System.getProperty("os.version"), 5, 6)
                        ? "io_uring_setup is refused as unknown, though this kernel (" + System.getProperty("os.version")
                        + ") is new enough to have it: a seccomp filter blocks it (Docker's default profile does;"
                        + " run with a seccomp profile that allows io_uring_setup, io_uring_enter and"
                        + " io_uring_register), the kernel was built without CONFIG_IO_URING, or this process runs"
                        + " under an emulator or sandbox that has no io_uring (qemu-user, gVisor)"
                        : "the kernel has no io_uring (needs Linux 5.6 or newer, built with CONFIG_IO_URING)";
                break;
            case Errno.EPERM:
                why = whyForbidden(readSysctl(IO_URING_DISABLED));
                break;
            case Errno.ENOMEM:
                why = kernelAtLeast(System.getProperty("os.version"), 5, 12)
                        ? "io_uring_setup reported no memory for " + entries + " entries, and this kernel does not"
                        + " charge rings against RLIMIT_MEMLOCK: the machine is short of memory, or a seccomp filter"
                        + " refuses io_uring_setup with ENOMEM (run with a profile that allows io_uring_setup,"
                        + " io_uring_enter and io_uring_register)"
                        : "not enough locked memory for " + entries + " entries: raise RLIMIT_MEMLOCK (ulimit -l),"
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

    /**
     * Why {@code io_uring_setup} got EPERM, told apart by {@code kernel.io_uring_disabled} ({@code null}
     * when the sysctl does not exist or cannot be read): a sysctl that forbids it, else a seccomp filter.
     */
    static String whyForbidden(String ioUringDisabled) {
        if ("2".equals(ioUringDisabled)) {
            return "io_uring is disabled on this machine (sysctl kernel.io_uring_disabled = 2);"
                    + " enable it with: sysctl -w kernel.io_uring_disabled=0";
        }
        if ("1".equals(ioUringDisabled)) {
            return "io_uring is limited to the group kernel.io_uring_group (sysctl kernel.io_uring_disabled = 1)"
                    + " and this user is not in it; add the user to that group or set kernel.io_uring_disabled=0";
        }
        return "io_uring is blocked by a seccomp filter (kernel.io_uring_disabled is "
                + (ioUringDisabled == null ? "absent" : ioUringDisabled) + ", so not by the sysctl; Docker's default"
                + " profile blocks it): run with a seccomp profile that allows io_uring_setup, io_uring_enter and"
                + " io_uring_register (a container runtime's, or systemd's SystemCallFilter)";
    }

    /** Whether a kernel release such as {@code 6.1.0-18-amd64} is at least {@code major.minor}; false if unreadable. */
    static boolean kernelAtLeast(String release, int major, int minor) {
        if (release == null) {
            return false;
        }
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
        if (!m.find()) {
            return false;
        }
        final int releaseMajor = Integer.parseInt(m.group(1));
        return releaseMajor > major || (releaseMajor == major && Integer.parseInt(m.group(2)) >= minor);
    }

    private static String readSysctl(Path path) {
        try {
            // Not Files.readString: a /proc file reports size 0, and that read may stop after its first byte.
            final java.util.List<String> lines = Files.readAllLines(path);
            return lines.isEmpty() ? null : lines.get(0).trim();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
