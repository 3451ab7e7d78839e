package io.uringactor.actor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ring's native memory budget, in a forked JVM with {@code -Xmx256m -XX:MaxDirectMemorySize=256m}
 * (see {@link NativeMemoryBurst}): bursts of 16 MiB requests far beyond the direct memory limit are each
 * answered with data or RingOverloadedException, the JVM does not die of an Error on the ring thread, and
 * the ring's idle native memory falls back to the budget.
 */
class NativeMemoryBudgetTest {
    private static final long MIB = 1 << 20;
    /** The default {@code io-uring-actor.ring.max-native-memory}. */
    private static final long DEFAULT_BUDGET = 64 * MIB;

    @TempDir
    Path dir;

    @Test
    void burstsBeyondDirectMemoryAreAnsweredAndTheJvmSurvives() throws Exception {
        final Path output = dir.resolve("child-output.txt");
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final Process child = new ProcessBuilder(List.of(java, "-Xmx256m", "-XX:MaxDirectMemorySize=256m",
                "-cp", System.getProperty("java.class.path"), NativeMemoryBurst.class.getName(), dir.toString()))
                .redirectErrorStream(true).redirectOutput(output.toFile()).directory(new File(".")).start();
        final boolean exited = child.waitFor(120, TimeUnit.SECONDS);
        if (!exited) {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        final String out = Files.readString(output);
        System.out.println("--- forked JVM output ---\n" + out + "--- end ---");
        assertTrue(exited, "the forked JVM did not finish within 120 s; its output:\n" + out);
        assertEquals(0, child.exitValue(), "the forked JVM's exit code (0 = every reply was data or "
                + "RingOverloadedException; 2 = a wrong reply; 3 = missing replies; else it died); its output:\n" + out);
        for (String burst : List.of("reads answered=70/70", "writes answered=70/70", "readv answered=30/30",
                "reads-1MiB answered=600/600")) {
            assertTrue(out.contains(burst), "expected '" + burst + "' in:\n" + out);
        }
        assertTrue(out.contains("target equals source: true"), "the written file matches; output:\n" + out);
        assertTrue(out.contains("read after the bursts: ok"), out);
        assertFalse(out.contains("OutOfMemoryError"), "no OutOfMemoryError anywhere:\n" + out);
        assertFalse(out.contains("jvm-exit-on-fatal-error"), "no fatal error:\n" + out);
        assertTrue(out.contains("summary: allAnswered=true allGood=true"), out);

        final Matcher m = Pattern.compile("directAfterGc=(\\d+)").matcher(out);
        assertTrue(m.find(), "the child reports its direct memory:\n" + out);
        final long direct = Long.parseLong(m.group(1));
        assertTrue(direct <= DEFAULT_BUDGET + 8 * MIB, "after the bursts and a GC the direct memory in use ("
                + direct / MIB + " MiB) falls to at most max-native-memory (64 MiB) + 8 MiB; output:\n" + out);
    }
}
