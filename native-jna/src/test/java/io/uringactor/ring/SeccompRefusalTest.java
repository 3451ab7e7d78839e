package io.uringactor.ring;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * io_uring blocked the way a container blocks it: a child JVM runs under a real seccomp filter (a few lines of
 * C built here, no privileges needed) that makes io_uring_setup fail with EPERM, ENOSYS or ENOMEM, and the
 * error it reports must name the cause and the fix.
 */
class SeccompRefusalTest {
    @TempDir
    static Path dir;
    private static Path launcher;

    @BeforeAll
    static void buildLauncher() throws Exception {
        TestPackages.requireGcc();
        final Path source = dir.resolve("refuse-io-uring-setup.c");
        try (InputStream in = SeccompRefusalTest.class.getResourceAsStream("/seccomp/refuse-io-uring-setup.c")) {
            Files.copy(in, source);
        }
        launcher = dir.resolve("refuse-io-uring-setup");
        final Process gcc = new ProcessBuilder("gcc", "-O1", "-o", launcher.toString(), source.toString())
                .redirectErrorStream(true).start();
        final String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, gcc.waitFor(), "gcc (apt-get install gcc) must build the seccomp launcher: " + output);
    }

    /** Runs {@link SetupProbe} in a child JVM, under the filter when {@code errno} is given; its one line. */
    private static String probe(Integer errno) throws IOException, InterruptedException {
        final String java = ProcessHandle.current().info().command().orElseThrow();
        final List<String> command = new ArrayList<>();
        if (errno != null) {
            command.add(launcher.toString());
            command.add(String.valueOf(errno));
        }
        command.addAll(List.of(java, "-cp", System.getProperty("java.class.path"), SetupProbe.class.getName()));
        final Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM ended");
        assertEquals(0, child.exitValue(), output);
        return output.lines().filter(l -> l.startsWith("OPENED") || l.startsWith("UNAVAILABLE")).findFirst()
                .orElseThrow(() -> new AssertionError("no result line in: " + output));
    }

    @Test
    void withoutTheFilterTheChildOpensARing() throws Exception {
        assertTrue(probe(null).startsWith("OPENED"), "the probe itself works here");
    }

    @ParameterizedTest(name = "errno {0}")
    @CsvSource({"1, EPERM, seccomp", "38, ENOSYS, seccomp", "12, ENOMEM, seccomp"})
    void aSeccompFilterIsNamedWithTheFix(int errno, String name, String cause) throws Exception {
        final String line = probe(errno);
        assertTrue(line.startsWith("UNAVAILABLE "), line);
        assertTrue(line.contains(cause), "names the cause: " + line);
        assertTrue(line.contains("allows io_uring_setup"), "and the fix: " + line);
        assertTrue(line.contains("io_uring_setup: " + name), "and the errno: " + line);
    }
}
