package io.uringactor.bench.compare;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The harness's data files and the page cache: files of random bytes with every 4 KiB block stamped with its
 * own offset (the told actor engines match a read's reply to its op by it), created once, fsynced and reused,
 * and a sequential read that warms one into the page cache. What each step did goes to {@code note}.
 */
final class DataFiles {
    private static final int BLOCK = Compare.BLOCK;
    private static final long MIB = 1L << 20;

    private final Path dir;
    private final Consumer<String> note;

    /** Data files in {@code dir}, each step reported to {@code note}. */
    DataFiles(Path dir, Consumer<String> note) {
        this.dir = dir;
        this.note = note;
    }

    /** {@code name} of {@code size} random bytes (every block stamped), created and fsynced unless present. */
    Path create(String name, long size) throws IOException {
        final Path file = dir.resolve(name);
        if (Files.isRegularFile(file) && Files.size(file) == size) {
            note.accept("reused " + file + " (" + Compare.mib(size) + ")");
            return file;
        }
        final long started = System.nanoTime();
        final Path partial = Files.createTempFile(dir, name, ".partial");
        try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            final byte[] random = new byte[(int) MIB];
            new Random(42).nextBytes(random);
            final ByteBuffer chunk = ByteBuffer.allocateDirect((int) MIB);
            for (long at = 0; at < size; at += MIB) {
                chunk.clear();
                chunk.put(random);
                for (int b = 0; b < MIB; b += BLOCK) { // no two blocks alike
                    chunk.putLong(b, at + b);
                }
                chunk.flip();
                while (chunk.hasRemaining()) {
                    ch.write(chunk, at + chunk.position());
                }
            }
            ch.force(true);
        }
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        note.accept(String.format(Locale.ROOT, "created %s (%s, fsynced) in %.1f s", file, Compare.mib(size),
                (System.nanoTime() - started) / 1e9));
        return file;
    }

    /** Reads {@code file} sequentially into the page cache and checks how much of it is resident. */
    void warm(Path file) throws IOException {
        final long started = System.nanoTime();
        long total = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            final ByteBuffer buffer = ByteBuffer.allocateDirect((int) MIB);
            int n;
            while ((n = ch.read(buffer.clear(), total)) > 0) {
                total += n;
            }
        }
        final double seconds = (System.nanoTime() - started) / 1e9;
        note.accept(String.format(Locale.ROOT, "warmed %s: read %s sequentially in %.2f s; %s", file.getFileName(),
                Compare.mib(total), seconds, residency(file, total)));
    }

    /** What fincore (util-linux) says about the file's pages in the page cache. */
    private static String residency(Path file, long size) {
        try {
            final Process p = new ProcessBuilder("fincore", "--bytes", "--noheadings", "--output", "RES",
                    file.toString()).redirectErrorStream(true).start();
            final String text = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor() != 0) {
                return "residency not checked (fincore: " + text + ")";
            }
            final long resident = Long.parseLong(text.split("\\s+")[0]);
            return String.format(Locale.ROOT, "fincore: %.1f%% resident%s", 100.0 * resident / size,
                    resident < size * 0.99 ? " — NOT fully cached, the cached numbers include disk reads" : "");
        } catch (IOException | NumberFormatException e) {
            return "residency not checked (no fincore: " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "residency not checked";
        }
    }
}
