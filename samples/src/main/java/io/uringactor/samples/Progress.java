package io.uringactor.samples;

import java.io.PrintStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A progress bar for a copy: bytes, percent, MB/s and ETA, redrawn in place on a terminal, or a plain line
 * every second when the output is not a terminal (a pipe, a log file, a test).
 */
final class Progress implements AutoCloseable {
    private static final int WIDTH = 30;

    private final String label;
    private final long total;
    private final LongSupplier done;
    private final PrintStream out;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private final ScheduledExecutorService ticker;
    private long lastPlainPercent = -1;

    Progress(String label, long total, LongSupplier done, PrintStream out, boolean terminal) {
        this.label = label;
        this.total = total;
        this.done = done;
        this.out = out;
        this.terminal = terminal;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "progress");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(this::draw, terminal ? 100 : 1000, terminal ? 100 : 1000, TimeUnit.MILLISECONDS);
    }

    /** Whether stdout is an interactive terminal. */
    static boolean isTerminal() {
        return System.console() != null;
    }

    private synchronized void draw() {
        final long bytes = Math.min(done.getAsLong(), total);
        final double seconds = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
        final double mbPerSecond = bytes / 1e6 / seconds;
        final int percent = total == 0 ? 100 : (int) (bytes * 100 / total);
        final long etaSeconds = mbPerSecond <= 0 ? 0 : (long) ((total - bytes) / 1e6 / mbPerSecond);
        if (terminal) {
            final int filled = total == 0 ? WIDTH : (int) (bytes * WIDTH / total);
            out.printf("\r%-12s [%s%s] %3d%% %9s / %-9s %8.1f MB/s ETA %d:%02d", label, "#".repeat(filled),
                    ".".repeat(WIDTH - filled), percent, Samples.bytes(bytes), Samples.bytes(total), mbPerSecond,
                    etaSeconds / 60, etaSeconds % 60);
            out.flush();
        } else if (percent != lastPlainPercent) {
            lastPlainPercent = percent;
            out.printf("%s: %d%% (%s of %s, %.1f MB/s)%n", label, percent, Samples.bytes(bytes), Samples.bytes(total),
                    mbPerSecond);
        }
    }

    /** Draws the final state and stops; returns the elapsed seconds. */
    double finish() {
        ticker.shutdownNow();
        draw();
        if (terminal) {
            out.println();
        }
        return (System.nanoTime() - startNanos) / 1e9;
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
