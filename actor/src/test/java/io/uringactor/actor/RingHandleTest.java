package io.uringactor.actor;

import static org.junit.jupiter.api.Assertions.*;

import org.apache.pekko.Done;
import org.apache.pekko.actor.InvalidActorNameException;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/** A ring started outside any actor: it serves, and it stops gracefully or at once, answering what is in flight. */
class RingHandleTest {
    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final ActorSystem<?> system = testKit.system();

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private FileHandle silentFifo(RingClient client, String name) throws Exception {
        return client.open(TestRings.fifo(dir, name), OpenOptions.readWrite()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aSpawnedRingServesAndStopsGracefully() throws Exception {
        final RingHandle disk = RingActor.spawn(system, "handle-disk",
                RingSettings.create(system).withStopTimeout(Duration.ofMillis(300)));
        final Path path = dir.resolve("data.bin");
        final FileHandle file = disk.client().open(path, OpenOptions.readWrite().withCreate()).toCompletableFuture().join();
        assertEquals(5, disk.client().write(file, 0, ByteString.fromString("hello")).toCompletableFuture().join());
        try (FileChannel oracle = FileChannel.open(path)) {
            final ByteBuffer bytes = ByteBuffer.allocate(5);
            oracle.read(bytes, 0);
            assertEquals("hello", new String(bytes.array()), "as a FileChannel reads it");
        }
        final CompletableFuture<ByteString> stuck = disk.client().read(silentFifo(disk.client(), "graceful"), 0, 8)
                .toCompletableFuture();
        assertEquals(Done.getInstance(), disk.stop().toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertInstanceOf(RingStoppedException.class, assertThrows(CompletionException.class, stuck::join).getCause(),
                "the read in flight was answered once stop-timeout passed");
        assertInstanceOf(RingStoppedException.class, assertThrows(CompletionException.class,
                () -> disk.client().read(file, 0, 5).toCompletableFuture().join()).getCause(), "a stopped ring refuses");
    }

    @Test
    void stopNowAnswersWhatIsInFlightAtOnce() throws Exception {
        final RingHandle disk = RingActor.spawn(system, "handle-abrupt", RingSettings.create(system));
        final CompletableFuture<ByteString> stuck = disk.client().read(silentFifo(disk.client(), "abrupt"), 0, 8)
                .toCompletableFuture();
        // the default stop-timeout is 10 s: at once means well before it
        assertEquals(Done.getInstance(), disk.stopNow().toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertInstanceOf(RingStoppedException.class, assertThrows(CompletionException.class, stuck::join).getCause());
    }

    @Test
    void aTakenNameIsRefused() {
        final RingHandle first = RingActor.spawn(system, "handle-twice", RingSettings.create(system));
        try {
            assertThrows(InvalidActorNameException.class,
                    () -> RingActor.spawn(system, "handle-twice", RingSettings.create(system)));
        } finally {
            first.stopNow().toCompletableFuture().join();
        }
    }
}
