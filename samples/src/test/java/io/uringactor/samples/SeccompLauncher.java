package io.uringactor.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The launcher native-jna's tests build (a few lines of C): it runs a program under a real seccomp filter that
 * makes io_uring_setup fail with an errno, as Docker's and containerd's default profiles do. Built with gcc;
 * where gcc is missing the test is skipped, unless CI requires it (IO_URING_ACTOR_REQUIRE_TEST_PACKAGES).
 */
final class SeccompLauncher {
    private final Path launcher;

    private SeccompLauncher(Path launcher) {
        this.launcher = launcher;
    }

    static SeccompLauncher build(Path dir) throws IOException, InterruptedException {
        final Path source = Path.of("..", "native-jna", "src", "test", "resources", "seccomp", "refuse-io-uring-setup.c");
        assertTrue(Files.isRegularFile(source), "the launcher's source: " + source.toAbsolutePath());
        final Path launcher = dir.resolve("refuse-io-uring-setup");
        final Process gcc;
        try {
            gcc = new ProcessBuilder("gcc", "-O1", "-o", launcher.toString(), source.toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) { // no gcc: skipped as native-jna's TestPackages skips, unless CI requires it
            assertNull(System.getenv("IO_URING_ACTOR_REQUIRE_TEST_PACKAGES"), "gcc is missing: " + e);
            Assumptions.abort("gcc is missing (install it: apt-get install -y gcc): skipped here");
            throw e;
        }
        final String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, gcc.waitFor(), "gcc builds the launcher: " + output);
        return new SeccompLauncher(launcher);
    }

    /** What a child JVM printed and how it exited. */
    record Result(int exit, String stdout, String stderr) {
    }

    /**
     * Runs {@code mainClass} with {@code args} in a child JVM on this classpath, under the filter refusing
     * io_uring_setup with {@code errno}, with {@code -D} system properties {@code properties} ("k=v").
     */
    Result run(int errno, List<String> properties, String mainClass, String... args) throws Exception {
        final List<String> command = new ArrayList<>(List.of(launcher.toString(), String.valueOf(errno),
                ProcessHandle.current().info().command().orElseThrow()));
        properties.forEach(p -> command.add("-D" + p));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        final Process child = new ProcessBuilder(command).start();
        child.getOutputStream().close();
        final var stderr = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(child.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        }, r -> new Thread(r, "child-stderr").start());
        final String stdout = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child JVM ended");
        return new Result(child.exitValue(), stdout, stderr.get());
    }
}
