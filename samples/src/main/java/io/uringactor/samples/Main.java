package io.uringactor.samples;

import java.util.Arrays;

/**
 * Entry point of the samples jar: no arguments runs the {@link Demo}; otherwise the first argument names
 * a sample ({@code copy}, {@code ask}, {@code facade}, {@code cluster}, {@code kv}).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        final String sample = args.length == 0 ? "demo" : args[0];
        if (!sample.equals("copy")) { // copy starts it beside its config's loading
            // Start logging before Pekko does, or SLF4J warns that it replays Pekko's first log calls.
            org.slf4j.LoggerFactory.getLogger(Main.class);
        }
        final String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        int exitCode;
        try {
            exitCode = run(sample, rest);
        } catch (Exception e) {
            // One line, not a stack trace: e.g. io_uring disabled by a sysctl, and how to enable it.
            System.err.println(sample + ": " + Samples.oneLine(e));
            exitCode = 1;
        }
        System.exit(exitCode);
    }

    private static int run(String sample, String[] rest) throws Exception {
        switch (sample) {
            case "demo":
                return Demo.run(rest, System.out);
            case "copy":
                return CopyCli.run(rest, System.out, System.err);
            case "ask":
                return AskSample.run(rest, System.out);
            case "facade":
                return FacadeSample.run(rest, System.out);
            case "cluster":
                return ClusterSample.run(rest, System.out);
            case "kv":
                return KvLookupSample.run(rest, System.out);
            default:
                System.err.println("unknown sample '" + sample + "'; try: demo, copy SRC DST [options], ask, facade, cluster, kv");
                return CopyCli.EXIT_USAGE;
        }
    }
}
