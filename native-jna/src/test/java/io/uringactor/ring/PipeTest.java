package io.uringactor.ring;

import static io.uringactor.ring.IoUringConstants.*;
import static io.uringactor.ring.RingTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** {@link Pipe}: creation, resizing, closing, and a linked file → pipe → file splice through it. */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PipeTest {
    @TempDir
    Path dir;

    /** What descriptor {@code fd} of this process is ({@code pipe:[inode]}, ...), or {@code null} when it is closed. */
    private static String describe(int fd) throws IOException {
        final Path link = Path.of("/proc/self/fd/" + fd);
        return Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? Files.readSymbolicLink(link).toString() : null;
    }

    /**
     * Checks the pipe's own descriptors rather than the process's count, which other threads of the JVM
     * (class loading, the test runner) change at any moment.
     */
    @Test
    void opensWithTheDefaultSizeAndClosesBothEndsOnce() throws IOException {
        final Pipe pipe = Pipe.open();
        assertTrue(pipe.readFd() >= 0 && pipe.writeFd() >= 0 && pipe.readFd() != pipe.writeFd(), pipe.toString());
        assertTrue(pipe.size() >= 4096, pipe.toString());
        final String readEnd = describe(pipe.readFd());
        assertTrue(readEnd != null && readEnd.startsWith("pipe:"), readEnd);
        assertEquals(readEnd, describe(pipe.writeFd()), "both ends of one pipe");
        pipe.close();
        pipe.close();
        assertNotEquals(readEnd, describe(pipe.readFd()), "the read end is closed");
        assertNotEquals(readEnd, describe(pipe.writeFd()), "the write end is closed");
    }

    @Test
    void resizesToTheRequestedCapacity() {
        try (Pipe pipe = Pipe.open(1 << 20)) {
            // pipe-max-size is 1 MiB by default; a lower limit leaves the pipe smaller but usable.
            assertTrue(pipe.size() >= 4096 && pipe.size() <= 1 << 20, pipe.toString());
        }
    }

    @Test
    void linkedSplicesMoveAFileThroughThePipe() throws IOException {
        final byte[] content = randomBytes(new Random(7), 100_000);
        final Path source = Files.write(dir.resolve("in.bin"), content);
        final Path target = Files.write(dir.resolve("out.bin"), new byte[0]);
        try (RingTestSupport fds = new RingTestSupport(); IoUring ring = RingTestSupport.openRing(8);
             Pipe pipe = Pipe.open(128 * 1024)) {
            assertTrue(pipe.size() >= content.length, "the test needs a pipe of 128 KiB: " + pipe);
            final int in = fds.open(source, O_RDONLY);
            final int out = fds.open(target, O_WRONLY);
            assertTrue(ring.sq().prepSplice(in, 0, pipe.writeFd(), -1, content.length, SPLICE_F_MOVE, 1));
            ring.sq().setLastFlags(IOSQE_IO_LINK);
            assertTrue(ring.sq().prepSplice(pipe.readFd(), -1, out, 0, content.length, SPLICE_F_MOVE, 2));
            final var results = Completions.submitAndReap(ring, 2);
            assertEquals(content.length, results.get(1L));
            assertEquals(content.length, results.get(2L));
        }
        assertArrayEquals(content, Files.readAllBytes(target));
    }
}
