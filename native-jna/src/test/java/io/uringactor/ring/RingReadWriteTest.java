package io.uringactor.ring;

import static io.uringactor.ring.IoUringConstants.*;
import static io.uringactor.ring.RingTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

/** READ, WRITE, READV, WRITEV, READ_FIXED, WRITE_FIXED, O_DIRECT and linked ops on real files; FileChannel is the oracle. */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a lost completion fails, not hangs
class RingReadWriteTest {
    private static final int FILE_SIZE = 64 * 1024;

    @TempDir
    Path dir;

    private final RingTestSupport fds = new RingTestSupport();
    private final Random random = new Random(0x5EED_0001L);
    private IoUring ring;
    private Path file;
    private byte[] content;

    @BeforeEach
    void setUp() throws IOException {
        ring = RingTestSupport.openRing(16);
        file = dir.resolve("data.bin");
        content = randomBytes(random, FILE_SIZE);
        Files.write(file, content);
    }

    @AfterEach
    void tearDown() {
        ring.close();
        fds.close();
    }

    @Test
    void readReturnsTheFileBytesAtTheOffset() {
        final int fd = fds.open(file, O_RDONLY);
        final AlignedBuffer buf = AlignedBuffer.allocate(10_000, 8);
        assertTrue(ring.sq().prepRead(fd, buf.address(), 10_000, 1234, 7));
        assertEquals(Map.of(7L, 10_000), Completions.submitAndReap(ring, 1));
        assertArrayEquals(channelRead(file, 1234, 10_000), bytes(buf));
        assertArrayEquals(slice(content, 1234, 10_000), bytes(buf));
    }

    @Test
    void readAtMinusOneUsesAndAdvancesTheFilePosition() {
        final int fd = fds.open(file, O_RDONLY);
        final AlignedBuffer first = AlignedBuffer.allocate(100, 8);
        final AlignedBuffer second = AlignedBuffer.allocate(100, 8);
        assertTrue(ring.sq().prepRead(fd, first.address(), 100, -1, 1));
        assertEquals(100, Completions.single(ring));
        assertTrue(ring.sq().prepRead(fd, second.address(), 100, -1, 2));
        assertEquals(100, Completions.single(ring));
        assertArrayEquals(slice(content, 0, 100), bytes(first));
        assertArrayEquals(slice(content, 100, 100), bytes(second));
    }

    @Test
    void writeLandsInTheFile() {
        final int fd = fds.open(file, O_RDWR);
        final byte[] data = randomBytes(random, 5000);
        final AlignedBuffer buf = bufferOf(data, 8);
        assertTrue(ring.sq().prepWrite(fd, buf.address(), data.length, 777, 9));
        assertEquals(Map.of(9L, 5000), Completions.submitAndReap(ring, 1));
        keepAlive(buf);
        final byte[] expected = content.clone();
        System.arraycopy(data, 0, expected, 777, data.length);
        assertArrayEquals(expected, channelReadAll(file), "only bytes 777..5777 change");
    }

    @Test
    void writePastEndGrowsTheFile() throws IOException {
        final int fd = fds.open(file, O_RDWR);
        final byte[] data = randomBytes(random, 300);
        final AlignedBuffer buf = bufferOf(data, 8);
        assertTrue(ring.sq().prepWrite(fd, buf.address(), data.length, FILE_SIZE + 100, 1));
        assertEquals(300, Completions.single(ring));
        keepAlive(buf);
        assertEquals(FILE_SIZE + 400, Files.size(file));
        assertArrayEquals(new byte[100], channelRead(file, FILE_SIZE, 100), "the gap reads as zeros");
        assertArrayEquals(data, channelRead(file, FILE_SIZE + 100, 300));
    }

    @Test
    void readvScattersIntoEveryIovecInOrder() {
        final int fd = fds.open(file, O_RDONLY);
        final AlignedBuffer a = AlignedBuffer.allocate(100, 8);
        final AlignedBuffer b = AlignedBuffer.allocate(4096, 4096);
        final AlignedBuffer c = AlignedBuffer.allocate(1, 1);
        final AlignedBuffer iov = iovecs(a, b, c);
        assertTrue(ring.sq().prepReadv(fd, iov.address(), 3, 5000, 3));
        assertEquals(Map.of(3L, 4197), Completions.submitAndReap(ring, 1));
        keepAlive(iov);
        final byte[] oracle = channelRead(file, 5000, 4197);
        assertArrayEquals(slice(oracle, 0, 100), bytes(a));
        assertArrayEquals(slice(oracle, 100, 4096), bytes(b));
        assertArrayEquals(slice(oracle, 4196, 1), bytes(c));
    }

    @Test
    void readvWithFewerIovecsThanBuiltReadsOnlyThose() {
        final int fd = fds.open(file, O_RDONLY);
        final AlignedBuffer a = AlignedBuffer.allocate(64, 8);
        final AlignedBuffer b = AlignedBuffer.allocate(64, 8);
        final AlignedBuffer iov = iovecs(a, b);
        assertTrue(ring.sq().prepReadv(fd, iov.address(), 1, 0, 3));
        assertEquals(64, Completions.single(ring), "count is the number of iovecs");
        keepAlive(iov);
        assertArrayEquals(slice(content, 0, 64), bytes(a));
        assertArrayEquals(new byte[64], bytes(b), "the second iovec was not part of the op");
    }

    @Test
    void writevGathersEveryIovecInOrder() {
        final int fd = fds.open(file, O_RDWR);
        final byte[] x = randomBytes(random, 10);
        final byte[] y = randomBytes(random, 3000);
        final byte[] z = randomBytes(random, 513);
        final AlignedBuffer[] sources = {bufferOf(x, 8), bufferOf(y, 64), bufferOf(z, 1)};
        final AlignedBuffer iov = iovecs(sources);
        assertTrue(ring.sq().prepWritev(fd, iov.address(), 3, 60_000, 4));
        assertEquals(3523, Completions.single(ring));
        final byte[] written = channelRead(file, 60_000, 3523);
        assertArrayEquals(x, slice(written, 0, 10));
        assertArrayEquals(y, slice(written, 10, 3000));
        assertArrayEquals(z, slice(written, 3010, 513));
        assertArrayEquals(slice(content, 0, 60_000), channelRead(file, 0, 60_000), "bytes before are untouched");
        keepAlive(iov, sources);
    }

    @Test
    void fixedBuffersReadAndWriteThroughRegisteredMemory() {
        final int fd = fds.open(file, O_RDWR);
        final AlignedBuffer in = AlignedBuffer.allocate(8192, 4096);
        final AlignedBuffer out = AlignedBuffer.allocate(8192, 4096);
        final byte[] data = randomBytes(random, 3000);
        out.byteBuffer().put(100, data);
        ring.registerBuffers(in, out);
        try {
            // WRITE_FIXED from the middle of registered buffer 1.
            assertTrue(ring.sq().prepWriteFixed(fd, out.address(100), 3000, 20_000, 1, 1));
            assertEquals(3000, Completions.single(ring));
            assertArrayEquals(data, channelRead(file, 20_000, 3000));

            // READ_FIXED into an inner range of registered buffer 0.
            assertTrue(ring.sq().prepReadFixed(fd, in.address(4096), 4096, 1000, 0, 2));
            assertEquals(4096, Completions.single(ring));
            assertArrayEquals(channelRead(file, 1000, 4096), bytes(in, 4096, 4096));
            assertArrayEquals(new byte[4096], bytes(in, 0, 4096), "nothing lands before the address given");
        } finally {
            ring.unregisterBuffers();
        }
        // Once unregistered, index 0 refers to nothing.
        assertTrue(ring.sq().prepReadFixed(fd, in.address(), 4096, 0, 0, 3));
        assertEquals(-Errno.EFAULT, Completions.single(ring));
        // And the ring accepts a new registration.
        ring.registerBuffers(out);
        assertTrue(ring.sq().prepReadFixed(fd, out.address(), 512, 0, 0, 4));
        assertEquals(512, Completions.single(ring));
        assertArrayEquals(slice(content, 0, 512), bytes(out, 0, 512));
        ring.unregisterBuffers();
    }

    @Test
    void directIoReadsAndWritesAlignedBlocksThroughAnOpenatFd() {
        final int align = AlignedBuffer.directIoAlignment(file);
        assertTrue(align > 0 && Integer.bitCount(align) == 1, "alignment " + align);
        final int block = Math.max(align, 4096);
        final int fd = fds.openViaRing(ring, AT_FDCWD, file.toString(), O_RDWR | O_DIRECT | O_CLOEXEC, 0);
        assertTrue(fd >= 0, Errno.name(fd));

        final AlignedBuffer read = AlignedBuffer.forDirectIo(file, 2 * block);
        assertEquals(0, read.address() % align);
        assertTrue(ring.sq().prepRead(fd, read.address(), 2 * block, block, 1));
        assertEquals(2 * block, Completions.single(ring));
        assertArrayEquals(channelRead(file, block, 2 * block), bytes(read));

        final byte[] data = randomBytes(random, 3 * block);
        final AlignedBuffer write = AlignedBuffer.forDirectIo(file, 3 * block);
        write.byteBuffer().put(0, data);
        assertTrue(ring.sq().prepWrite(fd, write.address(), 3 * block, 4L * block, 2));
        assertEquals(3 * block, Completions.single(ring));
        keepAlive(write);
        assertArrayEquals(data, channelRead(file, 4L * block, 3 * block));
        assertArrayEquals(slice(content, 0, 4 * block), channelRead(file, 0, 4 * block));
    }

    @Test
    void linkedWriteThenReadOfTheSameRangeSeesTheWrite() {
        final int fd = fds.open(file, O_RDWR);
        for (int round = 0; round < 20; round++) {
            final byte[] data = randomBytes(random, 4096);
            final AlignedBuffer src = bufferOf(data, 4096);
            final AlignedBuffer dst = AlignedBuffer.allocate(4096, 4096);
            final long offset = 4096L * round % (FILE_SIZE - 4096);
            assertTrue(ring.sq().prepWrite(fd, src.address(), 4096, offset, 1));
            ring.sq().setLastFlags(IOSQE_IO_LINK);
            assertTrue(ring.sq().prepRead(fd, dst.address(), 4096, offset, 2));
            final int[] order = new int[2];
            final int[] n = {0};
            ring.submitAndWait(2);
            while (n[0] < 2) {
                ring.cq().drain((ud, res, flags) -> {
                    assertEquals(4096, res, "user_data " + ud);
                    order[n[0]++] = (int) ud;
                });
                if (n[0] < 2) {
                    ring.waitCompletions(1);
                }
            }
            keepAlive(src);
            assertArrayEquals(new int[] {1, 2}, order, "a link completes in order");
            assertArrayEquals(data, bytes(dst), "round " + round + ": the read ran after the write");
        }
    }

    @Test
    void aShortReadBreaksTheLinkAndCancelsTheLinkedWrite() {
        final int fd = fds.open(file, O_RDWR);
        final AlignedBuffer dst = AlignedBuffer.allocate(4096, 8);
        final AlignedBuffer src = bufferOf(randomBytes(random, 4096), 8);
        assertTrue(ring.sq().prepRead(fd, dst.address(), 4096, FILE_SIZE - 10, 1));
        ring.sq().setLastFlags(IOSQE_IO_LINK);
        assertTrue(ring.sq().prepWrite(fd, src.address(), 4096, 0, 2));
        assertEquals(Map.of(1L, 10, 2L, -Errno.ECANCELED), Completions.submitAndReap(ring, 2));
        keepAlive(src, dst);
        assertArrayEquals(content, channelReadAll(file), "the cancelled write changed nothing");
    }
}
