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

/** Failures: each op's {@code -errno}, short counts, and the argument checks done before the kernel. */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a lost completion fails, not hangs
class RingErrorsTest {
    private static final int BAD_FD = 9999;
    private static final int F_GETFD = 1;

    @TempDir
    Path dir;

    private final RingTestSupport fds = new RingTestSupport();
    private final Random random = new Random(0x5EED_0003L);
    private IoUring ring;

    @BeforeEach
    void setUp() {
        ring = RingTestSupport.openRing(16);
    }

    @AfterEach
    void tearDown() {
        ring.close();
        fds.close();
    }

    private Path fileWith(String name, byte[] content) throws IOException {
        final Path file = dir.resolve(name);
        Files.write(file, content);
        return file;
    }

    @Test
    void opsOnABadFdFailWithEbadf() {
        assertEquals(-1, LibC.fcntl(BAD_FD, F_GETFD, 0), "fd " + BAD_FD + " must not be open in this JVM");
        final AlignedBuffer buf = AlignedBuffer.allocate(64, 8);
        final AlignedBuffer iov = iovecs(buf);
        assertTrue(ring.sq().prepRead(BAD_FD, buf.address(), 64, 0, 1));
        assertTrue(ring.sq().prepWrite(BAD_FD, buf.address(), 64, 0, 2));
        assertTrue(ring.sq().prepReadv(BAD_FD, iov.address(), 1, 0, 3));
        assertTrue(ring.sq().prepWritev(BAD_FD, iov.address(), 1, 0, 4));
        assertTrue(ring.sq().prepFsync(BAD_FD, 0, 5));
        assertTrue(ring.sq().prepFallocate(BAD_FD, 0, 0, 4096, 6));
        assertTrue(ring.sq().prepClose(BAD_FD, 7));
        final Map<Long, Integer> results = Completions.submitAndReap(ring, 7);
        keepAlive(buf, iov);
        for (long ud = 1; ud <= 7; ud++) {
            assertEquals(-Errno.EBADF, results.get(ud), "user_data " + ud + ": " + results);
        }
    }

    @Test
    void writingAReadOnlyFdOrReadingAWriteOnlyFdFailsWithEbadf() throws IOException {
        final Path file = fileWith("ro.bin", new byte[100]);
        final int ro = fds.open(file, O_RDONLY);
        final int wo = fds.open(file, O_WRONLY);
        final AlignedBuffer buf = bufferOf(randomBytes(random, 100), 8);
        assertTrue(ring.sq().prepWrite(ro, buf.address(), 100, 0, 1));
        assertTrue(ring.sq().prepRead(wo, buf.address(), 100, 0, 2));
        assertEquals(Map.of(1L, -Errno.EBADF, 2L, -Errno.EBADF), Completions.submitAndReap(ring, 2));
        keepAlive(buf);
        assertArrayEquals(new byte[100], channelReadAll(file));
    }

    @Test
    void readAtEndOfFileReturnsZeroAndAReadStraddlingItIsShort() throws IOException {
        final byte[] content = randomBytes(random, 10_000);
        final Path file = fileWith("eof.bin", content);
        final int fd = fds.open(file, O_RDONLY);
        final AlignedBuffer atEof = AlignedBuffer.allocate(4096, 8);
        final AlignedBuffer pastEof = AlignedBuffer.allocate(4096, 8);
        final AlignedBuffer straddling = AlignedBuffer.allocate(4096, 8);
        assertTrue(ring.sq().prepRead(fd, atEof.address(), 4096, 10_000, 1));
        assertTrue(ring.sq().prepRead(fd, pastEof.address(), 4096, 1_000_000, 2));
        assertTrue(ring.sq().prepRead(fd, straddling.address(), 4096, 9_000, 3));
        assertEquals(Map.of(1L, 0, 2L, 0, 3L, 1000), Completions.submitAndReap(ring, 3));
        assertArrayEquals(slice(content, 9_000, 1000), bytes(straddling, 0, 1000));
        assertArrayEquals(channelRead(file, 9_000, 4096), bytes(straddling, 0, 1000), "FileChannel is short too");
        assertArrayEquals(new byte[3096], bytes(straddling, 1000, 3096), "nothing is written past the count");
        assertArrayEquals(new byte[4096], bytes(atEof));
    }

    @Test
    void unalignedDirectIoIsRefusedWithEinval() throws IOException {
        final Path file = fileWith("direct.bin", randomBytes(random, 64 * 1024));
        final int align = AlignedBuffer.directIoAlignment(file);
        final int block = Math.max(align, 4096);
        final int fd = fds.openViaRing(ring, AT_FDCWD, file.toString(), O_RDWR | O_DIRECT | O_CLOEXEC, 0);
        assertTrue(fd >= 0, Errno.name(fd));
        final AlignedBuffer buf = AlignedBuffer.forDirectIo(file, 2 * block);

        // Aligned: works, so the failures below are the misalignment's doing.
        assertTrue(ring.sq().prepRead(fd, buf.address(), block, block, 1));
        assertEquals(block, Completions.single(ring));

        assertTrue(ring.sq().prepRead(fd, buf.address(1), block, 0, 2));            // unaligned memory
        assertTrue(ring.sq().prepRead(fd, buf.address(), block, 1, 3));             // unaligned offset
        assertTrue(ring.sq().prepRead(fd, buf.address(), 100, 0, 4));              // unaligned length
        assertTrue(ring.sq().prepWrite(fd, buf.address(1), block, 0, 5));           // unaligned memory
        assertTrue(ring.sq().prepWrite(fd, buf.address(), block, 3, 6));            // unaligned offset
        final Map<Long, Integer> results = Completions.submitAndReap(ring, 5);
        keepAlive(buf);
        for (long ud = 2; ud <= 6; ud++) {
            assertEquals(-Errno.EINVAL, results.get(ud), "user_data " + ud + ", alignment " + align + ": " + results);
        }
    }

    @Test
    void openingAMissingPathFailsWithEnoent() throws IOException {
        final Path missing = dir.resolve("no/such/file");
        assertEquals(-Errno.ENOENT, fds.openViaRing(ring, AT_FDCWD, missing.toString(), O_RDONLY | O_CLOEXEC, 0));
        final Path existing = fileWith("exists.bin", new byte[1]);
        assertEquals(-Errno.EEXIST, fds.openViaRing(ring, AT_FDCWD, existing.toString(), O_CREAT | O_EXCL | O_WRONLY, 0600));
        assertEquals(-Errno.ENOTDIR, fds.openViaRing(ring, AT_FDCWD, existing.toString(), O_DIRECTORY | O_RDONLY, 0));
    }

    @Test
    void statxOfAMissingPathFails() {
        final Path missing = dir.resolve("missing.bin");
        final ErrnoException e = assertThrows(ErrnoException.class, () -> Statx.of(missing));
        assertEquals("ENOENT", e.errnoName());
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());

        final AlignedBuffer name = AlignedBuffer.cString(missing.toString());
        final AlignedBuffer out = AlignedBuffer.allocate(Statx.BUFFER_SIZE, 8);
        assertTrue(ring.sq().prepStatx(AT_FDCWD, name.address(), 0, Statx.DEFAULT_MASK, out.address(), 1));
        assertEquals(-Errno.ENOENT, Completions.single(ring));
        keepAlive(name, out);
    }

    @Test
    void cancellingAnUnknownUserDataFailsWithEnoent() {
        assertTrue(ring.sq().prepCancel(0xDEAD, 0, 1));
        assertEquals(-Errno.ENOENT, Completions.single(ring));
    }

    @Test
    void fixedOpsOutsideTheRegisteredBufferFailWithEfault() throws IOException {
        final int fd = fds.open(fileWith("fixed.bin", randomBytes(random, 8192)), O_RDONLY);
        final AlignedBuffer registered = AlignedBuffer.allocate(4096, 4096);
        final AlignedBuffer other = AlignedBuffer.allocate(4096, 4096);
        ring.registerBuffers(registered);
        try {
            assertTrue(ring.sq().prepReadFixed(fd, registered.address(2048), 4096, 0, 0, 1)); // overruns it
            assertTrue(ring.sq().prepReadFixed(fd, other.address(), 512, 0, 0, 2));          // not that buffer
            assertTrue(ring.sq().prepReadFixed(fd, registered.address(), 512, 0, 1, 3));     // no index 1
            assertEquals(Map.of(1L, -Errno.EFAULT, 2L, -Errno.EFAULT, 3L, -Errno.EFAULT), Completions.submitAndReap(ring, 3));
            assertArrayEquals(new byte[4096], bytes(registered));
            assertArrayEquals(new byte[4096], bytes(other));
        } finally {
            ring.unregisterBuffers();
        }
    }

    @Test
    void registrationErrorsThrowErrnoException() {
        final AlignedBuffer buf = AlignedBuffer.allocate(4096, 4096);
        ErrnoException e = assertThrows(ErrnoException.class, ring::unregisterBuffers);
        assertEquals("ENXIO", e.errnoName(), e.getMessage());
        assertTrue(e.getMessage().contains("IORING_UNREGISTER_BUFFERS"), e.getMessage());
        ring.registerBuffers(buf);
        e = assertThrows(ErrnoException.class, () -> ring.registerBuffers(buf));
        assertEquals("EBUSY", e.errnoName(), "a second registration: " + e.getMessage());
        ring.unregisterBuffers();

        e = assertThrows(ErrnoException.class, () -> ring.registerFiles(BAD_FD));
        assertEquals("EBADF", e.errnoName(), e.getMessage());
    }

    @Test
    void registeredFilesAreUsedByIndexWithFixedFile() throws IOException {
        final byte[] content = randomBytes(random, 500);
        final int fd = fds.open(fileWith("reg.bin", content), O_RDONLY);
        ring.registerFiles(fd);
        try {
            final AlignedBuffer buf = AlignedBuffer.allocate(500, 8);
            // fd field = index 0, not the fd number.
            assertTrue(ring.sq().prep(IORING_OP_READ, IOSQE_FIXED_FILE, 0, 0, buf.address(), 500, 0, 1, 0, 0));
            assertTrue(ring.sq().prep(IORING_OP_READ, IOSQE_FIXED_FILE, 1, 0, buf.address(), 500, 0, 2, 0, 0));
            assertEquals(Map.of(1L, 500, 2L, -Errno.EBADF), Completions.submitAndReap(ring, 2));
            assertArrayEquals(content, bytes(buf));
        } finally {
            ring.unregisterFiles();
        }
    }

    @Test
    void alignedBufferChecksItsArguments() {
        assertThrows(IllegalArgumentException.class, () -> AlignedBuffer.allocate(-1, 8));
        for (int bad : new int[] {0, -8, 3, 6, 12, 4095, Integer.MIN_VALUE}) {
            assertThrows(IllegalArgumentException.class, () -> AlignedBuffer.allocate(64, bad), "alignment " + bad);
        }
        for (int alignment = 1; alignment <= 1 << 16; alignment <<= 1) {
            for (int capacity : new int[] {0, 1, 100, 4096}) {
                final AlignedBuffer b = AlignedBuffer.allocate(capacity, alignment);
                assertEquals(0, b.address() % alignment, "alignment " + alignment + ": " + b);
                assertEquals(capacity, b.capacity());
                assertEquals(capacity, b.byteBuffer().capacity());
                assertEquals(alignment, b.alignment());
                assertEquals(b.address() + capacity, b.address(capacity));
                for (int i = 0; i < capacity; i++) {
                    assertEquals(0, b.byteBuffer().get(i), "zeroed");
                }
            }
        }
        final AlignedBuffer b = AlignedBuffer.allocate(16, 8);
        assertThrows(IndexOutOfBoundsException.class, () -> b.address(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> b.address(17));
        b.byteBuffer().putLong(0, -1L).putLong(8, -1L);
        b.clear();
        assertArrayEquals(new byte[16], bytes(b));
    }

    @Test
    void cStringIsNulTerminatedUtf8AndRefusesNul() {
        final AlignedBuffer s = AlignedBuffer.cString("dir/é.bin");
        final byte[] utf8 = "dir/é.bin".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(utf8.length + 1, s.capacity());
        assertArrayEquals(utf8, bytes(s, 0, utf8.length));
        assertEquals(0, s.byteBuffer().get(utf8.length));
        assertThrows(IllegalArgumentException.class, () -> AlignedBuffer.cString("a\0b"));
    }

    @Test
    void directIoAlignmentIsAPowerOfTwo() throws IOException {
        final Path file = fileWith("a.bin", new byte[1]);
        final int align = AlignedBuffer.directIoAlignment(file);
        assertTrue(align > 0 && Integer.bitCount(align) == 1, "alignment " + align);
        final Statx st = Statx.of(file);
        assertEquals(Math.max(st.dioMemAlign(), st.dioOffsetAlign()) > 0
                ? Math.max(st.dioMemAlign(), st.dioOffsetAlign()) : AlignedBuffer.DEFAULT_DIRECT_IO_ALIGNMENT, align);
        final AlignedBuffer b = AlignedBuffer.forDirectIo(file, 3 * align);
        assertEquals(0, b.address() % align);
        assertEquals(3 * align, b.capacity());
    }
}
