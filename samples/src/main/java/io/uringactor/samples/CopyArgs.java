package io.uringactor.samples;

import io.uringactor.samples.CopyCli.Limits;
import io.uringactor.samples.CopyCli.Options;
import io.uringactor.samples.CopyCli.UsageException;
import io.uringactor.stream.javadsl.CopySettings;

import java.nio.file.Path;

/**
 * The {@code copy} command line ({@link CopyCli}): its options, their defaults and bounds, the usage line
 * and {@code copy --help}, and the parse that refuses, before anything is copied, every value the ring
 * could not serve.
 */
final class CopyArgs {
    /** At most this many bytes in flight ({@code --chunk} × {@code --in-flight}), whatever the ring allows. */
    static final long MAX_IN_FLIGHT_BYTES = 1L << 30;
    /** {@code O_DIRECT} wants whole 4 KiB blocks on the devices we run on. */
    static final int DIRECT_ALIGNMENT = 4096;
    /**
     * The in-kernel copy's defaults: one splice in flight, of 16 MiB (the ring's default max-io-size; at
     * most the configured one), which the ring moves in rounds through a 1 MiB pipe. On two vCPUs more in
     * flight was slower, whatever the chunk (warm 1 GiB, whole process, medians of 5: 1 x 16 MiB 0.91 s,
     * 1 x 4 MiB 0.92-1.28 s, 2 x 4 MiB 1.97 s, 4 x 1 MiB 1.89 s): the splices' writers contend for the
     * target's inode lock (perf: rwsem_spin_on_owner).
     */
    static final long DEFAULT_SPLICE_CHUNK = 16L << 20;
    static final int DEFAULT_SPLICES_IN_FLIGHT = 1;
    /** {@link CopySettings#withChunkSize}'s lower bound. */
    static final int MIN_SPLICE_CHUNK = 4096;
    /** {@link CopySettings#withSplicesInFlight}'s bound. */
    static final int MAX_SPLICES_IN_FLIGHT = 64;

    /** The usage line, printed after a bad command line. */
    static final String USAGE = "usage: copy SRC DST [--chunk BYTES] [--in-flight N] [--stream] [--direct] "
            + "[--fsync] [--in-place] (copy --help for more)";

    /** What {@code copy --help} prints, with the ring's limits in the config. */
    static String help(Limits limits) {
        return String.join(System.lineSeparator(),
                "usage: copy SRC DST [--chunk BYTES] [--in-flight N] [--stream] [--direct]",
                "                    [--fsync] [--in-place]",
                "Copies SRC to DST through io_uring, inside the kernel (splice file -> pipe ->",
                "file) unless --stream; a source that is no regular file or reports 0 bytes",
                "(a pipe, a device, /proc and /sys files) is always streamed, read to its end.",
                "By default DST is replaced atomically: the",
                "bytes go to a temporary file .DST.<random>.tmp beside it, which is fsynced and",
                "renamed over DST, and then the directory is fsynced. After a failure, Ctrl-C,",
                "kill -9 or a machine crash DST is the old file (or absent, if it was) or the",
                "complete new one; kill -9 or a crash may leave the temporary file behind. The",
                "new file gets DST's mode, not its owner, ACLs or other hard links.",
                "  --in-place     write into DST itself, keeping its inode, owner and hard",
                "                 links. After a failure or a kill DST is the old file or a",
                "                 part of the new one; after a machine crash any mix of old",
                "                 and new, unless copy exited 0 with --fsync. A device, pipe",
                "                 or socket DST is always written in place.",
                "  --stream       copy in user space: the ring reads into the JVM and writes",
                "                 from it (UringFileIO.fromPath -> toPath)",
                "  --chunk BYTES  bytes per splice (default "
                        + Samples.bytes(Math.min(DEFAULT_SPLICE_CHUNK, limits.maxIoSize())) + "), or per read and",
                "                 write with --stream (default 1m), like 4096, 128k, 4m: at most",
                "                 io-uring-actor.ring.max-io-size (" + Samples.bytes(limits.maxIoSize())
                        + "); at least " + MIN_SPLICE_CHUNK + " unless",
                "                 --stream; a multiple of " + DIRECT_ALIGNMENT + " with --direct",
                "  --in-flight N  splices in flight (default " + DEFAULT_SPLICES_IN_FLIGHT + ", at most "
                        + MAX_SPLICES_IN_FLIGHT + "), or reads",
                "                 and writes with --stream (default 8, at most",
                "                 io-uring-actor.ring.max-in-flight, " + limits.maxInFlight() + "); chunk x N at most "
                        + Samples.bytes(MAX_IN_FLIGHT_BYTES),
                "  --direct       O_DIRECT: bypass the page cache; implies --stream",
                "  --fsync        in place: fsync DST before exiting (atomic replace always",
                "                 does)",
                "Exit codes: 0 copied, 2 bad usage, 3 source missing or a directory,",
                "4 permission denied, 5 no space left, 1 any other error (such as a missing",
                "destination directory, or SRC and DST being the same file).");
    }

    private CopyArgs() {
    }

    /**
     * Parses and checks the command line: every value the ring could not serve is refused here, rather
     * than failing the copy once it has started.
     */
    static Options parse(String[] args, Limits limits) {
        Path source = null;
        Path target = null;
        String chunkText = null;
        String inFlightText = null;
        boolean direct = false;
        boolean stream = false;
        boolean fsync = false;
        boolean inPlace = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--chunk":
                    chunkText = value(args, ++i, "--chunk");
                    break;
                case "--in-flight":
                    inFlightText = value(args, ++i, "--in-flight");
                    break;
                case "--direct":
                    direct = true; // O_DIRECT is a property of the ring's reads and writes: the user-space path
                    stream = true;
                    break;
                case "--stream":
                    stream = true;
                    break;
                case "--fsync":
                    fsync = true;
                    break;
                case "--in-place":
                    inPlace = true;
                    break;
                default:
                    if (args[i].startsWith("--")) {
                        throw new UsageException("unknown option " + args[i], true);
                    }
                    if (source == null) {
                        source = Path.of(args[i]);
                    } else if (target == null) {
                        target = Path.of(args[i]);
                    } else {
                        throw new UsageException("unexpected argument " + args[i], true);
                    }
            }
        }
        if (source == null || target == null) {
            throw new UsageException("SRC and DST are required", true);
        }
        if (chunkText == null) {
            chunkText = stream ? "1m" : Long.toString(Math.min(DEFAULT_SPLICE_CHUNK, limits.maxIoSize()));
        }
        final long chunk;
        try {
            chunk = Samples.parseSize(chunkText);
        } catch (IllegalArgumentException e) {
            throw badValue("--chunk", chunkText, e.getMessage());
        }
        if (chunk < 1) {
            throw badValue("--chunk", chunkText, "must be at least 1 byte");
        }
        if (!stream && chunk < MIN_SPLICE_CHUNK) {
            throw badValue("--chunk", chunkText, "the in-kernel copy splices at least " + MIN_SPLICE_CHUNK
                    + " bytes at a time; smaller chunks need --stream");
        }
        if (chunk > limits.maxIoSize()) {
            throw badValue("--chunk", chunkText, Samples.bytes(chunk) + " is more than the ring's "
                    + "io-uring-actor.ring.max-io-size (" + Samples.bytes(limits.maxIoSize()) + ")");
        }
        if (direct && chunk % DIRECT_ALIGNMENT != 0) {
            throw badValue("--chunk", chunkText, "with --direct it must be a multiple of " + DIRECT_ALIGNMENT);
        }
        if (inFlightText == null) {
            inFlightText = stream ? "8" : Integer.toString(DEFAULT_SPLICES_IN_FLIGHT);
        }
        final int inFlight;
        try {
            inFlight = Integer.parseInt(inFlightText.trim());
        } catch (NumberFormatException e) {
            throw badValue("--in-flight", inFlightText, "not a number");
        }
        if (inFlight < 1) {
            throw badValue("--in-flight", inFlightText, "must be at least 1");
        }
        if (!stream && inFlight > MAX_SPLICES_IN_FLIGHT) {
            throw badValue("--in-flight", inFlightText, "the in-kernel copy has at most " + MAX_SPLICES_IN_FLIGHT
                    + " splices in flight; more need --stream");
        }
        if (inFlight > limits.maxInFlight()) {
            throw badValue("--in-flight", inFlightText, "more than the ring's io-uring-actor.ring.max-in-flight ("
                    + limits.maxInFlight() + ")");
        }
        if (chunk > MAX_IN_FLIGHT_BYTES / inFlight) { // chunk * inFlight > bound, without overflow
            throw badValue("--in-flight", inFlightText, inFlight + " × --chunk " + Samples.bytes(chunk)
                    + " is more than the " + Samples.bytes(MAX_IN_FLIGHT_BYTES) + " a copy may have in flight");
        }
        return new Options(source, target, (int) chunk, inFlight, direct, fsync, inPlace, stream);
    }

    private static UsageException badValue(String option, String text, String why) {
        return new UsageException(option + " " + (text.isEmpty() ? "''" : text) + ": " + why, false);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new UsageException(option + " needs a value", true);
        }
        return args[i];
    }
}
