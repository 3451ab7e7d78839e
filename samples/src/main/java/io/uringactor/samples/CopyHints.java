package io.uringactor.samples;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

import java.nio.file.Path;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Hints to the kernel that make a copy's IO overlap, from one daemon thread; they move no bytes through
 * the JVM, change no file's contents, and any failure just ends them.
 * <ul>
 *   <li><b>Read-ahead</b>: {@code posix_fadvise(POSIX_FADV_WILLNEED)} on the source, started before the
 *       config is even parsed, so its disk reads overlap the JVM's and Pekko's start-up. The kernel reads
 *       at most its read-ahead window per call, so the file is advised in {@link #STEP} windows, at most
 *       {@link #AHEAD} beyond what the copy has done: a source larger than memory is not read into a cache
 *       that would evict it again before the copy gets there.</li>
 *   <li><b>Write-behind</b> (once {@link #attach attached} to a copy that names the file it writes):
 *       {@code sync_file_range(SYNC_FILE_RANGE_WRITE)} of every {@link #WRITE_BEHIND} written, so the disk
 *       writes start while the copy runs rather than in the final fsync of the atomic replace (or in the
 *       user's {@code sync}). It only starts writeback: durability is still the fsync's.</li>
 * </ul>
 */
final class CopyHints implements Runnable {
    /** Bytes per advice: about the kernel's largest read-ahead (8 MiB on the VMs measured). */
    static final long STEP = 8L << 20;
    /** Most bytes advised beyond the copy's progress. */
    static final long AHEAD = 512L << 20;
    /** Written bytes that start their writeback together. */
    static final long WRITE_BEHIND = 32L << 20;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int POSIX_FADV_WILLNEED = 3;
    private static final int SYNC_FILE_RANGE_WRITE = 2;

    private static boolean bound;

    private static native int open(String path, int flags);

    private static native int posix_fadvise(int fd, long offset, long length, int advice);

    private static native int sync_file_range(int fd, long offset, long length, int flags);

    private static native int close(int fd);

    private final Path source;
    private final long size;
    private volatile LongSupplier done = () -> 0;
    private volatile Supplier<Path> writing = () -> null;
    private volatile boolean stopped;

    private CopyHints(Path source, long size) {
        this.source = source;
        this.size = size;
    }

    /** Starts reading {@code size} bytes of {@code source} ahead; {@link #stop()} ends it. */
    static CopyHints start(Path source, long size) {
        final CopyHints hints = new CopyHints(source, size);
        final Thread thread = new Thread(hints, "copy-hints");
        thread.setDaemon(true);
        thread.start();
        return hints;
    }

    /**
     * From now on, read ahead of {@code copied} (the bytes copied so far) and, if {@code written} names the
     * file being written (null until known, or for none), start the writeback of its new bytes.
     */
    void attach(LongSupplier copied, Supplier<Path> written) {
        done = copied;
        writing = written;
    }

    void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        int in = -1;
        int out = -1;
        try {
            bind();
            in = open(source.toAbsolutePath().toString(), O_RDONLY | O_CLOEXEC);
            long advised = in < 0 ? size : 0;
            Path target = null;
            long flushed = 0;
            while (!stopped) {
                final long copied = done.getAsLong();
                boolean busy = false;
                if (advised < size && advised - copied <= AHEAD) {
                    if (posix_fadvise(in, advised, Math.min(STEP, size - advised), POSIX_FADV_WILLNEED) != 0) {
                        advised = size;
                    }
                    advised += STEP;
                    busy = true;
                }
                final Path file = writing.get();
                if (file != null && !file.equals(target)) {
                    if (out >= 0) {
                        close(out);
                    }
                    target = file;
                    out = open(file.toAbsolutePath().toString(), O_RDONLY | O_CLOEXEC);
                    flushed = 0;
                }
                if (out >= 0 && copied - flushed >= WRITE_BEHIND) {
                    sync_file_range(out, flushed, copied - flushed, SYNC_FILE_RANGE_WRITE);
                    flushed = copied;
                    busy = true;
                }
                if (!busy) {
                    Thread.sleep(5);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | LinkageError e) {
            // no JNA or no such call here: the copy runs without the hints
        } finally {
            if (in >= 0) {
                close(in);
            }
            if (out >= 0) {
                close(out);
            }
        }
    }

    private static synchronized void bind() {
        if (!bound) {
            Native.register(CopyHints.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
            bound = true;
        }
    }
}
