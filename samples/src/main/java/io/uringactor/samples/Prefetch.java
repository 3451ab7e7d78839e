package io.uringactor.samples;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * Asks the kernel to read a copy's source into the page cache ahead of the copy
 * ({@code posix_fadvise(POSIX_FADV_WILLNEED)}), from a daemon thread started before the ActorSystem: the
 * disk reads then overlap the JVM's and Pekko's start-up, and later stay ahead of the copy. A hint only:
 * it moves no bytes through the JVM and changes no file, and any failure just ends it. The kernel reads
 * at most its read-ahead window per call, so the file is advised in {@link #STEP} windows, at most
 * {@link #AHEAD} beyond what the copy has done, so that a source larger than memory is not read into a
 * cache that evicts it again before the copy gets there.
 */
final class Prefetch implements Runnable {
    /** Bytes per advice: about the kernel's largest read-ahead (vda here: 8 MiB). */
    static final long STEP = 8L << 20;
    /** Most bytes advised beyond the copy's progress. */
    static final long AHEAD = 512L << 20;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int POSIX_FADV_WILLNEED = 3;

    private static volatile boolean bound;

    private static native int open(String path, int flags);

    private static native int posix_fadvise(int fd, long offset, long length, int advice);

    private static native int close(int fd);

    private final Path source;
    private final long size;
    private final LongSupplier done;
    private volatile boolean stopped;

    private Prefetch(Path source, long size, LongSupplier done) {
        this.source = source;
        this.size = size;
        this.done = done;
    }

    /**
     * Starts advising {@code size} bytes of {@code source}, staying {@link #AHEAD} ahead of {@code done}
     * (the bytes copied so far, read from the prefetch thread); stop it with {@link #stop()}.
     */
    static Prefetch start(Path source, long size, LongSupplier done) {
        final Prefetch prefetch = new Prefetch(source, size, done);
        final Thread thread = new Thread(prefetch, "copy-prefetch");
        thread.setDaemon(true);
        thread.start();
        return prefetch;
    }

    void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        try {
            bind();
            final int fd = open(source.toAbsolutePath().toString(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                return;
            }
            try {
                for (long offset = 0; offset < size && !stopped; offset += STEP) {
                    while (offset - done.getAsLong() > AHEAD && !stopped) {
                        Thread.sleep(10);
                    }
                    if (posix_fadvise(fd, offset, Math.min(STEP, size - offset), POSIX_FADV_WILLNEED) != 0) {
                        return;
                    }
                }
            } finally {
                close(fd);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | LinkageError e) {
            // no JNA or no posix_fadvise here: the copy runs without the hint
        }
    }

    private static synchronized void bind() {
        if (!bound) {
            Native.register(Prefetch.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
            bound = true;
        }
    }
}
