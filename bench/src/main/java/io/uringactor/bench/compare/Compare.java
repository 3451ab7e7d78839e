package io.uringactor.bench.compare;

import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingExtension;
import io.uringactor.actor.RingSettings;
import io.uringactor.actor.RingStats;
import io.uringactor.bench.compare.Engine.Group;
import io.uringactor.bench.compare.Engine.Kind;
import io.uringactor.bench.compare.Engine.Sample;
import io.uringactor.bench.compare.Engine.Skip;
import io.uringactor.bench.compare.Engine.Workload;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The side-by-side comparison harness: {@code compare [--quick] [--dir DIR] [--size BYTES] [--out DIR]}.
 *
 * <p>Runs each workload (4 KiB random reads from the page cache at QD1 and QD32; 4 KiB random reads and
 * writes with O_DIRECT at QD1 and QD32; a streaming copy of a large file) with every engine: this library
 * through the ring actor (the {@code RingClient} facade, and actors on the default dispatcher or on the
 * ring's own event loop) and without it (the raw native-jna ring), jasyncfio, the JDK's FileChannel and
 * AsynchronousFileChannel, and fio (io_uring and psync) or {@code cp}, Pekko's FileIO for the copy. Runs
 * are interleaved (A B C A B C ...) after one warm-up round, so that drift hits every engine alike; each
 * cell is the median of the runs, with the min–max spread. Writes a markdown table to {@code out}, and
 * {@code results.csv} and {@code results.svg} to {@code --out}.
 *
 * <p>Hidden options for tests: {@code --window-ms N} (the measured window of a random-IO run) and
 * {@code --runs N}, and {@code --engines a,b} (only engines whose name contains one of these).
 */
public final class Compare {
    static final int BLOCK = 4096;
    static final String CSV_HEADER = "workload,engine,ops_per_s,mb_per_s,p50_us,p99_us,ratio_to_fio";
    private static final int RECORDER_CAPACITY = 4 << 20;
    private static final long MIB = 1L << 20;

    private final Options options;
    private final PrintStream out;
    private final List<String> notes = new ArrayList<>();
    private final Map<String, String> skipped = new LinkedHashMap<>();
    private final List<Report.Row> rows = new ArrayList<>();
    private final Recorder recorder = new Recorder(RECORDER_CAPACITY);
    private boolean libraryFailed;

    record Options(boolean quick, Path dir, long size, Path out, long windowMs, int runs, List<String> engines) {
        static Options parse(String[] args) {
            boolean quick = false;
            Path dir = null;
            Path out = null;
            long size = -1;
            long windowMs = -1;
            int runs = -1;
            List<String> engines = List.of();
            for (int i = 0; i < args.length; i++) {
                final String a = args[i];
                switch (a) {
                    case "--quick" -> quick = true;
                    case "--dir" -> dir = Path.of(value(args, ++i, a));
                    case "--out" -> out = Path.of(value(args, ++i, a));
                    case "--size" -> size = parseSize(value(args, ++i, a));
                    case "--window-ms" -> windowMs = Long.parseLong(value(args, ++i, a));
                    case "--runs" -> runs = Integer.parseInt(value(args, ++i, a));
                    case "--engines" -> engines = List.of(value(args, ++i, a).split(","));
                    case "-h", "--help" -> throw new IllegalArgumentException("usage");
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (dir == null) {
                dir = Path.of(System.getProperty("user.dir"), "target", "io-uring-compare");
            }
            if (out == null) {
                out = dir.resolve("results");
            }
            if (size < 0) {
                size = quick ? 128 * MIB : 1024 * MIB;
            }
            if (size < 4 * MIB || size % MIB != 0) {
                throw new IllegalArgumentException("--size must be a multiple of 1 MiB and at least 4 MiB, got " + size);
            }
            if (windowMs < 0) {
                windowMs = quick ? 400 : 1000;
            }
            if (runs < 0) {
                runs = quick ? 3 : 5;
            }
            return new Options(quick, dir.toAbsolutePath(), size, out.toAbsolutePath(), windowMs, Math.max(1, runs),
                    engines);
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }
    }

    /** What a run produced: its rows, the engines skipped (engine → reason, also per workload) and the CSV. */
    public record Result(int exitStatus, List<Report.Row> rows, Map<String, String> skipped, Path csv, Path svg) {
    }

    static long parseSize(String s) {
        final String t = s.trim().toUpperCase(Locale.ROOT).replace("IB", "").replace("B", "");
        final long unit = switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            default -> 1;
        };
        return Long.parseLong(unit == 1 ? t : t.substring(0, t.length() - 1)) * unit;
    }

    private Compare(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    public static Result run(String[] args, PrintStream out) throws Exception {
        final Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            out.println("usage: compare [--quick] [--dir DIR] [--size BYTES] [--out DIR]");
            out.println("  --quick      128 MiB files, 0.4 s windows, 3 runs per cell (under 2 minutes)");
            out.println("  --dir DIR    data files (default target/io-uring-compare; not tmpfs: O_DIRECT)");
            out.println("  --size BYTES data file and copy size, e.g. 512M (default 1G, 128M with --quick)");
            out.println("  --out DIR    results.csv and results.svg (default DIR/results)");
            if (!"usage".equals(e.getMessage())) {
                out.println(e.getMessage());
            }
            return new Result(2, List.of(), Map.of(), null, null);
        }
        return new Compare(options, out).run();
    }

    private Result run() throws Exception {
        final long started = System.nanoTime();
        Files.createDirectories(options.dir());
        Files.createDirectories(options.out());
        final String fsType = Files.getFileStore(options.dir()).type();
        out.printf("# io-uring-actor compare%s: %s files in %s (%s), %d ms windows, %d runs per cell after a"
                        + " warm-up round, interleaved%n", options.quick() ? " --quick" : "", mib(options.size()),
                options.dir(), fsType, options.windowMs(), options.runs());
        final DataFiles files = new DataFiles(options.dir(), this::note);
        final Path data = files.create("data.bin", options.size());
        final Path writes = files.create("write.bin", Math.min(options.size(), 256 * MIB));
        note("The page cache is not dropped (that needs root and disturbs the machine): the \"cold\" workloads"
                + " open the file with O_DIRECT, and the cached ones warm it with a sequential read first.");
        final boolean directOk = !"tmpfs".equals(fsType);
        if (!directOk) {
            note(options.dir() + " is on tmpfs, which refuses O_DIRECT: the O_DIRECT workloads are skipped;"
                    + " pass --dir on a disk filesystem.");
        }
        final Path fio = Fio.find();
        if (fio == null) {
            note("fio is not on the PATH: no fio rows and no ratio to fio (apt-get install -y fio).");
        }
        final Path scratch = Files.createDirectories(options.dir().resolve("scratch"));

        // Initialise SLF4J/Logback before Pekko's threads log concurrently.
        LoggerFactory.getLogger(Compare.class);
        final Config config = ConfigFactory.parseString("pekko.loglevel = WARNING\npekko.log-dead-letters = off\n"
                + "pekko.coordinated-shutdown.exit-jvm = off\n").withFallback(ConfigFactory.load());
        final ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "compare", config);
        try {
            final RingClient client = RingExtension.get(system).client();
            final List<Supplier<Engine>> random = new ArrayList<>(List.of(
                    () -> new ClientEngines.RingClientEngine(client),
                    () -> new ActorEngines.ActorEngine(system, client, ActorEngines.Mode.ASK, false),
                    () -> new ActorEngines.ActorEngine(system, client, ActorEngines.Mode.PIPE, false),
                    // actors on the ring's own event loop (RingActor.LOOP_DISPATCHER), sharing the ring's thread
                    () -> new ActorEngines.ActorEngine(system, client, ActorEngines.Mode.TELL, true),
                    () -> new ActorEngines.ActorEngine(system, client, ActorEngines.Mode.PIPE, true),
                    () -> new ActorEngines.ActorEngine(system, client, ActorEngines.Mode.ASK, true),
                    // ring groups: co-located actors spread over N loops, and plain threads through the group's
                    // client; N = 3 on a 2-CPU machine shows what more loops than cores cost
                    () -> new ActorEngines.GroupActorEngine(system, ActorEngines.Mode.PIPE, 1),
                    () -> new ActorEngines.GroupActorEngine(system, ActorEngines.Mode.PIPE, 2),
                    () -> new ActorEngines.GroupActorEngine(system, ActorEngines.Mode.PIPE, 3),
                    () -> new ClientEngines.GroupClientEngine(system, 1),
                    () -> new ClientEngines.GroupClientEngine(system, 2),
                    // actors spawned the plain way, in a system on fork-join and in one on the ring loops
                    () -> new ActorEngines.PlainSystemEngine(false),
                    () -> new ActorEngines.PlainSystemEngine(true),
                    RawRingEngine::new,
                    // the fallback engine (where io_uring is blocked): raw, co-located actors, plain threads
                    () -> new RawRingEngine(true),
                    () -> new ActorEngines.GroupActorEngine(system, ActorEngines.Mode.PIPE, 1, RingSettings.Engine.FALLBACK),
                    () -> new ClientEngines.GroupClientEngine(system, 1, RingSettings.Engine.FALLBACK),
                    JasyncfioEngine::new,
                    JdkEngines.FileChannelPoolEngine::new,
                    JdkEngines.AsyncFileChannelEngine::new));
            if (fio != null) {
                random.add(() -> new Fio("io_uring"));
                random.add(() -> new Fio("psync"));
            }
            final List<Workload> workloads = new ArrayList<>();
            for (int qd : new int[] {1, 32}) {
                workloads.add(new Workload("cached-randread-4k-qd" + qd, Kind.CACHED_READ, qd, data, options.size(), scratch));
            }
            if (directOk) {
                for (Kind kind : new Kind[] {Kind.DIRECT_READ, Kind.DIRECT_WRITE}) {
                    for (int qd : new int[] {1, 32}) {
                        final boolean w = kind == Kind.DIRECT_WRITE;
                        workloads.add(new Workload("direct-rand" + (w ? "write" : "read") + "-4k-qd" + qd, kind, qd,
                                w ? writes : data, w ? Files.size(writes) : options.size(), scratch));
                    }
                }
            }
            for (Workload w : workloads) {
                if (w.kind() == Kind.CACHED_READ) {
                    files.warm(w.file());
                }
                final RingStats before = client.stats().toCompletableFuture().join();
                runWorkload(w, random);
                final RingStats after = client.stats().toCompletableFuture().join();
                final long submitted = after.submitted() - before.submitted();
                final long batches = after.batches() - before.batches();
                note(String.format(Locale.ROOT, "%s: the ring actor submitted %d ops in %d io_uring_enter calls"
                                + " (%.2f SQEs per batch, %d refused as overloaded, %d as invalid)", w.name(), submitted,
                        after.enterCalls() - before.enterCalls(), batches == 0 ? 0.0 : (double) submitted / batches,
                        after.refusedOverloaded() - before.refusedOverloaded(),
                        after.refusedInvalid() - before.refusedInvalid()));
            }

            // Pekko messaging, fork-join against a system on the ring loops (MessagingEngines): each engine runs its
            // own system, so the file workloads' system above does not share its threads.
            final List<Supplier<Engine>> messaging = List.of(() -> new MessagingEngines.SystemEngine(false),
                    () -> new MessagingEngines.SystemEngine(true));
            runWorkload(new Workload("messaging-pingpong-4pairs", Kind.PING_PONG, 0, null, 0, scratch), messaging);
            runWorkload(new Workload("messaging-fanout-64", Kind.FAN_OUT, 0, null, 0, scratch), messaging);
            runWorkload(new Workload("messaging-skewed-1ms-16pairs", Kind.SKEWED, 0, null, 0, scratch), messaging);

            final Workload copy = new Workload("copy-" + mib(options.size()).replace(" ", ""), Kind.COPY, 0, data,
                    options.size(), scratch);
            files.warm(data);
            note("copy: the clock stops when the copy completes; the target is then fsynced (untimed), checked and"
                    + " deleted. cp is GNU coreutils' (it may use copy_file_range, an in-kernel copy).");
            runWorkload(copy, List.of(
                    () -> CopyEngines.uringStream(system),
                    () -> CopyEngines.uringCopy(system),
                    () -> CopyEngines.pekkoFileIo(system, 0),
                    () -> CopyEngines.pekkoFileIo(system, 128 * 1024),
                    CopyEngines::cp));
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
        }

        Report.ratios(rows);
        out.println();
        out.print(Report.markdown(rows));
        final Path csv = options.out().resolve("results.csv");
        Files.writeString(csv, Report.csv(rows));
        final Path svg = options.out().resolve("results.svg");
        Files.writeString(svg, Report.svg(rows, String.format(Locale.ROOT,
                "io-uring-actor compare%s: %s, median of %d runs", options.quick() ? " --quick" : "",
                mib(options.size()), options.runs())));
        out.println();
        out.println("Notes:");
        for (String note : notes) {
            out.println("- " + note);
        }
        for (Map.Entry<String, String> e : skipped.entrySet()) {
            out.println("- skipped " + e.getKey() + ": " + e.getValue());
        }
        out.printf("%nWrote %s and %s in %.0f s. Data files stay in %s for the next run (delete it to reclaim"
                + " the space).%n", csv, svg, (System.nanoTime() - started) / 1e9, options.dir());
        return new Result(libraryFailed ? 1 : 0, List.copyOf(rows), Map.copyOf(skipped), csv, svg);
    }

    private void runWorkload(Workload w, List<Supplier<Engine>> factories) {
        final long t0 = System.nanoTime();
        final List<Engine> engines = new ArrayList<>();
        final Map<Engine, List<Sample>> samples = new LinkedHashMap<>();
        for (Supplier<Engine> factory : factories) {
            final Engine engine = factory.get();
            if (!options.engines().isEmpty() && options.engines().stream().noneMatch(engine.name()::contains)) {
                continue;
            }
            try {
                engine.setup(w);
                engines.add(engine);
                samples.put(engine, new ArrayList<>());
            } catch (Skip e) {
                skip(w, engine, e.getMessage());
                closeQuietly(engine);
            } catch (Exception | Error e) {
                skip(w, engine, "setup failed: " + engine.name() + ": " + e);
                closeQuietly(engine);
            }
        }
        final long window = options.windowMs() * 1_000_000L;
        for (int round = -1; round < options.runs(); round++) {
            for (Engine engine : new ArrayList<>(engines)) {
                if (round < 0 && !engine.wantsWarmup()) {
                    continue;
                }
                recorder.reset();
                try {
                    final Sample s = engine.run(round < 0 ? window / 2 : window, recorder);
                    if (round >= 0) {
                        samples.get(engine).add(s);
                    }
                } catch (Exception | Error e) {
                    // the engine's name next to the error: the message may be the harness's own ("lost completions")
                    skip(w, engine, (round < 0 ? "warm-up" : "run " + (round + 1)) + " failed: " + engine.name() + ": "
                            + e);
                    engines.remove(engine);
                    samples.remove(engine);
                    closeQuietly(engine);
                }
            }
        }
        for (Engine engine : engines) {
            closeQuietly(engine);
        }
        for (Map.Entry<Engine, List<Sample>> e : samples.entrySet()) {
            rows.add(Report.Row.of(w, e.getKey(), e.getValue()));
        }
        out.printf("# %s: %d engines in %.1f s%n", w.name(), samples.size(), (System.nanoTime() - t0) / 1e9);
    }

    private void skip(Workload w, Engine engine, String reason) {
        final String key = engine.name() + " (" + w.name() + ")";
        skipped.put(key, reason);
        out.println("# skipped " + key + ": " + reason);
        if (engine.group() == Group.LIBRARY) {
            libraryFailed = true;
        }
    }

    /** Closes an engine on a daemon thread, waiting at most 15 s: a wedged peer must not hang the harness. */
    private void closeQuietly(Engine engine) {
        final Thread closer = new Thread(() -> {
            try {
                engine.close();
            } catch (Exception | Error e) {
                // reported by the failure that led here, or harmless at the end
            }
        }, "compare-close-" + engine.name());
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closer.isAlive()) {
            note(engine.name() + " did not close within 15 s; left behind");
        }
    }

    private void note(String text) {
        notes.add(text);
        out.println("# " + text);
    }

    static String mib(long bytes) {
        return bytes % (1L << 30) == 0 ? (bytes >> 30) + " GiB" : (bytes >> 20) + " MiB";
    }

    static String join(String[] parts) {
        return String.join(" ", Arrays.asList(parts));
    }
}
