package io.uringactor.actor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The ring a test talks to, and the setup the actor tests share: spawning rings, files of random bytes and
 * what FileChannel reads from them, FIFOs, and the process' open fds.
 *
 * <p>{@link #spawn} gives one ring actor, or, when the build runs the suite with {@code -Dio-uring.test.rings=N}
 * (N > 1), a {@link RingGroup} of N rings. Then {@link Spawned#ref()} is the group's last ring while the client
 * opens files on the rings in turn, so raw commands on a handle from the client mostly go to a ring that did not
 * open the file: every such test also checks the group's sharing. {@link #spawnOne} always gives one ring.
 */
final class TestRings {
    /** Rings per spawned ring under test. */
    static final int RINGS = Integer.getInteger("io-uring.test.rings", 1);

    private TestRings() {
    }

    /** What a test got: the ring actor to tell, a client, and the group (null for one ring). */
    record Spawned(ActorRef<RingCommand> ref, RingClient client, RingGroup group) {
    }

    static Spawned spawn(ActorTestKit kit, String name, RingSettings settings, Duration askTimeout) {
        if (RINGS == 1) {
            return spawnOne(kit, name, settings, askTimeout);
        }
        final RingGroup group = RingGroup.spawn(kit.system(), name, settings, RINGS);
        return new Spawned(group.ring(RINGS - 1), group.client(), group);
    }

    /** One ring actor on its own loop ({@link RingActor#props}), whatever {@link #RINGS} says, and its client. */
    static Spawned spawnOne(ActorTestKit kit, String name, RingSettings settings, Duration askTimeout) {
        final ActorRef<RingCommand> ref = kit.spawn(RingActor.create(settings), name, RingActor.props(settings));
        return new Spawned(ref, RingClient.create(ref, kit.system(), askTimeout), null);
    }

    /** The ring actor alone: one ring, or the last ring of a new group. */
    static ActorRef<RingCommand> spawnRef(ActorTestKit kit, String name, RingSettings settings) {
        return spawn(kit, name, settings, Duration.ofSeconds(30)).ref();
    }

    /** The stage's value, waiting as long as it takes. */
    static <T> T await(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    /** The exception the stage fails with; an assertion error if it succeeds. */
    static Throwable failure(CompletionStage<?> stage) {
        return assertThrows(CompletionException.class, () -> stage.toCompletableFuture().join()).getCause();
    }

    /** {@code n} random bytes from {@code seed}. */
    static byte[] randomBytes(int n, long seed) {
        final byte[] bytes = new byte[n];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** A file {@code name} in {@code dir} of {@code size} random bytes from {@code seed}. */
    static Path randomFile(Path dir, String name, int size, long seed) throws IOException {
        return Files.write(dir.resolve(name), randomBytes(size, seed));
    }

    /** What FileChannel reads at {@code offset}: up to {@code length} bytes, fewer at the end of the file. */
    static byte[] oracleRead(Path path, long offset, int length) throws IOException {
        try (FileChannel ch = FileChannel.open(path)) {
            final ByteBuffer b = ByteBuffer.allocate(length);
            while (b.hasRemaining() && ch.read(b, offset + b.position()) > 0) {
                // read until EOF or full
            }
            return Arrays.copyOf(b.array(), b.position());
        }
    }

    /** A new FIFO {@code name} in {@code dir}; opened read-write, its reads wait for data nobody writes. */
    static Path fifo(Path dir, String name) throws IOException, InterruptedException {
        final Path fifo = dir.resolve(name);
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor(), "mkfifo " + fifo);
        return fifo;
    }

    /**
     * The fds this library can leak: rings and files under the tests' temporary directories, and pipes too when
     * {@code pipes}. (The JVM, and the rings of other tests stopping on their own loops, open and close other fds
     * meanwhile, which would make a plain count flaky.)
     */
    static int openFds(boolean pipes) {
        int count = 0;
        for (File fd : Objects.requireNonNull(new File("/proc/self/fd").listFiles())) {
            try {
                final String target = Files.readSymbolicLink(fd.toPath()).toString();
                if (target.contains("io_uring") || target.contains("junit") || pipes && target.startsWith("pipe:")) {
                    count++;
                }
            } catch (IOException e) {
                // closed while listing
            }
        }
        return count;
    }

    /** What the open fds point at, for failure messages. */
    static String describeFds() {
        final StringBuilder sb = new StringBuilder();
        for (File fd : Objects.requireNonNull(new File("/proc/self/fd").listFiles())) {
            try {
                sb.append(fd.getName()).append("->").append(Files.readSymbolicLink(fd.toPath())).append(' ');
            } catch (IOException e) {
                sb.append(fd.getName()).append("->? ");
            }
        }
        return sb.toString();
    }
}
