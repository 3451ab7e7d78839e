package io.uringactor.samples;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingExtension;
import io.uringactor.ring.ErrnoException;
import io.uringactor.ring.Statx;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.util.ByteString;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Sample 2: the ring from plain Java code through {@link RingClient}'s {@code CompletionStage}s. Writes
 * a file with many concurrent writes, reads it back, checks it, and shows a typed error.
 */
public final class FacadeSample {
    private FacadeSample() {
    }

    public static int run(String[] args, PrintStream out) throws Exception {
        final ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "facade-sample");
        final Path dir = Files.createTempDirectory("io-uring-facade");
        try {
            final RingClient ring = RingExtension.get(system).client();
            final Path path = dir.resolve("records.bin");
            final FileHandle file = ring.open(path, OpenOptions.readWrite().withCreate()).toCompletableFuture().join();

            // 1000 writes in flight at once: the ring actor batches them into a few io_uring_enter calls.
            final CompletableFuture<?>[] writes = new CompletableFuture<?>[1000];
            for (int i = 0; i < writes.length; i++) {
                final ByteString record = ByteString.fromString(String.format("record %06d\n", i));
                writes[i] = ring.write(file, i * 14L, record).toCompletableFuture();
            }
            CompletableFuture.allOf(writes).join();
            ring.fdatasync(file).toCompletableFuture().join();

            final Statx stat = ring.stat(file).toCompletableFuture().join();
            final ByteString last = ring.read(file, 999 * 14L, 14).toCompletableFuture().join();
            out.println("wrote " + stat.size() + " bytes; last record: " + last.utf8String().trim());
            if (!last.utf8String().equals("record 000999\n")) {
                out.println("unexpected content");
                return 1;
            }
            ring.close(file).toCompletableFuture().join();

            // Errors arrive as typed exceptions naming the errno and the op.
            final CompletionStage<FileHandle> missing = ring.open(dir.resolve("no-such-file"), OpenOptions.readOnly());
            try {
                missing.toCompletableFuture().join();
            } catch (CompletionException e) {
                final ErrnoException errno = (ErrnoException) e.getCause();
                out.println("opening a missing file fails with " + errno.errnoName() + ": " + errno.getMessage());
            }
            out.println(ring.stats().toCompletableFuture().join());
            return 0;
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().join();
            Samples.deleteRecursively(dir);
        }
    }
}
