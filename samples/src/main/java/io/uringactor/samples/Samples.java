package io.uringactor.samples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/** Small helpers shared by the samples. */
final class Samples {
    private Samples() {
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One line for a sample's failure: the outermost {@link io.uringactor.ring.IoUringException}'s message
     * under the CompletionException/ExecutionException wrappers (e.g. "the ring actor could not start: io_uring
     * is disabled on this machine ..."), else the innermost cause's.
     */
    static String oneLine(Throwable failure) {
        Throwable chosen = null;
        Throwable root = failure;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            root = t;
            if (chosen == null && t instanceof io.uringactor.ring.IoUringException) {
                chosen = t;
            }
        }
        final Throwable t = chosen != null ? chosen : root;
        final String message = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
        return message.replace('\n', ' ');
    }

    /** {@code 268435456} → {@code "256 MiB"}. */
    static String bytes(long n) {
        if (n >= 1L << 30) {
            return String.format("%.1f GiB", n / (double) (1L << 30));
        }
        if (n >= 1L << 20) {
            return String.format("%d MiB", n >> 20);
        }
        if (n >= 1L << 10) {
            return String.format("%d KiB", n >> 10);
        }
        return n + " B";
    }

    /**
     * Parses sizes like {@code 4096}, {@code 128k}, {@code 1m}, {@code 2g}; anything else, and a size beyond
     * a {@code long}, is an {@link IllegalArgumentException} saying so.
     */
    static long parseSize(String s) {
        final String v = s.trim().toLowerCase(Locale.ROOT);
        final char unit = v.isEmpty() ? ' ' : v.charAt(v.length() - 1);
        final int shift = unit == 'k' ? 10 : unit == 'm' ? 20 : unit == 'g' ? 30 : 0;
        final String digits = shift == 0 ? v : v.substring(0, v.length() - 1);
        if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw notASize();
        }
        try {
            return Math.multiplyExact(Long.parseLong(digits), 1L << shift);
        } catch (NumberFormatException | ArithmeticException e) {
            throw notASize();
        }
    }

    private static IllegalArgumentException notASize() {
        return new IllegalArgumentException("not a size (like 4096, 128k, 1m, 2g)");
    }
}
