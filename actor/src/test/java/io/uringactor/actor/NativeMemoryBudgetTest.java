package io.uringactor.actor;

import static org.junit.jupiter.api.Assertions.*;

import static io.uringactor.actor.SafetyTestSupport.*;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
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

    private static final ActorTestKit testKit = ActorTestKit.create("NativeMemoryBudgetTest");

    @TempDir
    Path dir;

    @AfterAll
    static void shutdownTestKit() {
        testKit.shutdownTestKit();
    }

    /**
     * In this JVM, a ring with max-io-size 4 MiB and {@code withMaxNativeMemory(8 MiB)}: 32 concurrent 4 MiB
     * reads, 16 writes of 4 MiB, 16 writev and 16 readv of 2 x 2 MiB, max-queued 16. Each is answered with the right
     * data or RingOverloadedException, and never more than two 4 MiB requests are in flight at once.
     */
    @Test
    void theBudgetBoundsTheRequestsInFlight() throws Exception {
        final int size = 4 << 20;
        final RingSettings settings = RingSettings.create(testKit.system()).withRegisterWithReceptionist(false)
                .withMaxIoSize(size).withMaxNativeMemory(8L << 20).withMaxQueued(16);
        final RingClient ring = TestRings.spawnOne(testKit, "budget-ring", settings, Duration.ofSeconds(30)).client();
        final byte[] content = new byte[size];
        new Random(9).nextBytes(content);
        final Path path = Files.write(dir.resolve("budget.bin"), content);
        final FileHandle file = await(ring.open(path, OpenOptions.readWrite()), Duration.ofSeconds(10), "open");
        final ByteString expected = ByteString.fromArrayUnsafe(content);

        final List<CompletableFuture<Boolean>> replies = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            if (i % 5 == 3) {
                replies.add(ring.write(file, 0, expected).toCompletableFuture().thenApply(n -> n == size));
            } else if (i % 5 == 2) {
                replies.add(ring.writev(file, 0, List.of(expected.slice(0, size / 2), expected.slice(size / 2, size)))
                        .toCompletableFuture().thenApply(n -> n == size));
            } else if (i % 5 == 4) {
                replies.add(ring.readv(file, 0, List.of(size / 2, size / 2)).toCompletableFuture()
                        .thenApply(parts -> parts.get(0).concat(parts.get(1)).equals(expected)));
            } else {
                replies.add(ring.read(file, 0, size).toCompletableFuture().thenApply(expected::equals));
            }
        }
        final Outcomes outcomes = classify(replies, Duration.ofSeconds(30), ok -> ok);
        assertEquals(0, outcomes.unanswered, outcomes.toString());
        assertEquals(replies.size(), outcomes.count("ok") + outcomes.count("RingOverloadedException"),
                "data or RingOverloadedException only: " + outcomes);
        assertTrue(outcomes.count("ok") >= 2, "some requests were served: " + outcomes);
        final RingStats stats = await(ring.stats(), Duration.ofSeconds(10), "stats");
        assertTrue(stats.inFlightMax() <= 2, "an 8 MiB budget holds at most two 4 MiB requests in flight: " + stats);
        assertEquals(ByteString.fromArray(content, 0, 4096), await(ring.read(file, 0, 4096), Duration.ofSeconds(10),
                "a read after the burst"));
        // Buffers of other sizes kept for reuse do not keep a full-size request out for good.
        final List<CompletableFuture<ByteString>> small = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            small.add(ring.read(file, (long) i * 65536, 65536 + i * 4096).toCompletableFuture());
        }
        for (CompletableFuture<ByteString> f : small) {
            await(f, Duration.ofSeconds(10), "a small read");
        }
        assertEquals(expected, await(ring.read(file, 0, size), Duration.ofSeconds(10), "a 4 MiB read after small ones"));
        assertEquals(size, await(ring.write(file, 0, expected), Duration.ofSeconds(10), "a 4 MiB write after small ones"));
    }

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
                "reads-1MiB answered=600/600", "reads-after answered=8/8")) {
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
