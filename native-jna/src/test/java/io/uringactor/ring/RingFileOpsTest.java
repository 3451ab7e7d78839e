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
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Random;

/** FSYNC, FALLOCATE, STATX, OPENAT, OPENAT2, CLOSE, TIMEOUT, LINK_TIMEOUT, ASYNC_CANCEL and SPLICE. */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a lost completion fails, not hangs
class RingFileOpsTest {
    @TempDir
    Path dir;

    private final RingTestSupport fds = new RingTestSupport();
    private final Random random = new Random(0x5EED_0002L);
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

    // ---- FSYNC -------------------------------------------------------------------------------------

    @Test
    void fsyncAndFdatasyncSucceedAfterAWrite() throws IOException {
        final Path file = fileWith("sync.bin", new byte[0]);
        final int fd = fds.open(file, O_RDWR);
        final byte[] data = randomBytes(random, 8192);
        final AlignedBuffer src = bufferOf(data, 4096);
        assertTrue(ring.sq().prepWrite(fd, src.address(), data.length, 0, 1));
        ring.sq().setLastFlags(IOSQE_IO_LINK);
        assertTrue(ring.sq().prepFsync(fd, 0, 2));
        ring.sq().setLastFlags(IOSQE_IO_LINK);
        assertTrue(ring.sq().prepFsync(fd, IORING_FSYNC_DATASYNC, 3));
        assertEquals(Map.of(1L, 8192, 2L, 0, 3L, 0), Completions.submitAndReap(ring, 3));
        keepAlive(src);
        assertArrayEquals(data, channelReadAll(file));
    }

    @Test
    void fsyncFlagsReachTheKernel() throws IOException {
        final int fd = fds.open(fileWith("flags.bin", new byte[10]), O_RDWR);
        // The kernel knows only IORING_FSYNC_DATASYNC: any other bit is refused, which shows the field is read.
        assertTrue(ring.sq().prepFsync(fd, 0x80, 1));
        assertEquals(-Errno.EINVAL, Completions.single(ring));
    }

    // ---- FALLOCATE ---------------------------------------------------------------------------------

    @Test
    void punchHoleZeroesTheRangeAndKeepsTheSize() throws IOException {
        final byte[] content = randomBytes(random, 64 * 1024);
        final Path file = fileWith("holes.bin", content);
        channelWrite(file, 0, content); // forced: the blocks are really allocated before the punch
        final long blocksBefore = Statx.of(file).blocks();
        final int fd = fds.open(file, O_RDWR);

        assertTrue(ring.sq().prepFallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 8192, 16384, 1));
        assertEquals(0, Completions.single(ring));

        assertEquals(content.length, Files.size(file), "KEEP_SIZE: the size is unchanged");
        final byte[] expected = content.clone();
        java.util.Arrays.fill(expected, 8192, 8192 + 16384, (byte) 0);
        assertArrayEquals(expected, channelReadAll(file), "the range reads back zeros, the rest is intact");
        assertTrue(Statx.of(file).blocks() < blocksBefore, "the punched blocks were freed");
    }

    @Test
    void plainAllocateGrowsTheFile() throws IOException {
        final Path file = fileWith("grow.bin", new byte[] {1, 2, 3});
        final int fd = fds.open(file, O_RDWR);
        assertTrue(ring.sq().prepFallocate(fd, 0, 0, 1 << 20, 1));
        assertEquals(0, Completions.single(ring));
        assertEquals(1 << 20, Files.size(file));
        final byte[] expected = new byte[1 << 20];
        expected[0] = 1;
        expected[1] = 2;
        expected[2] = 3;
        assertArrayEquals(expected, channelReadAll(file));
        assertTrue(Statx.of(file).blocks() * 512 >= 1 << 20, "the blocks are allocated");
    }

    @Test
    void allocateWithKeepSizeAllocatesWithoutGrowing() throws IOException {
        final Path file = fileWith("keep.bin", new byte[0]);
        final int fd = fds.open(file, O_RDWR);
        assertTrue(ring.sq().prepFallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 256 * 1024, 1));
        assertEquals(0, Completions.single(ring));
        assertEquals(0, Files.size(file));
        assertTrue(Statx.of(file).blocks() * 512 >= 256 * 1024, "blocks allocated past EOF");
    }

    // ---- STATX -------------------------------------------------------------------------------------

    private Statx statxViaRing(int dirfd, String path, int flags) {
        final AlignedBuffer name = AlignedBuffer.cString(path);
        final AlignedBuffer out = AlignedBuffer.allocate(Statx.BUFFER_SIZE, 8);
        assertTrue(ring.sq().prepStatx(dirfd, name.address(), flags, Statx.DEFAULT_MASK, out.address(), 5));
        final int res = Completions.single(ring);
        keepAlive(name);
        assertEquals(0, res, () -> "statx(" + path + "): " + Errno.name(res));
        return Statx.decode(out.byteBuffer(), 0);
    }

    @Test
    void statxThroughTheRingMatchesTheFileSystem() throws IOException {
        final Path file = fileWith("stat.bin", randomBytes(random, 12345));
        final Statx st = statxViaRing(AT_FDCWD, file.toString(), 0);
        assertEquals(Files.size(file), st.size());
        assertEquals(12345, st.size());
        assertTrue(st.isRegularFile());
        assertFalse(st.isDirectory());
        assertEquals(((Number) Files.getAttribute(file, "unix:ino")).longValue(), st.inode());
        assertEquals(Files.getAttribute(file, "unix:mode"), st.mode());
        assertEquals(1, st.nlink());
        assertEquals(Files.getLastModifiedTime(file).toInstant(), st.modified());
        assertTrue((st.mask() & STATX_BASIC_STATS) == STATX_BASIC_STATS, "mask 0x" + Integer.toHexString(st.mask()));
        assertTrue(st.blockSize() > 0);

        final Statx sync = Statx.of(file);
        assertEquals(st.size(), sync.size());
        assertEquals(st.inode(), sync.inode());
        assertEquals(st.mode(), sync.mode());
        assertEquals(st.modified(), sync.modified());
        assertTrue(sync.isRegularFile());

        assertTrue(statxViaRing(AT_FDCWD, dir.toString(), 0).isDirectory());
        assertTrue(Statx.of(dir).isDirectory());
    }

    @Test
    void statxHonoursItsDirfdAndFlags() throws IOException {
        final Path file = fileWith("target.bin", randomBytes(random, 777));
        final Path link = Files.createSymbolicLink(dir.resolve("link"), file.getFileName());

        // AT_EMPTY_PATH: stat the fd itself.
        final int fd = fds.open(file, O_RDONLY);
        assertEquals(777, statxViaRing(fd, "", AT_EMPTY_PATH).size());
        // A relative path resolves against dirfd.
        final int dirfd = fds.open(dir, O_RDONLY | O_DIRECTORY);
        assertEquals(777, statxViaRing(dirfd, "target.bin", 0).size());
        // Symlinks are followed unless AT_SYMLINK_NOFOLLOW.
        assertTrue(statxViaRing(AT_FDCWD, link.toString(), 0).isRegularFile());
        final Statx lst = statxViaRing(AT_FDCWD, link.toString(), AT_SYMLINK_NOFOLLOW);
        assertEquals(0xA000, lst.mode() & 0xF000, "S_IFLNK");
        assertEquals("target.bin".length(), lst.size(), "a symlink's size is its target's length");
        assertTrue(Statx.of(link).isRegularFile(), "Statx.of follows symlinks");
    }

    // ---- OPENAT / CLOSE ----------------------------------------------------------------------------

    @Test
    void openatReadsThroughTheNewFdAndCloseClosesIt() throws IOException {
        final byte[] content = randomBytes(random, 3000);
        final Path file = fileWith("open.bin", content);
        final int fd = fds.openViaRing(ring, AT_FDCWD, file.toString(), O_RDONLY | O_CLOEXEC, 0);
        assertTrue(fd >= 0, Errno.name(fd));

        final AlignedBuffer buf = AlignedBuffer.allocate(3000, 8);
        assertTrue(ring.sq().prepRead(fd, buf.address(), 3000, 0, 1));
        assertEquals(3000, Completions.single(ring));
        assertArrayEquals(content, bytes(buf));

        // The fd is read-only.
        assertTrue(ring.sq().prepWrite(fd, buf.address(), 10, 0, 2));
        assertEquals(-Errno.EBADF, Completions.single(ring));

        assertTrue(ring.sq().prepClose(fd, 3));
        assertEquals(0, Completions.single(ring));
        fds.untrack(fd);
        assertTrue(ring.sq().prepClose(fd, 4));
        assertEquals(-Errno.EBADF, Completions.single(ring), "closing again");
    }

    @Test
    void openatCreatesWithTheModeGiven() throws IOException {
        final Path file = dir.resolve("created.bin");
        final int fd = fds.openViaRing(ring, AT_FDCWD, file.toString(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
        assertTrue(fd >= 0, Errno.name(fd));
        assertTrue(Files.isRegularFile(file));
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
        final byte[] data = randomBytes(random, 100);
        final AlignedBuffer src = bufferOf(data, 8);
        assertTrue(ring.sq().prepWrite(fd, src.address(), 100, 0, 1));
        assertEquals(100, Completions.single(ring));
        keepAlive(src);
        assertArrayEquals(data, channelReadAll(file));
    }

    // ---- OPENAT2 -----------------------------------------------------------------------------------

    private static AlignedBuffer openHow(long flags, long mode, long resolve) {
        final AlignedBuffer how = AlignedBuffer.allocate(RingLayout.OPEN_HOW_SIZE, 8);
        how.byteBuffer().putLong(0, flags).putLong(8, mode).putLong(16, resolve);
        return how;
    }

    private int openat2(int dirfd, String path, long resolve) {
        final AlignedBuffer name = AlignedBuffer.cString(path);
        final AlignedBuffer how = openHow(O_RDONLY | O_CLOEXEC, 0, resolve);
        assertTrue(ring.sq().prepOpenat2(dirfd, name.address(), how.address(), 11));
        final int res = Completions.single(ring);
        keepAlive(name, how);
        if (res >= 0) {
            fds.track(res);
        }
        return res;
    }

    @Test
    void openat2ResolveBeneathStaysInsideTheDirectory() throws IOException {
        final Path root = Files.createDirectory(dir.resolve("root"));
        final byte[] inside = randomBytes(random, 50);
        Files.write(root.resolve("inside.bin"), inside);
        Files.createDirectory(root.resolve("sub"));
        Files.write(root.resolve("sub/deeper.bin"), new byte[] {42});
        final Path outside = fileWith("outside.bin", new byte[] {7});
        Files.createSymbolicLink(root.resolve("abs-link"), outside);
        Files.createSymbolicLink(root.resolve("rel-link"), Path.of("../outside.bin"));
        Files.createSymbolicLink(root.resolve("inner-link"), Path.of("sub/deeper.bin"));

        final int dirfd = fds.openViaRing(ring, AT_FDCWD, root.toString(), O_DIRECTORY | O_RDONLY | O_CLOEXEC, 0);
        assertTrue(dirfd >= 0, Errno.name(dirfd));

        // Beneath: opens, and reads the right file.
        final int fd = openat2(dirfd, "inside.bin", RESOLVE_BENEATH);
        assertTrue(fd >= 0, Errno.name(fd));
        final AlignedBuffer buf = AlignedBuffer.allocate(64, 8);
        assertTrue(ring.sq().prepRead(fd, buf.address(), 64, 0, 1));
        assertEquals(50, Completions.single(ring));
        assertArrayEquals(inside, bytes(buf, 0, 50));
        assertTrue(openat2(dirfd, "sub/deeper.bin", RESOLVE_BENEATH) >= 0);
        assertTrue(openat2(dirfd, "sub/../inside.bin", RESOLVE_BENEATH) >= 0, "'..' that stays inside is fine");
        assertTrue(openat2(dirfd, "inner-link", RESOLVE_BENEATH) >= 0, "a symlink that stays inside is fine");

        // Escapes are refused with EXDEV...
        for (String escape : new String[] {"../outside.bin", outside.toString(), "abs-link", "rel-link", "sub/../../outside.bin"}) {
            assertEquals(-Errno.EXDEV, openat2(dirfd, escape, RESOLVE_BENEATH), escape);
        }
        // ...though each of them opens without RESOLVE_BENEATH: the refusal is the resolve flag's doing.
        for (String escape : new String[] {"../outside.bin", outside.toString(), "abs-link", "rel-link"}) {
            assertTrue(openat2(dirfd, escape, 0) >= 0, escape);
        }
        assertEquals(-Errno.ENOENT, openat2(dirfd, "missing.bin", RESOLVE_BENEATH));
    }

    @Test
    void openat2RejectsAnOpenHowItDoesNotUnderstand() throws IOException {
        final Path file = fileWith("how.bin", new byte[1]);
        final AlignedBuffer name = AlignedBuffer.cString(file.toString());
        // A mode without O_CREAT is invalid for openat2 (unlike openat): proves the mode word is read.
        final AlignedBuffer how = openHow(O_RDONLY, 0644, 0);
        assertTrue(ring.sq().prepOpenat2(AT_FDCWD, name.address(), how.address(), 1));
        assertEquals(-Errno.EINVAL, Completions.single(ring));
        keepAlive(name, how);
    }

    // ---- TIMEOUT / LINK_TIMEOUT / ASYNC_CANCEL -----------------------------------------------------

    @Test
    void timeoutExpiresWithEtime() {
        final AlignedBuffer ts = timespec(20);
        final long start = System.nanoTime();
        assertTrue(ring.sq().prepTimeout(ts.address(), 0, 0, 1));
        assertEquals(-Errno.ETIME, Completions.single(ring));
        final long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        keepAlive(ts);
        assertTrue(elapsedMs >= 19, "expired after " + elapsedMs + " ms");
        assertTrue(elapsedMs < 5000, "expired after " + elapsedMs + " ms");
    }

    @Test
    void timeoutWithACountCompletesAfterThatManyCompletions() {
        final AlignedBuffer ts = timespec(5_000); // would end the test with -ETIME if the count were lost
        assertTrue(ring.sq().prepTimeout(ts.address(), 2, 0, 1));
        assertTrue(ring.sq().prepNop(2));
        assertTrue(ring.sq().prepNop(3));
        assertEquals(Map.of(1L, 0, 2L, 0, 3L, 0), Completions.submitAndReap(ring, 3));
        keepAlive(ts);
    }

    @Test
    void linkTimeoutCancelsAReadThatNeverCompletes() {
        final int[] pipe = fds.pipe();
        final AlignedBuffer buf = AlignedBuffer.allocate(16, 8);
        final AlignedBuffer ts = timespec(20);
        final long start = System.nanoTime();
        assertTrue(ring.sq().prepRead(pipe[0], buf.address(), 16, -1, 1));
        ring.sq().setLastFlags(IOSQE_IO_LINK);
        assertTrue(ring.sq().prepLinkTimeout(ts.address(), 0, 2));
        final Map<Long, Integer> results = Completions.submitAndReap(ring, 2);
        final long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        keepAlive(buf, ts);
        assertEquals(-Errno.ECANCELED, results.get(1L), "the read: " + results);
        final int timeout = results.get(2L);
        assertTrue(timeout == -Errno.ETIME || timeout == -Errno.EALREADY, "the timeout: " + Errno.name(timeout));
        assertTrue(elapsedMs >= 19, "cancelled after " + elapsedMs + " ms");
    }

    @Test
    void linkTimeoutIsCancelledWhenTheReadCompletesInTime() {
        final int[] pipe = fds.pipe();
        final AlignedBuffer data = bufferOf(new byte[] {1, 2, 3}, 8);
        assertEquals(3, LibC.write(pipe[1], data.address(), 3));
        final AlignedBuffer buf = AlignedBuffer.allocate(16, 8);
        final AlignedBuffer ts = timespec(10_000);
        assertTrue(ring.sq().prepRead(pipe[0], buf.address(), 16, -1, 1));
        ring.sq().setLastFlags(IOSQE_IO_LINK);
        assertTrue(ring.sq().prepLinkTimeout(ts.address(), 0, 2));
        assertEquals(Map.of(1L, 3, 2L, -Errno.ECANCELED), Completions.submitAndReap(ring, 2));
        keepAlive(buf, ts, data);
        assertArrayEquals(new byte[] {1, 2, 3}, bytes(buf, 0, 3));
    }

    @Test
    void asyncCancelCancelsAPendingRead() {
        final int[] pipe = fds.pipe();
        final AlignedBuffer buf = AlignedBuffer.allocate(16, 8);
        assertTrue(ring.sq().prepRead(pipe[0], buf.address(), 16, -1, 0xABCL));
        assertEquals(1, ring.submit());
        assertEquals(0, ring.cq().ready(), "the read waits for data");
        assertTrue(ring.sq().prepCancel(0xABCL, 0, 0xC0FFEEL));
        assertEquals(Map.of(0xABCL, -Errno.ECANCELED, 0xC0FFEEL, 0), Completions.submitAndReap(ring, 2));
        keepAlive(buf);

        // Nothing is left reading the pipe: data written now stays for the next reader.
        final AlignedBuffer data = bufferOf(new byte[] {9, 8}, 8);
        assertEquals(2, LibC.write(pipe[1], data.address(), 2));
        assertTrue(ring.sq().prepRead(pipe[0], buf.address(), 16, -1, 5));
        assertEquals(2, Completions.single(ring));
        assertArrayEquals(new byte[] {9, 8}, bytes(buf, 0, 2));
        keepAlive(data);
    }

    // ---- SPLICE ------------------------------------------------------------------------------------

    @Test
    void spliceCopiesAFileThroughAPipeIntoAnotherFile() throws IOException {
        final byte[] content = randomBytes(random, 200_000);
        final Path source = fileWith("splice-in.bin", content);
        final Path target = fileWith("splice-out.bin", new byte[0]);
        final int in = fds.open(source, O_RDONLY);
        final int out = fds.open(target, O_WRONLY);
        final int[] pipe = fds.pipe();
        final int skip = 1000; // start past the beginning: the input offset is honoured
        long copied = skip;
        while (copied < content.length) {
            final int chunk = (int) Math.min(32 * 1024, content.length - copied);
            assertTrue(ring.sq().prepSplice(in, copied, pipe[1], -1, chunk, 0, 1));
            final int intoPipe = Completions.single(ring);
            assertTrue(intoPipe > 0, "file -> pipe: " + Errno.name(intoPipe));
            int drained = 0;
            while (drained < intoPipe) {
                assertTrue(ring.sq().prepSplice(pipe[0], -1, out, copied + drained - skip, intoPipe - drained, 0, 2));
                final int fromPipe = Completions.single(ring);
                assertTrue(fromPipe > 0, "pipe -> file: " + Errno.name(fromPipe));
                drained += fromPipe;
            }
            copied += intoPipe;
        }
        assertArrayEquals(slice(content, skip, content.length - skip), channelReadAll(target));
    }

    @Test
    void spliceOfAPipeWithAnOffsetIsRefused() throws IOException {
        final Path source = fileWith("s.bin", new byte[100]);
        final int in = fds.open(source, O_RDONLY);
        final int[] pipe = fds.pipe();
        assertTrue(ring.sq().prepSplice(in, 0, pipe[1], 5, 100, 0, 1));
        assertEquals(-Errno.ESPIPE, Completions.single(ring), "a pipe has no offset");
    }
}
