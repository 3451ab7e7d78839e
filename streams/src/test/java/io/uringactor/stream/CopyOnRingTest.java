package io.uringactor.stream;

import static io.uringactor.stream.StreamTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.actor.RingActor;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingSettings;
import io.uringactor.actor.RingStats;
import io.uringactor.ring.ErrnoException;
import io.uringactor.stream.javadsl.CopySettings;
import io.uringactor.stream.javadsl.UringFileIO;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.IOOperationIncompleteException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** {@link UringFileIO#copy} through a ring of the caller's choice: the ring's settings, its root included, apply. */
class CopyOnRingTest {
    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final ActorSystem<?> system = testKit.system();

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static RingClient ring(String name, RingSettings settings) {
        return RingClient.create(testKit.spawn(RingActor.create(settings), name, RingActor.props(settings)), system);
    }

    private static byte[] random(int size) {
        final byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    @Test
    void aCopyOnARingWithARootResolvesBeneathItAndCannotLeaveIt() throws IOException {
        final Path root = Files.createDirectory(dir.resolve("root"));
        final byte[] bytes = random(3 * 65536 + 17);
        Files.write(root.resolve("in.bin"), bytes);
        Files.write(dir.resolve("outside.bin"), bytes);
        final RingClient rooted = ring("rooted-copy-ring", RingSettings.create(system).withRootDirectory(root));
        final CopySettings settings = CopySettings.create().withChunkSize(65536).withSplicesInFlight(2);

        assertEquals(bytes.length, await(UringFileIO.copy(system, Path.of("in.bin"), Path.of("out.bin"), settings,
                rooted)).count());
        assertArrayEquals(bytes, Files.readAllBytes(root.resolve("out.bin")), "the copy is beneath the root");

        for (Path escape : new Path[] {Path.of("../outside.bin"), dir.resolve("outside.bin")}) {
            final IOOperationIncompleteException source = assertInstanceOf(IOOperationIncompleteException.class,
                    failure(UringFileIO.copy(system, escape, Path.of("copy.bin"), settings, rooted)));
            assertEquals("EXDEV", assertInstanceOf(ErrnoException.class, source.getCause()).errnoName(), escape + "");
            final IOOperationIncompleteException target = assertInstanceOf(IOOperationIncompleteException.class,
                    failure(UringFileIO.copy(system, Path.of("in.bin"), escape, settings, rooted)));
            assertEquals("EXDEV", assertInstanceOf(ErrnoException.class, target.getCause()).errnoName(), escape + "");
        }
        assertArrayEquals(bytes, Files.readAllBytes(dir.resolve("outside.bin")), "the file outside is untouched");
        assertFalse(Files.exists(root.resolve("copy.bin")));
    }

    @Test
    void theCopysRequestsGoToTheGivenRing() throws IOException, InterruptedException {
        final byte[] bytes = random(5 * 65536 + 3);
        final Path in = Files.write(dir.resolve("in.bin"), bytes);
        final RingClient own = ring("own-copy-ring", RingSettings.create(system));
        assertEquals(bytes.length, await(UringFileIO.copy(system, in, dir.resolve("out.bin"),
                CopySettings.create().withChunkSize(65536), own)).count());
        assertArrayEquals(bytes, Files.readAllBytes(dir.resolve("out.bin")));
        // open + stat of the source, the target's check (an open: ENOENT), open of the target, 6 CopyRange,
        // close of both
        final RingStats[] last = new RingStats[1];
        awaitCondition("the ring's counters", () -> (last[0] = await(own.stats())).completed() >= 12);
        assertEquals(12, last[0].completed(), last[0].toString());
    }
}
