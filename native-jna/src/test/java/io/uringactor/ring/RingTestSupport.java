package io.uringactor.ring;

import static io.uringactor.ring.IoUringConstants.*;
import static org.junit.jupiter.api.Assertions.*;

import com.sun.jna.Native;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Test helper for the op tests: fds (tracked, closed after each test), pipes, timespecs, iovecs, and
 * FileChannel reads used as the oracle.
 */
final class RingTestSupport implements AutoCloseable {
    private final List<Integer> fds = new ArrayList<>();

    /** Opens {@code path} with libc's open(2) and tracks the fd for {@link #close()}. */
    int open(Path path, int flags) {
        final int fd = LibC.open(path.toString(), flags | O_CLOEXEC, 0644);
        if (fd < 0) {
            throw new ErrnoException("open(" + path + ")", Native.getLastError());
        }
        return track(fd);
    }

    /** Tracks an fd that some op returned, so that it is closed after the test. */
    int track(int fd) {
        assertTrue(fd >= 0, "not an fd: " + fd + " (" + Errno.name(fd) + ")");
        fds.add(fd);
        return fd;
    }

    /** Forgets an fd that the test closed itself (so that a reused number is never closed twice). */
    void untrack(int fd) {
        fds.remove(Integer.valueOf(fd));
    }

    /** {@code pipe2(O_CLOEXEC)} through an {@code int[2]} in an AlignedBuffer: {read end, write end}. */
    int[] pipe() {
        final AlignedBuffer pair = AlignedBuffer.allocate(2 * Integer.BYTES, Integer.BYTES);
        if (LibC.pipe2(pair.address(), O_CLOEXEC) != 0) {
            throw new ErrnoException("pipe2", Native.getLastError());
        }
        return new int[] {track(pair.byteBuffer().getInt(0)), track(pair.byteBuffer().getInt(Integer.BYTES))};
    }

    /** Opens {@code path} through the ring ({@code openat} at AT_FDCWD); the fd, or {@code -errno}. */
    int openViaRing(IoUring ring, int dirfd, String path, int flags, int mode) {
        final AlignedBuffer name = AlignedBuffer.cString(path);
        assertTrue(ring.sq().prepOpenat(dirfd, name.address(), flags, mode, 0x0BE7));
        final int res = Completions.single(ring);
        keepAlive(name);
        if (res >= 0) {
            track(res);
        }
        return res;
    }

    @Override
    public void close() {
        for (int fd : fds) {
            LibC.close(fd);
        }
        fds.clear();
    }

    /** A {@code struct __kernel_timespec} for {@code millis}. */
    /**
     * The ring under test: io_uring's, or the user-space engine's ({@link IoUring#openInUserSpace}) where the
     * property {@code io-uring.test.engine} is {@code fallback}, as the pom's user-space-engine run sets it:
     * the same tests then hold the engine to the kernel's results.
     */
    static IoUring openRing(int entries) {
        return "fallback".equals(System.getProperty("io-uring.test.engine"))
                ? IoUring.openInUserSpace(RingOptions.create(entries), 4)
                : IoUring.open(entries);
    }

    static AlignedBuffer timespec(long millis) {
        final AlignedBuffer ts = AlignedBuffer.allocate(RingLayout.TIMESPEC_SIZE, Long.BYTES);
        ts.byteBuffer().putLong(0, millis / 1000);
        ts.byteBuffer().putLong(Long.BYTES, (millis % 1000) * 1_000_000L);
        return ts;
    }

    /** An array of {@code struct iovec}, one per buffer, each covering its whole capacity. */
    static AlignedBuffer iovecs(AlignedBuffer... buffers) {
        final AlignedBuffer iov = AlignedBuffer.allocate(buffers.length * RingLayout.IOVEC_SIZE, Long.BYTES);
        for (int i = 0; i < buffers.length; i++) {
            iov.byteBuffer().putLong(i * RingLayout.IOVEC_SIZE, buffers[i].address());
            iov.byteBuffer().putLong(i * RingLayout.IOVEC_SIZE + Long.BYTES, buffers[i].capacity());
        }
        return iov;
    }

    /**
     * Keeps memory the kernel read or wrote reachable up to this call, that is until its completion was
     * reaped: a direct buffer collected earlier could be freed under the kernel.
     */
    static void keepAlive(Object... memory) {
        java.lang.ref.Reference.reachabilityFence(memory);
    }

    static byte[] randomBytes(Random random, int n) {
        final byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }

    /** An AlignedBuffer holding {@code bytes}. */
    static AlignedBuffer bufferOf(byte[] bytes, int alignment) {
        final AlignedBuffer buffer = AlignedBuffer.allocate(bytes.length, alignment);
        buffer.byteBuffer().put(0, bytes);
        return buffer;
    }

    static byte[] bytes(AlignedBuffer buffer, int offset, int length) {
        final byte[] out = new byte[length];
        buffer.byteBuffer().get(offset, out);
        return out;
    }

    static byte[] bytes(AlignedBuffer buffer) {
        return bytes(buffer, 0, buffer.capacity());
    }

    /** The oracle: {@code length} bytes at {@code position}, read with a FileChannel (fewer at EOF). */
    static byte[] channelRead(Path path, long position, int length) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            final ByteBuffer dst = ByteBuffer.allocate(length);
            while (dst.hasRemaining()) {
                if (ch.read(dst, position + dst.position()) < 0) {
                    break;
                }
            }
            final byte[] out = new byte[dst.position()];
            dst.flip().get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] channelReadAll(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return channelRead(path, 0, Math.toIntExact(ch.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code bytes} at {@code position} with a FileChannel and forces them to disk. */
    static void channelWrite(Path path, long position, byte[] bytes) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.CREATE)) {
            final ByteBuffer src = ByteBuffer.wrap(bytes);
            while (src.hasRemaining()) {
                ch.write(src, position + src.position());
            }
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] slice(byte[] bytes, int from, int length) {
        final byte[] out = new byte[length];
        System.arraycopy(bytes, from, out, 0, length);
        return out;
    }
}
