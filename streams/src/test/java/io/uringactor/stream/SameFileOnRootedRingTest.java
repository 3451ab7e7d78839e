package io.uringactor.stream;

import static io.uringactor.stream.StreamTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.actor.RingActor;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingSettings;
import io.uringactor.stream.javadsl.CopySettings;
import io.uringactor.stream.javadsl.RingAttribute;
import io.uringactor.stream.javadsl.SameFileException;
import io.uringactor.stream.javadsl.UringFileIO;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.IOOperationIncompleteException;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.javadsl.Keep;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/**
 * On a ring with a root directory, a relative path names a file beneath the root, not in the JVM's working
 * directory: a writer refuses the file a reader on that ring has open, as the ring opened it, and leaves
 * it alone. The working directory has no file of that name, so a check of the JVM's view would see none.
 */
class SameFileOnRootedRingTest {
    /**
     * Larger than what a stage's async boundary buffers (16 chunks of 128 KiB) plus its reads in flight: a
     * reader of a smaller file can read it to its end and close it before the writer downstream opens its
     * target, and a closed reader protects nothing (see UringFileIO's "Writing safely").
     */
    private static final int SIZE = 8 << 20;
    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final ActorSystem<?> system = testKit.system();

    @TempDir
    Path dir;
    private Path root;
    private RingClient ring;
    /** A name no file in the working directory has. */
    private final Path name = Path.of("same-file-" + UUID.randomUUID() + ".bin");

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void rootedRing() throws IOException {
        root = Files.createDirectory(dir.resolve("root"));
        final RingSettings settings = RingSettings.create(system).withRootDirectory(root);
        ring = RingClient.create(testKit.spawn(RingActor.create(settings), "rooted-" + UUID.randomUUID(),
                RingActor.props(settings)), system);
        assertFalse(Files.exists(name), "the working directory has no " + name);
    }

    private static SameFileException refusal(CompletionStage<IOResult> result, String what) {
        final IOOperationIncompleteException incomplete = assertInstanceOf(IOOperationIncompleteException.class,
                failure(result), what);
        assertEquals(0, incomplete.count(), what);
        return assertInstanceOf(SameFileException.class, incomplete.getCause(), what);
    }

    @Test
    void aCopyOfAFileOntoItselfBeneathTheRootIsRefused() throws IOException {
        final Path file = randomFile(root.resolve(name), SIZE, 1);
        final String before = sha256(file);
        for (CopySettings settings : List.of(CopySettings.create(), CopySettings.create().withUseSplice(false))) {
            final SameFileException cause = refusal(UringFileIO.copy(system, name, name, settings, ring),
                    settings.toString());
            assertEquals(name.toString(), cause.getOtherFile());
            assertEquals(before, sha256(file), "the file beneath the root keeps its bytes: " + settings);
        }
    }

    @Test
    void fromPathIntoToPathOfTheSameFileBeneathTheRootIsRefused() throws IOException {
        final Path file = randomFile(root.resolve(name), SIZE, 2);
        final String before = sha256(file);
        final Pair<CompletionStage<IOResult>, CompletionStage<IOResult>> run = UringFileIO.fromPath(system, name)
                .withAttributes(RingAttribute.of(ring))
                .toMat(UringFileIO.toPath(system, name).withAttributes(RingAttribute.of(ring)), Keep.both())
                .run(system);
        final SameFileException cause = refusal(run.second(), "toPath");
        assertEquals(name.toString(), cause.getFile());
        assertEquals(name.toString(), cause.getOtherFile());
        await(run.first().handle((r, e) -> r)); // the source is cancelled; wait for its close
        assertEquals(before, sha256(file), "the file beneath the root keeps its bytes");
        assertFalse(Files.exists(name), "nothing was written in the working directory");
    }
}
