package io.uringactor.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The library on aarch64, run for real on an x86_64 machine: {@link Smoke} in an arm64 Java 17 under qemu-user,
 * with this module's test classpath (JNA brings its linux-aarch64 native). That exercises the aarch64 table's
 * numbers (open flags with O_DIRECT's, {@code statx}), the struct layouts and JNA on aarch64. qemu-user 7.2
 * implements neither io_uring nor {@code openat2} ({@code ENOSYS}): the ring runs on the fallback engine, and a
 * ring confined to a root refuses every open, which Smoke accepts. What it needs, {@code qemu-aarch64-static} and
 * an arm64 JRE unpacked into {@code AARCH64_SYSROOT} (default {@code ~/.cache/io-uring-actor/aarch64-sysroot}),
 * {@code .ci/aarch64-jre} installs; where they are missing the test is skipped, unless CI requires it
 * ({@code IO_URING_ACTOR_REQUIRE_TEST_PACKAGES}).
 */
class Aarch64SmokeTest {
    @TempDir
    Path dir;

    @Test
    void smokeChecksPassInAnArm64JvmUnderQemuUser() throws Exception {
        Assumptions.assumeFalse("aarch64".equals(System.getProperty("os.arch")), "aarch64 itself: the suite ran natively");
        final Path sysroot = Path.of(System.getenv().getOrDefault("AARCH64_SYSROOT",
                System.getProperty("user.home") + "/.cache/io-uring-actor/aarch64-sysroot"));
        final Path java = sysroot.resolve("usr/lib/jvm/java-17-openjdk-arm64/bin/java");
        final Path qemu = onPath("qemu-aarch64-static");
        if (qemu == null || !Files.isExecutable(java)) {
            assertNull(System.getenv("IO_URING_ACTOR_REQUIRE_TEST_PACKAGES"), "qemu-aarch64-static or the arm64 JRE in "
                    + sysroot + " is missing: .ci/aarch64-jre installs them");
            Assumptions.abort("no qemu-aarch64-static or arm64 JRE (.ci/aarch64-jre installs them): skipped here");
        }
        // C1 only: under emulation C2's compiles cost more than they save (a third to a half of the run).
        final Process child = new ProcessBuilder(qemu.toString(), "-L", sysroot.toString(), java.toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Smoke.class.getName(),
                dir.toString()).redirectErrorStream(true).start();
        child.getOutputStream().close();
        final String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(10, TimeUnit.MINUTES), "the emulated JVM ended: " + output);
        System.out.println(output);
        assertEquals(0, child.exitValue(), output);
        final List<String> lines = output.lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("smoke: aarch64,")), "an aarch64 JVM: " + output);
        assertTrue(lines.contains("ok   engine: fallback (32 threads)"), "no io_uring under qemu-user: " + output);
        assertEquals(6, lines.stream().filter(l -> l.startsWith("ok   ")).count(), "six checks: " + output);
        assertTrue(lines.contains("smoke: all checks passed"), output);
    }

    private static Path onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            final Path candidate = Path.of(dir, command);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
