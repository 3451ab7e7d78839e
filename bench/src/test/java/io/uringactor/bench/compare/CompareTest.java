package io.uringactor.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Runs the harness in quick mode at a tiny size and checks its CSV and chart. */
class CompareTest {

    @Test
    void quickRunWritesEveryEngineRow() throws Exception {
        // Under the module's target directory: a disk filesystem (O_DIRECT), unlike a tmpfs /tmp.
        final Path dir = Path.of("target", "compare-test").toAbsolutePath();
        final Path out = dir.resolve("out");
        final ByteArrayOutputStream text = new ByteArrayOutputStream();
        final Compare.Result result;
        try (PrintStream ps = new PrintStream(text, true, StandardCharsets.UTF_8)) {
            result = Compare.run(new String[] {"--quick", "--size", "16M", "--window-ms", "100", "--runs", "2",
                    "--dir", dir.toString(), "--out", out.toString()}, ps);
        }
        final String stdout = text.toString(StandardCharsets.UTF_8);
        // The report (~100 lines, with the peers' skip reasons) stays out of the build's output; a failed assertion
        // below carries it all.
        Files.writeString(out.resolve("stdout.txt"), stdout);
        assertEquals(0, result.exitStatus(), "this library's engines all ran:\n" + stdout);

        final List<String> lines = Files.readAllLines(out.resolve("results.csv"));
        assertEquals("workload,engine,ops_per_s,mb_per_s,p50_us,p99_us,ratio_to_fio", lines.get(0));
        final Set<String> cells = new HashSet<>();
        for (String line : lines.subList(1, lines.size())) {
            final String[] f = line.split(",", -1);
            assertEquals(7, f.length, line);
            cells.add(f[0] + "," + f[1]);
            if (f[0].startsWith("messaging-")) {
                assertTrue(Double.parseDouble(f[2]) > 0, "messages per second in " + line); // they move no bytes
            } else {
                assertTrue(Double.parseDouble(f[3]) > 0, "MB/s in " + line);
            }
        }

        final boolean fio = Fio.find() != null;
        final boolean direct = !"tmpfs".equals(Files.getFileStore(dir).type());
        final List<String> random = new ArrayList<>(List.of("cached-randread-4k-qd1", "cached-randread-4k-qd32"));
        if (direct) {
            random.addAll(List.of("direct-randread-4k-qd1", "direct-randread-4k-qd32", "direct-randwrite-4k-qd1",
                    "direct-randwrite-4k-qd32"));
        }
        final List<String> expected = new ArrayList<>();
        for (String w : random) {
            for (String e : List.of("uring-actor/client", "uring-actor/ask", "uring-actor/pipe", "uring-loop/tell",
                    "uring-loop/pipe", "uring-loop/ask", "uring-raw", "fallback/raw", "fallback/loop/pipe", "fallback/client",
                    "pekko/fork-join/pipe", "pekko/on-loops/pipe",
                    "filechannel-pool", "async-filechannel")) {
                expected.add(w + "," + e);
            }
            if (fio) {
                expected.add(w + ",fio/io_uring");
                expected.add(w + ",fio/psync");
            }
            if (!result.skipped().containsKey("jasyncfio (" + w + ")")) {
                expected.add(w + ",jasyncfio");
            }
        }
        for (String e : List.of("uring-stream", "uring-copy", "pekko-fileio", "pekko-fileio-128k", "cp")) {
            expected.add("copy-16MiB," + e);
        }
        for (String w : List.of("messaging-pingpong-4pairs", "messaging-fanout-64", "messaging-skewed-1ms-16pairs")) {
            expected.add(w + ",pekko/fork-join");
            expected.add(w + ",pekko/on-loops");
        }
        for (String cell : expected) {
            assertTrue(cells.contains(cell), "no CSV row for " + cell + "\n" + String.join("\n", lines) + "\n" + stdout);
        }
        if (fio) {
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("cached-randread-4k-qd1,uring-raw,") && !l.endsWith(",")),
                    "ratio to fio filled in");
        }

        final String svg = Files.readString(out.resolve("results.svg"));
        assertTrue(svg.startsWith("<svg") && svg.contains("uring-actor/client") && svg.contains("copy-16MiB"), svg);
        assertTrue(stdout.contains("| workload | engine |"), stdout);
    }
}
