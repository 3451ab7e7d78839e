package io.uringactor.bench;

import io.uringactor.bench.compare.Compare;

import java.util.Arrays;

/**
 * The bench jar's main class: {@code compare [options]} runs the side-by-side comparison harness
 * ({@link Compare}), {@code remote [options]} streams a file between two nodes' disks beside the local copies
 * and plain TCP ({@link io.uringactor.bench.remote.RemoteStreams}), {@code remote-io [options]} reads 4 KiB
 * blocks of another node's disk beside Artery's one-message-per-request floor
 * ({@link io.uringactor.bench.remote.RemoteSmallIo}); anything else is handed to JMH
 * ({@code org.openjdk.jmh.Main}) unchanged.
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && "remote-io".equals(args[0])) {
            final int status = io.uringactor.bench.remote.RemoteSmallIo.run(Arrays.copyOfRange(args, 1, args.length),
                    System.out);
            System.out.flush();
            System.exit(status);
        } else if (args.length > 0 && "remote".equals(args[0])) {
            final int status = io.uringactor.bench.remote.RemoteStreams.run(Arrays.copyOfRange(args, 1, args.length),
                    System.out);
            System.out.flush();
            System.exit(status);
        } else if (args.length > 0 && "compare".equals(args[0])) {
            final int status = Compare.run(Arrays.copyOfRange(args, 1, args.length), System.out).exitStatus();
            System.out.flush();
            // Pekko, jasyncfio and pool threads must not keep the JVM alive after the report.
            System.exit(status);
        } else {
            org.openjdk.jmh.Main.main(args);
        }
    }
}
