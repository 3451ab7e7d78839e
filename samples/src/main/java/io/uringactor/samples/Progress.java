package io.uringactor.samples;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A progress bar for a copy: bytes, percent, MB/s and ETA, redrawn in place with {@code \r} on a terminal
 * (each line shorter than its width, so it never wraps), or a plain line when the percent changes, at most
 * once a second, when the output is not a terminal (a pipe, a log file, a test). It shows 100% only once
 * the copy has completed: the bytes counted are the bytes read, and a write may still fail.
 */
final class Progress implements AutoCloseable {
    private static final int MAX_BAR = 30;
    private static final int MIN_BAR = 10;
    /** The figures' usual length, so that the bar keeps one size while they change. */
    private static final int FIGURES = 49;
    static final int DEFAULT_WIDTH = 80;

    private final String label;
    private final long total;
    private final LongSupplier done;
    private final PrintStream out;
    private final boolean terminal;
    private final int width;
    private final long startNanos = System.nanoTime();
    private final ScheduledExecutorService ticker;
    private long lastPlainPercent = -1;
    private int lastLength;
    private boolean finished;

    /**
     * @param terminal redraw in place; else plain lines
     * @param width    the terminal's columns (see {@link #terminalWidth()}); ignored for plain lines
     */
    Progress(String label, long total, LongSupplier done, PrintStream out, boolean terminal, int width) {
        this.label = label;
        this.total = total;
        this.done = done;
        this.out = out;
        this.terminal = terminal;
        this.width = width;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "progress");
            t.setDaemon(true);
            return t;
        });
        final long period = terminal ? 100 : 1000;
        ticker.scheduleAtFixedRate(this::tick, period, period, TimeUnit.MILLISECONDS);
    }

    /** Whether stdout is an interactive terminal. */
    static boolean isTerminal() {
        return System.console() != null;
    }

    /** {@code COLUMNS} if the shell exported it, else the columns {@code stty size} reports for /dev/tty, else 80. */
    static int terminalWidth() {
        final int columns = positive(System.getenv("COLUMNS"));
        if (columns > 0) {
            return columns;
        }
        try {
            final Process stty = new ProcessBuilder("stty", "size").redirectInput(new File("/dev/tty"))
                    .redirectError(Redirect.DISCARD).start();
            final String[] rowsColumns = new String(stty.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)
                    .trim().split("\\s+");
            if (stty.waitFor() == 0 && rowsColumns.length == 2 && positive(rowsColumns[1]) > 0) {
                return positive(rowsColumns[1]);
            }
        } catch (IOException e) {
            // no stty or no /dev/tty: assume the default
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return DEFAULT_WIDTH;
    }

    private static int positive(String text) {
        try {
            return text == null ? 0 : Math.max(0, Integer.parseInt(text.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private synchronized void tick() {
        if (!finished) { // a tick that lost the race with finish() must not draw after its last line
            draw(false);
        }
    }

    private void draw(boolean completed) {
        final long bytes = Math.min(done.getAsLong(), total);
        final double seconds = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
        final double mbPerSecond = bytes / 1e6 / seconds;
        final double fraction = completed ? 1 : total == 0 ? 0 : Math.min(0.99, bytes / (double) total);
        final int percent = (int) (fraction * 100);
        final long etaSeconds = mbPerSecond <= 0 ? 0 : (long) ((total - bytes) / 1e6 / mbPerSecond);
        if (terminal) {
            redraw(fraction, String.format("%3d%% %9s / %-9s %8.1f MB/s ETA %d:%02d", percent, Samples.bytes(bytes),
                    Samples.bytes(total), mbPerSecond, etaSeconds / 60, etaSeconds % 60));
        } else if (percent != lastPlainPercent) {
            lastPlainPercent = percent;
            out.printf("%s: %d%% (%s of %s, %.1f MB/s)%n", label, percent, Samples.bytes(bytes), Samples.bytes(total),
                    mbPerSecond);
        }
    }

    /** {@code label [####....] figures}, the bar shrunk, then dropped, then the line cut to stay under the width. */
    private void redraw(double fraction, String figures) {
        final int room = width - 1; // a line as wide as the terminal wraps on some of them
        final int bar = Math.min(MAX_BAR, room - label.length() - FIGURES - 4); // " [" "] "
        String line;
        if (bar >= MIN_BAR) {
            final int filled = (int) (fraction * bar);
            line = label + " [" + "#".repeat(filled) + ".".repeat(bar - filled) + "] " + figures;
        } else {
            line = label + " " + figures;
        }
        if (line.length() > room) {
            line = line.substring(0, Math.max(0, room));
        }
        // Blank what is left of a longer previous line.
        out.print("\r" + line + " ".repeat(Math.max(0, Math.min(lastLength, room) - line.length())));
        lastLength = line.length();
        out.flush();
    }

    /**
     * Draws the final state, 100% only if {@code completed}, and stops; on a terminal ends the line so that
     * what follows (the result or the error) starts on its own. Returns the elapsed seconds.
     */
    synchronized double finish(boolean completed) {
        finished = true;
        ticker.shutdownNow();
        draw(completed);
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
