package io.uringactor.samples;

import java.util.Arrays;

/**
 * Entry point of the samples jar: no arguments runs the {@link Demo}; otherwise the first argument names
 * a sample ({@code copy}, {@code ask}, {@code facade}, {@code cluster}).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        // Start logging before Pekko does, or SLF4J warns that it replays Pekko's first log calls.
        org.slf4j.LoggerFactory.getLogger(Main.class);
        final String sample = args.length == 0 ? "demo" : args[0];
        final String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        final int exitCode;
        switch (sample) {
            case "demo":
                exitCode = Demo.run(rest, System.out);
                break;
            case "copy":
                exitCode = CopyCli.run(rest, System.out, System.err);
                break;
            case "ask":
                exitCode = AskSample.run(rest, System.out);
                break;
            case "facade":
                exitCode = FacadeSample.run(rest, System.out);
                break;
            case "cluster":
                exitCode = ClusterSample.run(rest, System.out);
                break;
            default:
                System.err.println("unknown sample '" + sample + "'; try: demo, copy SRC DST [options], ask, facade, cluster");
                exitCode = CopyCli.EXIT_USAGE;
        }
        System.exit(exitCode);
    }
}
