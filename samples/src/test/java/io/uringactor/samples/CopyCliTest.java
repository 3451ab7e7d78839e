package io.uringactor.samples;

import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import io.uringactor.actor.InvalidRequestException;
import io.uringactor.ring.Errno;
import io.uringactor.ring.ErrnoException;

import org.apache.pekko.stream.IOOperationIncompleteException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** The copy CLI refuses what it cannot do safely, before it touches the destination, in one line. */
class CopyCliTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    /** The single line on stderr; fails the test if there are more (a stack trace, a usage line). */
    private String errLine() {
        final String text = errBytes.toString(StandardCharsets.UTF_8);
        final String[] lines = text.split("\n");
        assertEquals(1, lines.length, "one line on stderr: " + text);
        assertFalse(lines[0].contains("Exception"), "no exception class names: " + text);
        return lines[0];
    }

    private int copy(String... args) {
        return CopyCli.run(args, out, err);
    }

    private Path randomFile(String name, int size) throws Exception {
        final byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return Files.write(dir.resolve(name), bytes);
    }

    // Copy onto itself: refused with "other error" (1), as cp does, and the file keeps its bytes.

    private void assertCopyOntoItselfIsRefused(Path source, Path sameFile) throws Exception {
        final byte[] before = Files.readAllBytes(source);
        assertEquals(CopyCli.EXIT_IO_ERROR, copy(source.toString(), sameFile.toString()));
        assertTrue(errLine().contains("same file"), errLine());
        assertArrayEquals(before, Files.readAllBytes(source));
    }

    @Test
    void copyingAFileOntoItselfIsRefused() throws Exception {
        final Path same = randomFile("same.bin", 10_000);
        assertCopyOntoItselfIsRefused(same, same);
    }

    @Test
    void copyingAFileOntoADotPathToItselfIsRefused() throws Exception {
        final Path same = randomFile("same.bin", 10_000);
        assertCopyOntoItselfIsRefused(same, dir.resolve(".").resolve("same.bin"));
    }

    @Test
    void copyingAFileOntoAHardLinkToItIsRefused() throws Exception {
        final Path same = randomFile("same.bin", 10_000);
        assertCopyOntoItselfIsRefused(same, Files.createLink(dir.resolve("hard-link.bin"), same));
    }

    @Test
    void copyingAFileOntoASymlinkToItIsRefused() throws Exception {
        final Path same = randomFile("same.bin", 10_000);
        assertCopyOntoItselfIsRefused(same, Files.createSymbolicLink(dir.resolve("symlink.bin"), same));
    }

    // Source first: a bad source leaves the destination as it was and creates nothing.

    private Path oldDestination() throws Exception {
        return Files.writeString(dir.resolve("old.txt"), "the old contents");
    }

    private void assertOnlyTheseFiles(String... names) throws Exception {
        try (var files = Files.list(dir)) {
            assertEquals(java.util.Set.of(names), files.map(p -> p.getFileName().toString())
                    .collect(java.util.stream.Collectors.toSet()));
        }
    }

    @Test
    void aMissingSourceLeavesAnExistingDestinationUntouched() throws Exception {
        final Path target = oldDestination();
        assertEquals(CopyCli.EXIT_NO_SOURCE, copy(dir.resolve("missing.bin").toString(), target.toString()));
        assertTrue(errLine().contains("ENOENT") && errLine().contains("missing.bin"), errLine());
        assertEquals("the old contents", Files.readString(target));
        assertOnlyTheseFiles("old.txt");
    }

    @Test
    void aMissingSourceCreatesNoDestination() throws Exception {
        assertEquals(CopyCli.EXIT_NO_SOURCE, copy(dir.resolve("missing.bin").toString(), dir.resolve("new.bin").toString()));
        assertOnlyTheseFiles();
    }

    @Test
    void aDirectoryAsSourceLeavesAnExistingDestinationUntouched() throws Exception {
        final Path source = Files.createDirectory(dir.resolve("a-directory"));
        final Path target = oldDestination();
        assertEquals(CopyCli.EXIT_NO_SOURCE, copy(source.toString(), target.toString()));
        assertTrue(errLine().contains("EISDIR") && errLine().contains("a-directory"), errLine());
        assertEquals("the old contents", Files.readString(target));
        assertOnlyTheseFiles("old.txt", "a-directory");
    }

    @Test
    void anUnreadableSourceLeavesAnExistingDestinationUntouched() throws Exception {
        final Path source = randomFile("secret.bin", 1000);
        Files.setPosixFilePermissions(source, java.nio.file.attribute.PosixFilePermissions.fromString("-w-------"));
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(source), "running as root: permissions are not enforced");
        final Path target = oldDestination();
        assertEquals(CopyCli.EXIT_PERMISSION, copy(source.toString(), target.toString()));
        assertTrue(errLine().contains("EACCES") && errLine().contains("secret.bin"), errLine());
        assertEquals("the old contents", Files.readString(target));
    }

    // A destination whose directory is missing is an "other" error (1) naming the destination, not a missing source.

    @Test
    void aMissingDestinationDirectoryExitsWith1AndNamesTheDestination() throws Exception {
        final Path source = randomFile("data", 1000);
        // As in "copy data data-backup/data": the error then names a path that contains the source's.
        final Path target = dir.resolve("data-backup").resolve("data");
        assertEquals(CopyCli.EXIT_IO_ERROR, copy(source.toString(), target.toString()));
        assertTrue(errLine().contains("ENOENT") && errLine().contains(target.toString()), errLine());
        assertOnlyTheseFiles("data");
    }

    // Options: any value the ring cannot serve is refused while parsing (2), on one line naming the option.

    private void assertBadOption(String option, String because, String... options) throws Exception {
        final Path source = randomFile("source.bin", 1000);
        final Path target = dir.resolve("target.bin");
        final String[] args = new String[options.length + 2];
        args[0] = source.toString();
        args[1] = target.toString();
        System.arraycopy(options, 0, args, 2, options.length);
        assertEquals(CopyCli.EXIT_USAGE, copy(args));
        final String line = errLine();
        assertTrue(line.startsWith("copy: ") && line.contains(option) && line.contains(because), line);
        assertFalse(Files.exists(target));
    }

    @Test
    void anEmptyChunkSizeIsRefused() throws Exception {
        assertBadOption("--chunk", "not a size", "--chunk", "");
    }

    @Test
    void aChunkSizeThatOverflowsAnIntIsRefusedAsTooLargeNotAsNegative() throws Exception {
        assertBadOption("--chunk 3g", "max-io-size", "--chunk", "3g");
    }

    @Test
    void aChunkSizeThatWrapsToAValidIntIsRefused() throws Exception {
        assertBadOption("--chunk 5g", "max-io-size", "--chunk", "5g");
    }

    @Test
    void aChunkSizeThatOverflowsALongIsRefused() throws Exception {
        assertBadOption("--chunk", "not a size", "--chunk", "9999999999999g");
    }

    @Test
    void aChunkSizeAboveTheRingsMaxIoSizeIsRefused() throws Exception {
        assertBadOption("--chunk 17m", "max-io-size (16 MiB)", "--chunk", "17m");
    }

    @Test
    void aZeroChunkSizeIsRefused() throws Exception {
        assertBadOption("--chunk 0", "at least 1", "--chunk", "0");
    }

    @Test
    void anUnalignedDirectChunkSizeIsRefused() throws Exception {
        assertBadOption("--chunk 1000", "multiple of 4096", "--direct", "--chunk", "1000");
    }

    @Test
    void moreInFlightThanTheRingsMaxInFlightIsRefused() throws Exception {
        assertBadOption("--in-flight 100000", "max-in-flight (256)", "--stream", "--in-flight", "100000");
    }

    @Test
    void zeroOrNonNumericInFlightIsRefused() throws Exception {
        assertBadOption("--in-flight 0", "at least 1", "--in-flight", "0");
        errBytes.reset();
        Files.delete(dir.resolve("source.bin"));
        assertBadOption("--in-flight x", "not a number", "--in-flight", "x");
    }

    @Test
    void moreThanAGibibyteInFlightIsRefused() throws Exception {
        assertBadOption("--in-flight 128", "1.0 GiB", "--stream", "--chunk", "16m", "--in-flight", "128");
    }

    // The in-kernel copy is the default; --stream (and --direct, which needs the ring's own reads and writes)
    // copies through the JVM, each with its own defaults and bounds.

    private static CopyCli.Options parse(String... args) {
        return CopyCli.parse(args, CopyCli.Limits.of(ConfigFactory.load()));
    }

    @Test
    void theInKernelCopyIsTheDefaultAndStreamOrDirectChooseTheUserSpaceOne() {
        final CopyCli.Options kernel = parse("a", "b");
        assertFalse(kernel.stream());
        assertTrue(CopyCli.inKernel(kernel, 1));
        assertEquals(16 << 20, kernel.chunk());
        assertEquals(1, kernel.inFlight());
        final CopyCli.Options stream = parse("a", "b", "--stream");
        assertTrue(stream.stream());
        assertFalse(CopyCli.inKernel(stream, 1));
        assertEquals(1 << 20, stream.chunk());
        assertEquals(8, stream.inFlight());
        final CopyCli.Options direct = parse("a", "b", "--direct");
        assertTrue(direct.stream() && direct.direct(), "--direct implies --stream");
    }

    @Test
    void aSourceThatReportsNoSizeIsStreamedToItsEnd() throws Exception {
        // /proc files report 0 bytes and have contents: an in-kernel copy of "the size at open" would be empty.
        final Path version = Path.of("/proc/version");
        Assumptions.assumeTrue(Files.isReadable(version) && Files.size(version) == 0, "no /proc/version of size 0");
        assertFalse(CopyCli.inKernel(parse("a", "b"), 0));
        final Path target = dir.resolve("version.txt");
        assertEquals(CopyCli.EXIT_OK, copy(version.toString(), target.toString()));
        assertEquals(Files.readString(version), Files.readString(target));
        assertFalse(Files.readString(target).isEmpty());
    }

    @Test
    void theInKernelCopysDefaultChunkIsAtMostTheRingsMaxIoSize() {
        final CopyCli.Limits small = CopyCli.Limits.of(ConfigFactory.parseString("io-uring-actor.ring.max-io-size = 64k")
                .withFallback(ConfigFactory.load()));
        assertEquals(64 << 10, CopyCli.parse(new String[] {"a", "b"}, small).chunk());
    }

    @Test
    void aChunkBelow4KiBNeedsStream() throws Exception {
        assertBadOption("--chunk 1000", "need --stream", "--chunk", "1000");
        assertEquals(1000, parse("a", "b", "--stream", "--chunk", "1000").chunk());
    }

    @Test
    void moreThan64SplicesInFlightNeedStream() throws Exception {
        assertBadOption("--in-flight 65", "need --stream", "--in-flight", "65");
        assertEquals(65, parse("a", "b", "--stream", "--in-flight", "65").inFlight());
    }

    @Test
    void theDefaultInKernelCopyCopiesAndTheFinalLineCountsEveryByte() throws Exception {
        final Path source = randomFile("source.bin", 300_000);
        final Path target = oldDestination();
        assertEquals(CopyCli.EXIT_OK, copy(source.toString(), target.toString()));
        assertEquals(-1, Files.mismatch(source, target));
        assertTrue(out().contains("100% (" + Samples.bytes(300_000) + " of " + Samples.bytes(300_000)), out());
        assertOnlyTheseFiles("source.bin", "old.txt");
    }

    @Test
    void aStreamedCopyWhoseChunksDoNotFitTheHeapIsRefusedBeforeItStarts() {
        final CopyCli.Options big = parse("a", "b", "--stream", "--chunk", "16m", "--in-flight", "8");
        final CopyCli.UsageException refused = assertThrows(CopyCli.UsageException.class,
                () -> CopyCli.checkHeap(big, 128L << 20));
        assertTrue(refused.getMessage().contains("-Xmx") && refused.getMessage().contains("--chunk 16 MiB"),
                refused.getMessage());
        CopyCli.checkHeap(parse("a", "b", "--stream"), 128L << 20); // the defaults fit the launcher's heap
    }

    @Test
    void theInKernelProgressIsTheNewTemporaryFileNotAStrayOne() throws Exception {
        final Path target = oldDestination();
        Files.write(dir.resolve(".old.txt.stray.tmp"), new byte[5]); // left by a killed copy
        final StreamCopy.WrittenSize written = new StreamCopy.WrittenSize(target, true);
        assertEquals(0, written.getAsLong());
        final Path temporary = Files.write(dir.resolve(".old.txt.k3y.tmp"), new byte[7]);
        assertEquals(7, written.getAsLong());
        Files.delete(temporary); // renamed over the target: the last size stays
        assertEquals(7, written.getAsLong());
        assertEquals("the old contents".length(), new StreamCopy.WrittenSize(target, false).getAsLong(),
                "in place: the target's size");
    }

    @Test
    void theKernelHintsStartOnlyForARegularNonEmptySourceReadThroughTheCache() throws Exception {
        final Path source = randomFile("source.bin", 10_000);
        final Path empty = Files.createFile(dir.resolve("empty.bin"));
        final String target = dir.resolve("t.bin").toString();
        final CopyHints hints = CopyCli.startHints(new String[] {source.toString(), target});
        assertNotNull(hints);
        hints.stop();
        assertNull(CopyCli.startHints(new String[] {source.toString(), target, "--direct"}), "O_DIRECT skips the cache");
        assertNull(CopyCli.startHints(new String[] {empty.toString(), target}));
        assertNull(CopyCli.startHints(new String[] {dir.resolve("missing").toString(), target}));
        assertNull(CopyCli.startHints(new String[] {dir.toString(), target}), "a directory");
        assertNull(CopyCli.startHints(new String[] {source.toString()}), "a bad command line");
        assertFalse(Files.exists(Path.of(target)), "hints create nothing");
    }

    @Test
    void aGibibyteInFlightIsAccepted() {
        final CopyCli.Options options = CopyCli.parse(new String[] {"a", "b", "--chunk", "16m", "--in-flight", "64"},
                CopyCli.Limits.of(ConfigFactory.load()));
        assertEquals(16 << 20, options.chunk());
        assertEquals(64, options.inFlight());
    }

    @Test
    void theLimitsComeFromTheRingsConfig() throws Exception {
        final Config small = ConfigFactory.parseString("io-uring-actor.ring { max-io-size = 64k, max-in-flight = 4 }")
                .withFallback(ConfigFactory.load());
        final Path source = randomFile("source.bin", 100_000);
        final Path target = dir.resolve("target.bin");
        assertEquals(CopyCli.EXIT_USAGE, CopyCli.run(new String[] {source.toString(), target.toString(), "--chunk", "128k"},
                small, out, err));
        assertTrue(errLine().contains("max-io-size (64 KiB)"), errLine());
        errBytes.reset();
        assertEquals(CopyCli.EXIT_USAGE, CopyCli.run(new String[] {source.toString(), target.toString(), "--chunk", "64k",
            "--in-flight", "5"}, small, out, err));
        assertTrue(errLine().contains("max-in-flight (4)"), errLine());
        assertEquals(CopyCli.EXIT_OK, CopyCli.run(new String[] {source.toString(), target.toString(), "--chunk", "64k",
            "--in-flight", "4"}, small, out, err));
        assertEquals(-1, Files.mismatch(source, target));
    }

    // Errors: one line with the root cause, never a chain of exception class names; never 100% on failure.

    @Test
    void aFailureIsReportedAsItsRootCauseOnOneLine() {
        final Throwable failure = new CompletionException(new IOOperationIncompleteException(4096,
                new InvalidRequestException("read length=33554432 is more than max-io-size=16777216")));
        assertEquals(CopyCli.EXIT_IO_ERROR, CopyCli.report(failure, err));
        assertEquals("copy: read length=33554432 is more than max-io-size=16777216", errLine());
    }

    @Test
    void anErrnoIsReportedAsItsMessageOnOneLineAndClassified() {
        final Throwable failure = new ExecutionException(new IOOperationIncompleteException(0,
                new ErrnoException("write(/x, offset=0)", Errno.ENOSPC)));
        assertEquals(CopyCli.EXIT_NO_SPACE, CopyCli.report(failure, err));
        assertEquals("copy: write(/x, offset=0): ENOSPC (No space left on device)", errLine());
    }

    @Test
    void aCopyThatFailsMidwayPrintsOneLineAndNever100Percent() throws Exception {
        Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/full")), "/dev/full is not writable here");
        final Path source = randomFile("full.bin", 256 * 1024);
        assertEquals(CopyCli.EXIT_NO_SPACE, copy(source.toString(), "/dev/full"));
        assertTrue(errLine().contains("ENOSPC"), errLine());
        assertFalse(out().contains("100%"), out());
    }

    // Atomic by default: after a failure (or Ctrl-C, kill -9, a crash) the destination is the old file or the
    // complete new one; --in-place writes into the old file instead.

    /** Reading /proc/self/mem at offset 0 fails with EIO: a real file whose copy fails after the target is opened. */
    private static Path failingSource() {
        final Path mem = Path.of("/proc/self/mem");
        Assumptions.assumeTrue(Files.isReadable(mem), "no /proc/self/mem here");
        return mem;
    }

    @Test
    void aFailedCopyLeavesTheOldDestinationAndNoTemporaryFile() throws Exception {
        final Path target = oldDestination();
        assertEquals(CopyCli.EXIT_IO_ERROR, copy(failingSource().toString(), target.toString()));
        assertTrue(errLine().contains("EIO"), errLine());
        assertEquals("the old contents", Files.readString(target));
        assertOnlyTheseFiles("old.txt");
    }

    @Test
    void theDestinationIsReplacedByANewFileNotWrittenInto() throws Exception {
        final Path source = randomFile("source.bin", 300_000);
        final Path target = oldDestination();
        final Path oldName = Files.createLink(dir.resolve("old-name.txt"), target);
        assertEquals(CopyCli.EXIT_OK, copy(source.toString(), target.toString(), "--chunk", "64k"));
        assertEquals(-1, Files.mismatch(source, target));
        assertArrayEquals("the old contents".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(oldName),
                "the old file was never written");
        assertOnlyTheseFiles("source.bin", "old.txt", "old-name.txt");
    }

    @Test
    void inPlaceWritesIntoTheOldFile() throws Exception {
        final Path source = randomFile("source.bin", 300_000);
        final Path target = oldDestination();
        final Path oldName = Files.createLink(dir.resolve("old-name.txt"), target);
        assertEquals(CopyCli.EXIT_OK, copy(source.toString(), target.toString(), "--chunk", "64k", "--in-place"));
        assertEquals(-1, Files.mismatch(source, oldName), "the other name sees the new bytes");
    }

    @Test
    void aSymlinkDestinationIsFollowedAndKept() throws Exception {
        final Path source = randomFile("source.bin", 10_000);
        final Path real = oldDestination();
        final Path link = Files.createSymbolicLink(dir.resolve("link.txt"), real);
        assertEquals(CopyCli.EXIT_OK, copy(source.toString(), link.toString()));
        assertTrue(Files.isSymbolicLink(link), "still a symlink");
        assertEquals(-1, Files.mismatch(source, real));
    }

    @Test
    void aDeviceDestinationIsWrittenInPlaceNotReplaced() throws Exception {
        Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/null")), "/dev/null is not writable here");
        final Path source = randomFile("source.bin", 10_000);
        assertEquals(CopyCli.EXIT_OK, copy(source.toString(), "/dev/null"));
        assertFalse(Files.isRegularFile(Path.of("/dev/null")), "still a device");
    }

    /** A named pipe: a real source whose end the test decides, so the copy is mid-way for as long as needed. */
    private Path fifo(String name) throws Exception {
        final Path fifo = dir.resolve(name);
        final Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        Assumptions.assumeTrue(mkfifo.waitFor() == 0, "no mkfifo here");
        return fifo;
    }

    /** The copy CLI in a child JVM, which the test can kill -9. */
    private static Process copyInAChildJvm(String... args) throws Exception {
        final List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx128m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "copy"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    /** Whether some file in the test's directory (the target or a temporary file beside it) holds {@code size} bytes. */
    private boolean someFileHolds(long size) throws Exception {
        try (var files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).anyMatch(p -> p.toFile().length() == size);
        }
    }

    /** Starts a copy from a pipe onto the old destination, waits until it has written 60 KiB, and kills it -9. */
    private void killACopyMidway(String... options) throws Exception {
        final Path source = fifo("source.fifo");
        final String[] args = new String[options.length + 2];
        args[0] = source.toString();
        args[1] = dir.resolve("old.txt").toString();
        System.arraycopy(options, 0, args, 2, options.length);
        final Process child = copyInAChildJvm(args);
        try (FileChannel pipe = FileChannel.open(source, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // Opened read-write, so opening does not wait for the child; 60 KiB fit in the pipe's buffer.
            final int written = 60 * 1024;
            pipe.write(ByteBuffer.wrap(new byte[written]));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a stuck child, not a slow one
            while (!someFileHolds(written)) {
                assertTrue(child.isAlive(), "the child exited with " + (child.isAlive() ? "" : child.exitValue()));
                assertTrue(System.nanoTime() < deadline, "the child never wrote the bytes");
                Thread.sleep(10);
            }
        } finally {
            child.destroyForcibly(); // SIGKILL
            child.waitFor();
        }
    }

    @Test
    void aCopyKilledMidwayLeavesTheOldDestination() throws Exception {
        final Path target = oldDestination();
        killACopyMidway("--chunk", "4k");
        assertEquals("the old contents".length(), Files.size(target), "the size of the destination");
        assertEquals("the old contents", Files.readString(target));
    }

    @Test
    void aCopyInPlaceKilledMidwayLeavesAPartialDestination() throws Exception {
        final Path target = oldDestination();
        killACopyMidway("--chunk", "4k", "--in-place");
        assertEquals(60 * 1024, Files.size(target), "neither the old file nor the whole new one");
    }

    @Test
    void helpSaysWhatEachModeLeavesAfterACrash() {
        assertEquals(CopyCli.EXIT_OK, copy("--help"));
        assertTrue(out().contains("replaced atomically") && out().contains("--in-place") && out().contains("kill -9"),
                out());
    }

    @Test
    void aDestinationWhereNoFileCanBeCreatedExitsWith4InEitherMode() throws Exception {
        // sysfs refuses to create files even for root, so this runs where permissions are not enforced.
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/sys/kernel")), "no sysfs here");
        final Path source = randomFile("source.bin", 1000);
        final String target = "/sys/io-uring-actor-copy-test.bin";
        assertEquals(CopyCli.EXIT_PERMISSION, copy(source.toString(), target));
        assertTrue(errLine().contains("EACCES (Permission denied)"), errLine());
        errBytes.reset();
        assertEquals(CopyCli.EXIT_PERMISSION, copy(source.toString(), target, "--in-place"));
        assertTrue(errLine().contains("EACCES (Permission denied)"), errLine());
    }

    /**
     * Where a seccomp filter blocks io_uring (as Docker's default profile does) a child JVM runs `copy` under a
     * real filter (the launcher native-jna's tests build) that refuses io_uring_setup with EPERM. With the
     * default engine the copy is made on the fallback engine, and says so; with engine io-uring the CLI names
     * the cause and the fix on one line and leaves the target alone.
     */
    @Test
    void underASeccompFilterTheCliCopiesOnTheFallbackOrNamesTheCauseAndTheFix() throws Exception {
        final SeccompLauncher launcher = SeccompLauncher.build(dir);
        final Path in = randomFile("seccomp-in.bin", 10_000);
        final Path out = dir.resolve("seccomp-out.bin");

        final SeccompLauncher.Result strict = launcher.run(1, List.of("io-uring-actor.engine=io-uring"),
                Main.class.getName(), "copy", in.toString(), out.toString());
        assertEquals(1, strict.exit(), strict.stderr());
        final String line = strict.stderr().lines().filter(l -> l.startsWith("copy: ")).findFirst().orElse(strict.stderr());
        assertTrue(line.contains("io_uring is unavailable") && line.contains("seccomp")
                && line.contains("allows io_uring_setup") && line.contains("EPERM"), line);
        assertFalse(Files.exists(out), "no target was created");

        final SeccompLauncher.Result auto = launcher.run(1, List.of(), Main.class.getName(), "copy", in.toString(),
                out.toString());
        assertEquals(0, auto.exit(), auto.stdout() + auto.stderr());
        assertTrue(auto.stdout().contains("(engine fallback ("), auto.stdout());
        assertTrue(auto.stderr().contains("running on the fallback engine (slower)"), auto.stderr());
        assertArrayEquals(Files.readAllBytes(in), Files.readAllBytes(out));
    }
}
