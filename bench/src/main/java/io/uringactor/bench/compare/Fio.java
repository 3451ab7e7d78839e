package io.uringactor.bench.compare;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * fio on the same file and workload ({@code --ioengine=io_uring} or {@code psync}; psync keeps the queue
 * depth with that many threads), its JSON output parsed for IOPS and clat percentiles.
 */
@SuppressWarnings("try") // see Engine
final class Fio implements Engine {
    private final String ioengine;
    private Workload w;

    Fio(String ioengine) {
        this.ioengine = ioengine;
    }

    /** The fio on the PATH, or null. */
    static Path find() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            final Path fio = Path.of(dir.isEmpty() ? "." : dir, "fio");
            if (Files.isExecutable(fio)) {
                return fio;
            }
        }
        return null;
    }

    @Override
    public String name() {
        return "fio/" + ioengine;
    }

    @Override
    public Group group() {
        return Group.NATIVE;
    }

    @Override
    public void setup(Workload workload) throws Skip {
        if (find() == null) {
            throw new Skip("fio is not on the PATH (apt-get install -y fio)");
        }
        w = workload;
    }

    @Override
    public Sample run(long windowNanos, Recorder recorder) throws Exception {
        final Path json = w.scratch().resolve("fio-" + ioengine + ".json");
        final List<String> cmd = new ArrayList<>(List.of("fio", "--name=compare", "--filename=" + w.file(),
                "--size=" + w.fileSize(), "--rw=" + (w.write() ? "randwrite" : "randread"), "--bs=" + Compare.BLOCK,
                "--ioengine=" + ioengine, "--direct=" + (w.direct() ? 1 : 0),
                // never drop the page cache of the file (the cached workloads depend on it)
                "--invalidate=0", "--norandommap", "--randrepeat=0", "--thread",
                "--time_based", "--runtime=" + Math.max(1, windowNanos / 1_000_000) + "ms",
                "--output-format=json", "--output=" + json));
        if ("psync".equals(ioengine)) {
            cmd.add("--numjobs=" + w.qd());
            cmd.add("--group_reporting");
        } else {
            cmd.add("--iodepth=" + w.qd());
        }
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        final String output = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("fio failed: " + output.trim());
        }
        final String text = Files.readString(json);
        Files.deleteIfExists(json);
        final int brace = text.indexOf('{');
        if (brace < 0) {
            throw new IllegalStateException("no JSON in fio's output: " + text);
        }
        final Config job = ConfigFactory.parseString(text.substring(brace),
                ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON)).getConfigList("jobs").get(0);
        final Config dir = job.getConfig(w.write() ? "write" : "read");
        final long ops = dir.getLong("total_ios");
        final double runtimeMs = dir.getDouble("runtime");
        final double iops = dir.getDouble("iops");
        final ConfigObject percentiles = dir.getObject("clat_ns").toConfig().hasPath("percentile")
                ? (ConfigObject) dir.getObject("clat_ns").get("percentile") : null;
        final double seconds = iops > 0 ? ops / iops : runtimeMs / 1000.0;
        return new Sample(ops, ops * Compare.BLOCK, seconds, percentile(percentiles, "50.000000"),
                percentile(percentiles, "99.000000"));
    }

    private static double percentile(ConfigObject percentiles, String key) {
        if (percentiles == null) {
            return Double.NaN;
        }
        final ConfigValue v = percentiles.get(key);
        return v == null ? Double.NaN : ((Number) v.unwrapped()).doubleValue() / 1000.0;
    }
}
