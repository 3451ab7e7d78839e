package io.uringactor.samples;

import io.uringactor.ring.Errno;
import io.uringactor.ring.ErrnoException;
import io.uringactor.ring.IoUringException;
import io.uringactor.actor.RingExtension;
import io.uringactor.ring.IoUringUnavailableException;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.IOResult;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;

/**
 * Sample 3: {@code copy SRC DST [--chunk N] [--in-flight N] [--stream] [--direct] [--fsync] [--in-place]},
 * a file copy through the ring actor with a progress bar: inside the kernel ({@link
 * io.uringactor.stream.javadsl.UringFileIO#copy}) by default, through the JVM with {@code --stream}. {@link CopyArgs#help} says what each mode leaves in DST
 * after a failure or a crash. Before anything touches DST it refuses a missing, unreadable or directory
 * SRC, a missing directory of DST, SRC and DST being one file, and option values the ring cannot serve.
 * Exit codes: 0 copied, 2 bad usage, 3 source missing or a directory, 4 permission denied, 5 no space
 * left, 1 any other error (also: a missing destination directory; source and destination the same file,
 * by device and inode after following links); the cause is one line on stderr.
 */
public final class CopyCli {
    public static final int EXIT_OK = 0;
    public static final int EXIT_IO_ERROR = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_NO_SOURCE = 3;
    public static final int EXIT_PERMISSION = 4;
    public static final int EXIT_NO_SPACE = 5;

    /**
     * The CLI's own defaults, under the application's config (application.conf, -Dconfig.file) and -D
     * system properties, over the libraries' reference.conf: the ring loop's
     * blocked-task warning is for code that shares the loop, and a copy has none; its one false alarm is the
     * ring's first turn in a JVM that has not compiled it yet (100-160 ms), a line on every user's stderr.
     */
    static final Config CLI_DEFAULTS = ConfigFactory.parseString(
            "io-uring-actor.loop-dispatcher.blocked-task-warning = off");

    private CopyCli() {
    }

    /** What the command line asks for. */
    record Options(Path source, Path target, int chunk, int inFlight, boolean direct, boolean fsync,
                   boolean inPlace, boolean stream) {
        /** The user-space copy of the samples' demo: {@code fromPath → toPath}, not direct, no fsync. */
        static Options streaming(Path source, Path target, int chunk, int inFlight, boolean inPlace) {
            return new Options(source, target, chunk, inFlight, false, false, inPlace, true);
        }
    }

    /** What the ring can serve: {@code io-uring-actor.ring.max-io-size} and {@code max-in-flight}. */
    record Limits(int maxIoSize, int maxInFlight) {
        static Limits of(Config config) {
            return new Limits((int) Math.min(Integer.MAX_VALUE, config.getBytes("io-uring-actor.ring.max-io-size")),
                    config.getInt("io-uring-actor.ring.max-in-flight"));
        }
    }

    /** A bad command line; the usage line is printed too unless the message already says what to change. */
    static final class UsageException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        final boolean showUsage;

        UsageException(String message, boolean showUsage) {
            super(message);
            this.showUsage = showUsage;
        }
    }

    /** The command line, checked against the ring's {@code limits} ({@link CopyArgs#parse}). */
    static Options parse(String[] args, Limits limits) {
        return CopyArgs.parse(args, limits);
    }

    /**
     * Atomic replace unless {@code --in-place}, or the destination is a device, a pipe or a socket: there is
     * no file to replace there, and renaming a file over {@code /dev/null} would replace the device itself.
     */
    static boolean replacesAtomically(Options options) {
        final Path target = options.target();
        return !options.inPlace() && (!Files.exists(target) || Files.isRegularFile(target)); // follows links
    }

    /**
     * Copies as {@code args} say, with the config {@code ConfigFactory.load()} gives over {@link #CLI_DEFAULTS};
     * returns the exit code.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        final CopyHints hints = startHints(args);
        try {
            return runWithConfig(args, out, err, hints);
        } finally {
            if (hints != null) {
                hints.stop();
            }
        }
    }

    private static int runWithConfig(String[] args, PrintStream out, PrintStream err, CopyHints hints) {
        // Logging (which SLF4J must finish before Pekko's first log call, or it replays that call with a
        // warning) starts beside the parsing of the config files: some 80 ms each, on two CPUs at once.
        final Thread logging = new Thread(() -> LoggerFactory.getLogger(CopyCli.class), "copy-logging-init");
        logging.setDaemon(true);
        logging.start();
        final Config config = ConfigFactory.load(ConfigFactory.defaultApplication().withFallback(CLI_DEFAULTS));
        try {
            logging.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return run(args, config, out, err, hints);
    }

    /** As {@link #run(String[], PrintStream, PrintStream)}, with the ActorSystem's config given. */
    static int run(String[] args, Config config, PrintStream out, PrintStream err) {
        return run(args, config, out, err, null);
    }

    /** Limits no ring has: what {@link #startHints(String[])} parses with before the config is loaded. */
    private static final Limits UNBOUNDED = new Limits(Integer.MAX_VALUE, Integer.MAX_VALUE);

    /**
     * {@link CopyHints} for what {@code args} ask to copy, started before anything else: if they parse
     * (the ring's limits are checked later) and name a regular, non-empty source that is not to be read
     * with O_DIRECT (which is asked not to use the page cache); else null.
     */
    static CopyHints startHints(String[] args) {
        try {
            return startHints(parse(args, UNBOUNDED));
        } catch (UsageException e) {
            return null; // the real parse says why
        }
    }

    private static CopyHints startHints(Options options) {
        if (options.direct()) {
            return null;
        }
        try {
            final BasicFileAttributes source = Files.readAttributes(options.source(), BasicFileAttributes.class);
            return source.isRegularFile() && source.size() > 0 ? CopyHints.start(options.source(), source.size()) : null;
        } catch (IOException e) {
            return null; // checkBeforeCopying says why
        }
    }

    private static int run(String[] args, Config config, PrintStream out, PrintStream err, CopyHints early) {
        if (early != null && (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h"))) {
            early.stop();
        }
        final Limits limits = Limits.of(config);
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            out.println(CopyArgs.help(limits));
            return EXIT_OK;
        }
        final Options options;
        try {
            options = parse(args, limits);
        } catch (UsageException e) {
            err.println("copy: " + e.getMessage());
            if (e.showUsage) {
                err.println(CopyArgs.USAGE);
            }
            return EXIT_USAGE;
        }
        final int refused = checkBeforeCopying(options, err);
        if (refused != EXIT_OK) {
            return refused;
        }
        final long total;
        try {
            total = Files.isRegularFile(options.source()) ? Files.size(options.source()) : 0;
        } catch (IOException e) {
            return report(e, err);
        }
        final boolean inKernel = inKernel(options, total);
        if (!inKernel) {
            try {
                checkHeap(options, Runtime.getRuntime().maxMemory());
            } catch (UsageException e) {
                err.println("copy: " + e.getMessage());
                return EXIT_USAGE;
            }
        }
        // The source comes into the page cache while the ActorSystem starts (if run(args, out, err) has not
        // begun that already).
        final CopyHints hints = early != null ? early : startHints(options);
        final ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "copy", config);
        try {
            final StreamCopy copy = inKernel ? StreamCopy.startInKernel(system, options) : StreamCopy.start(system, options);
            if (hints != null) {
                hints.attach(copy::bytesCopied, copy::fileBeingWritten);
            }
            // Redraw in place only when printing to the real stdout and that is a terminal.
            final boolean terminal = out == System.out && Progress.isTerminal();
            final Progress progress = new Progress("copy", total, copy::bytesCopied, out, terminal,
                    terminal ? Progress.terminalWidth() : Progress.DEFAULT_WIDTH);
            IOResult result = null;
            try {
                result = copy.result().toCompletableFuture().get();
            } finally {
                progress.finish(result != null);
            }
            out.printf("copied %s to %s: %s (engine %s)%n", options.source(), options.target(),
                    Samples.bytes(result.count()), RingExtension.get(system).client().stats().toCompletableFuture().join().engine());
            return EXIT_OK;
        } catch (Exception e) {
            return report(e, err);
        } finally {
            if (hints != null) {
                hints.stop();
            }
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().join();
        }
    }

    /**
     * Whether the copy splices inside the kernel: unless {@code --stream} (or {@code --direct}) asks for the
     * user-space path, and only for a regular source that reports a size. A pipe or device has none, and
     * {@code /proc} and {@code /sys} files report 0 bytes yet have contents, which the in-kernel copy (it
     * copies the size it finds at open) would miss: those are read until their end by the stream.
     */
    static boolean inKernel(Options options, long sourceSize) {
        return !options.stream() && sourceSize > 0;
    }

    /**
     * The heap a streamed copy may hold at once: {@code --in-flight} chunks read, as many being written, a
     * few in each of the two async boundaries between the stages ({@link StreamCopy#STREAM_BUFFER}), and the
     * sink's chunk being filled. The in-kernel copy holds none of the bytes.
     */
    static long heapNeeded(Options options) {
        return (2L * options.inFlight() + 2L * StreamCopy.STREAM_BUFFER + 1) * options.chunk();
    }

    /**
     * Refuses a streamed copy whose chunks would not fit in three quarters of {@code maxHeap} (the rest is
     * the JVM's and Pekko's), rather than failing it with an OutOfMemoryError once it has started.
     */
    static void checkHeap(Options options, long maxHeap) {
        final long needed = heapNeeded(options);
        if (needed > maxHeap / 4 * 3) {
            throw new UsageException("--chunk " + Samples.bytes(options.chunk()) + " x --in-flight "
                    + options.inFlight() + " streams need about " + Samples.bytes(needed) + " of heap, more than "
                    + "this JVM can spare (max heap " + Samples.bytes(maxHeap) + "): give smaller or fewer chunks, "
                    + "or a larger -Xmx (uring-copy: URING_COPY_OPTS=-Xmx1g)", false);
        }
    }

    /**
     * What can be checked before anything opens or creates the destination: the source is a readable
     * file, the destination's directory exists, and the two are not one file. Returns
     * {@link #EXIT_OK}, or the exit code after printing why on one line.
     */
    static int checkBeforeCopying(Options options, PrintStream err) {
        final Path source = options.source();
        final Path target = options.target();
        try {
            final BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(source, BasicFileAttributes.class); // follows links
            } catch (NoSuchFileException e) {
                return refuse(err, EXIT_NO_SOURCE, "source " + source, Errno.ENOENT);
            } catch (AccessDeniedException e) {
                return refuse(err, EXIT_PERMISSION, "source " + source, Errno.EACCES); // a directory on the way
            }
            if (attributes.isDirectory()) {
                return refuse(err, EXIT_NO_SOURCE, "source " + source, Errno.EISDIR);
            }
            if (!Files.isReadable(source)) {
                return refuse(err, EXIT_PERMISSION, "source " + source, Errno.EACCES);
            }
            final Path directory = target.toAbsolutePath().getParent();
            if (directory != null && !Files.isDirectory(directory)) {
                return refuse(err, EXIT_IO_ERROR, "destination " + target,
                        Files.exists(directory) ? Errno.ENOTDIR : Errno.ENOENT);
            }
            // Same device and inode after following links, so ./x, a hard link and a symlink count too.
            if (Files.exists(target) && Files.isSameFile(source, target)) {
                err.println("copy: " + source + " -> " + target + ": source and destination are the same file");
                return EXIT_IO_ERROR;
            }
        } catch (IOException e) {
            err.println("copy: " + e.getMessage());
            return EXIT_IO_ERROR;
        }
        return EXIT_OK;
    }

    /** Prints {@code copy: <what>: ENAME (strerror)}, as the ring words its own failures. */
    private static int refuse(PrintStream err, int exitCode, String what, int errno) {
        err.println("copy: " + new ErrnoException(what, errno).getMessage());
        return exitCode;
    }

    /**
     * The errno a failure stands for, if any: the ring's own, or the one the JDK's file exceptions (from
     * the atomic replace's create, fsync and rename) carry only in their type, as their message is a bare path.
     */
    private static ErrnoException asErrno(Throwable t) {
        if (t instanceof ErrnoException) {
            return (ErrnoException) t;
        }
        if (t instanceof AccessDeniedException) {
            return new ErrnoException(((AccessDeniedException) t).getFile(), Errno.EACCES);
        }
        if (t instanceof NoSuchFileException) {
            return new ErrnoException(((NoSuchFileException) t).getFile(), Errno.ENOENT);
        }
        return null;
    }

    /**
     * Prints {@code copy: <what>: <cause>} on one line: the message of the ring's own exception (an errno
     * where there is one) under the CompletionException, ExecutionException and
     * IOOperationIncompleteException wrappers, whose messages repeat their causes' class names; else the
     * innermost cause's. Returns the exit code that classifies it.
     */
    static int report(Throwable failure, PrintStream err) {
        ErrnoException errno = null;
        IoUringException uring = null;
        Throwable root = failure;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            root = t;
            if (t instanceof IoUringUnavailableException) {
                // io_uring cannot be used here: its message says why and how to fix it; the errno under it would not
                err.println("copy: io_uring is unavailable: " + t.getMessage() + " (" + t.getCause().getMessage() + ")");
                return EXIT_IO_ERROR;
            }
            if (errno == null) {
                errno = asErrno(t);
            }
            if (t instanceof IoUringException) {
                uring = (IoUringException) t;
            }
        }
        final Throwable cause = errno != null ? errno : uring != null ? uring : root;
        final String message = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        err.println("copy: " + message.replace('\n', ' '));
        if (errno == null) {
            return EXIT_IO_ERROR;
        }
        switch (errno.errnoName()) {
            case "EACCES":
            case "EPERM":
            case "EROFS":
                return EXIT_PERMISSION;
            case "ENOSPC":
            case "EDQUOT":
                return EXIT_NO_SPACE;
            default:
                return EXIT_IO_ERROR;
        }
    }
}
