package io.uringactor.samples;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;

/** Each sample runs at a small size; the copy CLI's error paths give their documented exit codes. */
class SamplesTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    private Path randomFile(String name, int size) throws Exception {
        final byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void theDemoCopiesVerifiesAndReportsBatching() throws Exception {
        assertEquals(0, Demo.run(new String[] {"--size", "8m"}, out), out());
        final String output = out();
        assertEquals(3, output.split("identical", -1).length - 1, output);
        assertTrue(output.contains("speed-up over FileIO"), output);
        assertTrue(output.contains("SQEs per io_uring_enter"), output);
        assertTrue(output.contains("Pekko FileIO: 100%"), "plain progress lines when not a terminal: " + output);
    }

    @Test
    void theAskSampleWritesReadsAndShowsATypedFailure() throws Exception {
        assertEquals(0, AskSample.run(new String[0], out), out());
        assertTrue(out().contains("read back: hello, io_uring"), out());
        assertTrue(out().contains("failed as expected: InvalidRequestException"), out());
    }

    @Test
    void theFacadeSampleWritesAThousandRecords() throws Exception {
        assertEquals(0, FacadeSample.run(new String[0], out), out());
        assertTrue(out().contains("wrote 14000 bytes; last record: record 000999"), out());
        assertTrue(out().contains("ENOENT"), out());
    }

    @Test
    void theClusterSampleReachesTheOtherNodesDisk() throws Exception {
        assertEquals(0, ClusterSample.run(new String[0], out), out());
        assertTrue(out().contains("read back over the cluster: hello from node B"), out());
        assertTrue(out().contains("on node A's disk: hello from node B"), out());
        assertTrue(out().contains("leaving the root is refused: EXDEV"), out());
    }

    @Test
    void theKvSampleServesItsLookupsOnTheRingsLoop() throws Exception {
        assertEquals(0, KvLookupSample.run(new String[0], out), out());
        assertTrue(out().contains("1000 lookups served, every value as written"), out());
        assertTrue(out().matches("(?s).*handled on \\[kv-sample-io-uring-actor\\.loop-dispatcher-loop-\\d+-\\d+\\].*"), out());
        assertTrue(out().contains("key 256: KeyOutOfRange[key=256, records=256]"), out());
    }

    @Test
    void copyCopiesWithEveryOption() throws Exception {
        final Path source = randomFile("source.bin", 3 * 65536 + 123);
        final Path target = dir.resolve("target.bin");
        assertEquals(CopyCli.EXIT_OK, CopyCli.run(new String[] {source.toString(), target.toString(), "--chunk", "64k",
            "--in-flight", "3", "--fsync"}, out, err), err());
        assertEquals(-1, Files.mismatch(source, target));
        assertTrue(out().contains("copy: 100%"), out());
    }

    @Test
    void copyWithODirectCopiesAlignedAndUnalignedSizes() throws Exception {
        final Path source = randomFile("direct.bin", 1 << 20);
        final Path target = dir.resolve("direct-copy.bin");
        assertEquals(CopyCli.EXIT_OK, CopyCli.run(new String[] {source.toString(), target.toString(), "--direct"}, out, err),
                err());
        assertEquals(-1, Files.mismatch(source, target));
    }

    @Test
    void aMissingSourceExitsWith3AndNamesTheCause() {
        final Path missing = dir.resolve("missing.bin");
        assertEquals(CopyCli.EXIT_NO_SOURCE, CopyCli.run(new String[] {missing.toString(), dir.resolve("t").toString()}, out, err));
        final String[] lines = err().trim().split("\n");
        assertEquals(1, lines.length, err());
        assertTrue(lines[0].startsWith("copy: ") && lines[0].contains("ENOENT") && lines[0].contains("missing.bin"), err());
    }

    @Test
    void aDirectoryAsSourceExitsWith3() {
        assertEquals(CopyCli.EXIT_NO_SOURCE, CopyCli.run(new String[] {dir.toString(), dir.resolve("t").toString()}, out, err),
                err());
        assertTrue(err().contains("EISDIR"), err());
    }

    @Test
    void aFullDeviceExitsWith5() throws Exception {
        Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/full")), "/dev/full is not writable here");
        final Path source = randomFile("full.bin", 256 * 1024);
        assertEquals(CopyCli.EXIT_NO_SPACE, CopyCli.run(new String[] {source.toString(), "/dev/full"}, out, err), err());
        assertTrue(err().contains("ENOSPC"), err());
    }

    @Test
    void aTargetInAReadOnlyDirectoryExitsWith4() throws Exception {
        final Path source = randomFile("perm.bin", 1000);
        final Path readOnly = Files.createDirectory(dir.resolve("read-only"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("r-xr-xr-x")));
        Assumptions.assumeFalse(Files.isWritable(readOnly), "running as root: permissions are not enforced");
        assertEquals(CopyCli.EXIT_PERMISSION, CopyCli.run(new String[] {source.toString(), readOnly.resolve("t").toString()},
                out, err), err());
        assertTrue(err().contains("EACCES"), err());
    }

    @Test
    void badUsageExitsWith2() {
        assertEquals(CopyCli.EXIT_USAGE, CopyCli.run(new String[] {"only-one"}, out, err));
        assertTrue(err().contains("usage: copy SRC DST"), err());
        assertEquals(CopyCli.EXIT_USAGE, CopyCli.run(new String[] {"a", "b", "--chunk"}, out, err));
        assertEquals(CopyCli.EXIT_USAGE, CopyCli.run(new String[] {"a", "b", "--bogus"}, out, err));
    }
}
