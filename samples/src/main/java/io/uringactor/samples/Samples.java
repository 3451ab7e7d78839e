package io.uringactor.samples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
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

    /** Parses sizes like {@code 4096}, {@code 128k}, {@code 1m}, {@code 2g}. */
    static long parseSize(String s) {
        final String v = s.trim().toLowerCase();
        final char unit = v.charAt(v.length() - 1);
        final long scale = unit == 'k' ? 1L << 10 : unit == 'm' ? 1L << 20 : unit == 'g' ? 1L << 30 : 1;
        final String digits = scale == 1 ? v : v.substring(0, v.length() - 1);
        return Long.parseLong(digits) * scale;
    }
}
