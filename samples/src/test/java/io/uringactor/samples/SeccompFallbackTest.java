package io.uringactor.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Where a seccomp filter blocks io_uring (Docker's and containerd's default profiles do), an application on the
 * default engine (auto) still works, on the fallback engine, after one WARN that names the cause and its fix:
 * a child JVM under the real filter streams a file and opens files beneath a confined ring's root.
 */
class SeccompFallbackTest {
    @TempDir
    static Path dir;
    private static SeccompLauncher launcher;

    @BeforeAll
    static void buildLauncher() throws Exception {
        launcher = SeccompLauncher.build(dir);
    }

    @Test
    void anApplicationOnTheDefaultEngineRunsOnTheFallbackAfterOneWarning() throws Exception {
        final byte[] content = new byte[3 * 1024 * 1024 + 17];
        new Random(42).nextBytes(content);
        final Path source = Files.write(dir.resolve("source.bin"), content);
        final Path target = dir.resolve("target.bin");
        final Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(root.resolve("inside.bin"), "beneath the root");
        Files.writeString(dir.resolve("outside.bin"), "outside the root");

        final SeccompLauncher.Result child = launcher.run(1, List.of(), FallbackChild.class.getName(),
                source.toString(), target.toString(), root.toString());

        final String all = child.stdout() + child.stderr();
        assertEquals(0, child.exit(), all);
        assertTrue(child.stdout().contains("STREAM " + content.length), all);
        assertArrayEquals(content, Files.readAllBytes(target), "the streamed copy is the source");
        assertTrue(child.stdout().contains("INSIDE beneath the root"), all);
        assertTrue(child.stdout().lines().anyMatch(l -> l.startsWith("REFUSED ") && l.contains("EXDEV")),
                "confinement holds on the fallback (openat2 RESOLVE_BENEATH): " + all);
        assertTrue(child.stdout().contains("ENGINE fallback ("), all);
        final List<String> warnings = child.stderr().lines().filter(l -> l.contains("WARN")).toList();
        assertEquals(1, warnings.stream().filter(l -> l.contains("running on the fallback engine (slower)")).count(),
                "one WARN for the whole JVM: " + child.stderr());
        assertTrue(warnings.stream().anyMatch(l -> l.contains("seccomp") && l.contains("EPERM")
                && l.contains("allows io_uring_setup")), "the cause and its fix: " + child.stderr());
    }
}
