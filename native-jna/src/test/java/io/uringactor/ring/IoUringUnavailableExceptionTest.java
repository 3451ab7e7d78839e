package io.uringactor.ring;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The EPERM explanation tells the sysctl cases from a seccomp filter by {@code kernel.io_uring_disabled}. */
class IoUringUnavailableExceptionTest {
    @Test
    void sysctlTwoSaysTheSysctlAndHowToEnableIt() {
        final String why = IoUringUnavailableException.whyForbidden("2");
        assertTrue(why.contains("kernel.io_uring_disabled = 2"), why);
        assertTrue(why.contains("sysctl -w kernel.io_uring_disabled=0"), why);
        assertFalse(why.contains("seccomp"), why);
    }

    @Test
    void sysctlOneNamesTheGroup() {
        final String why = IoUringUnavailableException.whyForbidden("1");
        assertTrue(why.contains("kernel.io_uring_group"), why);
        assertFalse(why.contains("seccomp"), why);
    }

    @Test
    void otherwiseItIsSeccomp() {
        assertTrue(IoUringUnavailableException.whyForbidden("0").contains("seccomp"));
        assertTrue(IoUringUnavailableException.whyForbidden(null).contains("absent"));
    }

    @Test
    void epermFromSetupReadsTheMachinesSysctl() {
        final IoUringUnavailableException e = IoUringUnavailableException.fromSetupErrno(Errno.EPERM, 8);
        assertEquals(IoUringUnavailableException.whyForbidden(
                readOrNull(IoUringUnavailableException.IO_URING_DISABLED)), e.getMessage());
        assertInstanceOf(ErrnoException.class, e.getCause());
    }

    private static String readOrNull(java.nio.file.Path p) {
        try {
            return java.nio.file.Files.readString(p).trim();
        } catch (Exception e) {
            return null;
        }
    }

    @Test
    void kernelReleasesAreComparedByMajorAndMinor() {
        assertTrue(IoUringUnavailableException.kernelAtLeast("6.1.0-18-amd64", 5, 12));
        assertTrue(IoUringUnavailableException.kernelAtLeast("5.12.0", 5, 12));
        assertFalse(IoUringUnavailableException.kernelAtLeast("5.10.209", 5, 12));
        assertFalse(IoUringUnavailableException.kernelAtLeast("4.19.0", 5, 6));
        assertFalse(IoUringUnavailableException.kernelAtLeast("unknown", 5, 6));
        assertFalse(IoUringUnavailableException.kernelAtLeast(null, 5, 6));
    }
}
