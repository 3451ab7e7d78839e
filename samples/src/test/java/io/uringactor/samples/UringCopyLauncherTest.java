package io.uringactor.samples;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code samples/bin/uring-copy}: its first run trains an AppCDS archive, later runs map it, the copy's exit
 * code is the script's. A stand-in {@code java} records its arguments (and writes the archive it is asked
 * to), so this needs no JVM start and no built jar.
 */
class UringCopyLauncherTest {
    private static final Path LAUNCHER = Path.of("bin", "uring-copy");

    @TempDir
    Path dir;

    /** A fake java: appends its arguments to args.txt, writes the -XX:ArchiveClassesAtExit file, exits with $EXIT. */
    private Path fakeJava() throws Exception {
        final Path java = dir.resolve("java");
        Files.writeString(java, String.join("\n",
                "#!/bin/sh",
                "echo \"$*\" >> '" + dir.resolve("args.txt") + "'",
                "for a in \"$@\"; do case $a in -XX:ArchiveClassesAtExit=*) echo archive > \"${a#*=}\";; esac; done",
                "exit ${EXIT:-0}", ""));
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return java;
    }

    private int launch(Map<String, String> env, String... args) throws Exception {
        final ProcessBuilder builder = new ProcessBuilder(Stream.concat(Stream.of("sh", LAUNCHER.toString()),
                Stream.of(args)).collect(Collectors.toList())).redirectErrorStream(true);
        builder.environment().putAll(env);
        final Process process = builder.start();
        process.getInputStream().readAllBytes();
        return process.waitFor();
    }

    private List<String> runs() throws Exception {
        return Files.readAllLines(dir.resolve("args.txt"), StandardCharsets.UTF_8);
    }

    private Map<String, String> env(String exit) throws Exception {
        final Path jar = Files.writeString(dir.resolve("fake.jar"), "not a jar: the fake java never opens it");
        return Map.of("URING_COPY_JAVA", fakeJava().toString(), "URING_COPY_JAR", jar.toString(),
                "URING_COPY_CACHE", dir.resolve("cache").toString(), "EXIT", exit);
    }

    @Test
    void theFirstRunWritesTheArchiveAndLaterRunsMapIt() throws Exception {
        final Map<String, String> env = env("0");
        assertEquals(0, launch(env, "a", "b", "--in-place"));
        assertEquals(0, launch(env, "a", "b"));
        final List<String> runs = runs();
        assertEquals(2, runs.size(), runs.toString());
        assertTrue(runs.get(0).contains("-XX:ArchiveClassesAtExit=") && runs.get(0).endsWith("copy a b --in-place"),
                runs.get(0));
        assertTrue(runs.get(1).contains("-XX:SharedArchiveFile=" + dir.resolve("cache")) && runs.get(1).contains("-Xmx128m")
                && runs.get(1).endsWith("copy a b"), runs.get(1));
        try (Stream<Path> cached = Files.list(dir.resolve("cache"))) {
            final List<String> names = cached.map(p -> p.getFileName().toString()).collect(Collectors.toList());
            assertEquals(1, names.size(), names.toString());
            assertTrue(names.get(0).matches("copy-[0-9]+\\.jsa"), names.toString());
        }
    }

    @Test
    void theCopysExitCodeIsTheLaunchersOnTheFirstRunAndLater() throws Exception {
        final Map<String, String> env = env("5");
        assertEquals(5, launch(env, "a", "b"));
        assertEquals(5, launch(env, "a", "b"));
        assertTrue(runs().get(1).contains("-XX:SharedArchiveFile="), runs().toString());
    }

    @Test
    void aMissingJarIsNamedAndNothingRuns() throws Exception {
        final Map<String, String> env = new java.util.HashMap<>(env("0"));
        env.put("URING_COPY_JAR", dir.resolve("absent.jar").toString());
        assertEquals(1, launch(env, "a", "b"));
        assertFalse(Files.exists(dir.resolve("args.txt")));
    }

    @Test
    void withCdsOffNoArchiveIsWrittenOrUsed() throws Exception {
        final Map<String, String> env = new java.util.HashMap<>(env("0"));
        env.put("URING_COPY_CDS", "off");
        env.put("URING_COPY_OPTS", "-Xmx1g");
        assertEquals(0, launch(env, "a", "b"));
        final String run = runs().get(0);
        assertFalse(run.contains("SharedArchiveFile") || run.contains("ArchiveClassesAtExit"), run);
        assertTrue(run.indexOf("-Xmx1g") > run.indexOf("-Xmx128m"), "the user's options come last and win: " + run);
        assertFalse(Files.exists(dir.resolve("cache")));
    }
}
