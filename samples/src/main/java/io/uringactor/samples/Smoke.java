package io.uringactor.samples;

import io.uringactor.actor.BlockIo;
import io.uringactor.actor.FileHandle;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingActor;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingExtension;
import io.uringactor.actor.RingSettings;
import io.uringactor.ring.AlignedBuffer;
import io.uringactor.ring.ErrnoException;
import io.uringactor.stream.javadsl.UringFileIO;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.util.ByteString;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A smoke test of the library on the machine (or emulator) it runs on, as {@code Aarch64SmokeTest} runs it on an
 * arm64 JVM under qemu-user. In a temporary directory (beneath {@code args[0]} if given), with an actor system on the
 * default config (engine {@code auto}), it checks: the engine the ring extension's ring uses; open, write and read
 * through {@link RingClient}, compared byte for byte with what a {@link FileChannel} reads; an O_DIRECT block write
 * and read with {@link AlignedBuffer#forDirectIo}, compared the same way; a {@code UringFileIO.fromPath → toPath}
 * copy of a few MiB, compared with {@link Files#mismatch}; and a ring confined to a root directory, which must refuse
 * {@code ../outside.bin} and must either read {@code inside.bin} right or refuse it with {@code ENOSYS} (no
 * {@code openat2}, as under qemu-user: confinement then refuses every open, it never escapes). One line per check;
 * exits 1 at the first failure, saying why, 0 when all pass.
 */
public final class Smoke {
    private Smoke() {
    }

    public static void main(String[] args) throws Exception {
        org.slf4j.LoggerFactory.getLogger(Smoke.class); // logging before Pekko's, as Main does
        System.out.println("smoke: " + System.getProperty("os.arch") + ", Linux " + System.getProperty("os.version")
                + ", Java " + System.getProperty("java.runtime.version"));
        final Path dir = args.length > 0 ? Files.createTempDirectory(Path.of(args[0]), "io-uring-smoke")
                : Files.createTempDirectory("io-uring-smoke");
        final ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "smoke");
        int exitCode = 1;
        try {
            run(system, dir);
            System.out.println("smoke: all checks passed");
            exitCode = 0;
        } catch (IllegalStateException e) { // a check that failed
            System.out.println("FAIL: " + e.getMessage());
        } catch (Throwable e) { // an operation that failed: the reason, then the stack trace for the details
            System.out.println("FAIL: " + Samples.oneLine(e));
            e.printStackTrace();
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().join();
            Samples.deleteRecursively(dir);
        }
        System.exit(exitCode);
    }

    private static void run(ActorSystem<Void> system, Path dir) throws IOException {
        final RingClient ring = RingExtension.get(system).client();
        final String engine = ring.stats().toCompletableFuture().join().engine();
        check(!engine.isEmpty(), "the ring reports no engine");
        System.out.println("ok   engine: " + engine);

        final Path plain = dir.resolve("plain.bin");
        final byte[] data = random(100_003);
        final FileHandle file = ring.open(plain, OpenOptions.readWrite().withCreate()).toCompletableFuture().join();
        final int written = ring.write(file, 0, ByteString.fromArray(data)).toCompletableFuture().join();
        final byte[] back = ring.read(file, 0, data.length + 10).toCompletableFuture().join().toArray();
        ring.close(file).toCompletableFuture().join();
        check(written == data.length, "RingClient wrote " + written + " of " + data.length + " bytes");
        check(Arrays.equals(back, data), "RingClient read back " + back.length + " bytes that differ from those written");
        check(Arrays.equals(channelRead(plain, 0, data.length + 10), data), "FileChannel reads other bytes than RingClient wrote");
        System.out.println("ok   RingClient open/write/read: " + data.length + " bytes, same as FileChannel reads");

        final Path direct = dir.resolve("direct.bin");
        final AlignedBuffer out = AlignedBuffer.forDirectIo(dir, 1 << 16);
        final AlignedBuffer in = AlignedBuffer.forDirectIo(dir, 1 << 16);
        final byte[] block = random(out.capacity());
        out.byteBuffer().put(block);
        final long offset = out.capacity(); // the second block: an aligned offset that is not 0
        final FileHandle dfile = ring.open(direct, OpenOptions.readWrite().withCreate().withDirect()).toCompletableFuture().join();
        final BlockIo w = ring.writeBlock(dfile, offset, out).toCompletableFuture().join();
        final BlockIo r = ring.readBlock(dfile, offset, in).toCompletableFuture().join();
        ring.close(dfile).toCompletableFuture().join();
        final byte[] blockBack = new byte[r.bytes()];
        r.buffer().byteBuffer().get(0, blockBack);
        check(w.bytes() == block.length, "O_DIRECT writeBlock wrote " + w.bytes() + " of " + block.length + " bytes");
        check(Arrays.equals(blockBack, block), "O_DIRECT readBlock read " + r.bytes() + " bytes that differ from those written");
        check(Arrays.equals(channelRead(direct, offset, block.length), block), "FileChannel reads other bytes than the O_DIRECT write");
        System.out.println("ok   O_DIRECT block write/read: " + block.length + " bytes at offset " + offset
                + ", alignment " + out.alignment() + ", same as FileChannel reads");

        final Path source = dir.resolve("source.bin");
        final Path copy = dir.resolve("copy.bin");
        Files.write(source, random((3 << 20) + 12_345));
        final IOResult copied = UringFileIO.fromPath(source).runWith(UringFileIO.toPath(copy), system)
                .toCompletableFuture().join();
        check(copied.count() == Files.size(source), "the stream copied " + copied.count() + " of " + Files.size(source) + " bytes");
        check(Files.mismatch(source, copy) == -1, "the copy differs from its source at byte " + Files.mismatch(source, copy));
        System.out.println("ok   stream copy UringFileIO.fromPath -> toPath: " + copied.count() + " bytes, no mismatch");

        final Path root = Files.createDirectory(dir.resolve("root"));
        final byte[] inside = random(1000);
        Files.write(root.resolve("inside.bin"), inside);
        Files.write(dir.resolve("outside.bin"), random(1000));
        final RingSettings confined = RingSettings.create(system).withRootDirectory(root);
        final ActorRef<RingCommand> ref = system.systemActorOf(RingActor.create(confined), "confined", RingActor.props(confined));
        final RingClient jail = RingClient.create(ref, system);
        try {
            jail.open(Path.of("../outside.bin"), OpenOptions.readOnly()).toCompletableFuture().join();
            check(false, "the confined ring opened ../outside.bin: it escaped its root");
        } catch (CompletionException e) {
            System.out.println("ok   confined ring refuses ../outside.bin: " + e.getCause());
        }
        try {
            final FileHandle in2 = jail.open(Path.of("inside.bin"), OpenOptions.readOnly()).toCompletableFuture().join();
            final byte[] read = jail.read(in2, 0, 2000).toCompletableFuture().join().toArray();
            check(Arrays.equals(read, inside), "the confined ring read other bytes from inside.bin");
            System.out.println("ok   confined ring opens and reads inside.bin: " + read.length + " bytes");
        } catch (CompletionException e) {
            check(e.getCause() instanceof ErrnoException && ((ErrnoException) e.getCause()).errnoName().equals("ENOSYS"),
                    "the confined ring cannot open inside.bin: " + e.getCause());
            System.out.println("ok   confined ring refuses inside.bin too, ENOSYS (no openat2 here, e.g. qemu-user): " + e.getCause());
        }
    }

    private static void check(boolean passed, String failure) {
        if (!passed) {
            throw new IllegalStateException(failure);
        }
    }

    private static byte[] random(int n) {
        final byte[] bytes = new byte[n];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    /** Up to {@code length} bytes at {@code offset}, read through a plain FileChannel (not the ring). */
    private static byte[] channelRead(Path path, long offset, int length) throws IOException {
        try (FileChannel channel = FileChannel.open(path)) {
            final ByteBuffer buffer = ByteBuffer.allocate(length);
            while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) >= 0) {
                // until full or at the end of the file
            }
            return Arrays.copyOf(buffer.array(), buffer.position());
        }
    }
}
