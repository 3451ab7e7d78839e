package io.uringactor.stream;

import static io.uringactor.stream.StreamTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.ring.ErrnoException;
import io.uringactor.stream.javadsl.BlockWrite;
import io.uringactor.stream.javadsl.CopySettings;
import io.uringactor.stream.javadsl.ToPathSettings;
import io.uringactor.stream.javadsl.UringFileIO;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.IOOperationIncompleteException;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Check before you truncate: a copy whose source is missing, a directory or unreadable, and a sink or
 * block writer whose stream fails before its first element, leave an existing target as it was and
 * create none.
 */
class CheckBeforeTruncateTest {
    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final ActorSystem<?> system = testKit.system();
    private static final List<CopySettings> COPIES = List.of(CopySettings.create(),
            CopySettings.create().withUseSplice(false), CopySettings.create().withAtomicReplace(true),
            CopySettings.create().withUseSplice(false).withAtomicReplace(true));

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    /** For every kind of copy: fails with {@code errno}, an existing target keeps its bytes, a missing one stays missing. */
    private void assertCopyLeavesTargetsAlone(Path source, String errno) throws IOException {
        final Path existing = randomFile(dir.resolve("existing.bin"), 5000, 1);
        final String before = sha256(existing);
        final Path absent = dir.resolve("absent.bin");
        for (CopySettings settings : COPIES) {
            for (Path target : List.of(existing, absent)) {
                final Throwable failure = failure(UringFileIO.copy(system, source, target, settings));
                final IOOperationIncompleteException incomplete = assertInstanceOf(IOOperationIncompleteException.class,
                        failure, settings + " " + target);
                assertEquals(0, incomplete.count());
                final ErrnoException cause = assertInstanceOf(ErrnoException.class, incomplete.getCause());
                assertEquals(errno, cause.errnoName(), cause.getMessage());
            }
            assertEquals(before, sha256(existing), "the existing target is untouched: " + settings);
            assertFalse(Files.exists(absent), "no target is created: " + settings);
        }
        assertEquals(List.of(), tempFiles(dir));
    }

    @Test
    void copyOfAMissingSourceTouchesNoTarget() throws IOException {
        assertCopyLeavesTargetsAlone(dir.resolve("missing.bin"), "ENOENT");
    }

    @Test
    void copyOfADirectoryTouchesNoTarget() throws IOException {
        assertCopyLeavesTargetsAlone(Files.createDirectory(dir.resolve("a-directory")), "EISDIR");
    }

    @Test
    void copyOfAnUnreadableSourceTouchesNoTarget() throws IOException {
        final Path source = randomFile(dir.resolve("secret.bin"), 1000, 2);
        Files.setPosixFilePermissions(source, PosixFilePermissions.fromString("---------"));
        Assumptions.assumeFalse(Files.isReadable(source), "chmod has no effect here (running as root)");
        assertCopyLeavesTargetsAlone(source, "EACCES");
    }

    @Test
    void aStreamFailingBeforeItsFirstElementTouchesNoTarget() throws IOException {
        final Path existing = randomFile(dir.resolve("existing.bin"), 5000, 3);
        final String before = sha256(existing);
        final Path absent = dir.resolve("absent.bin");
        final IllegalStateException boom = new IllegalStateException("no data today");
        for (ToPathSettings settings : List.of(ToPathSettings.create(), ToPathSettings.create().withAtomicReplace(true),
                ToPathSettings.create().withDirect(true))) {
            for (Path target : List.of(existing, absent)) {
                final CompletionStage<IOResult> result = Source.<ByteString>failed(boom)
                        .runWith(UringFileIO.toPath(system, target, settings), system);
                final IOOperationIncompleteException incomplete = assertInstanceOf(IOOperationIncompleteException.class,
                        failure(result));
                assertEquals(0, incomplete.count());
                assertSame(boom, incomplete.getCause());
            }
            assertEquals(before, sha256(existing), "the existing target is untouched: " + settings);
            assertFalse(Files.exists(absent), "no target is created: " + settings);
        }
        assertEquals(List.of(), tempFiles(dir));
    }

    @Test
    void aBlockStreamFailingBeforeItsFirstWriteTouchesNoFile() {
        final Path absent = dir.resolve("absent.bin");
        final IllegalStateException boom = new IllegalStateException("no blocks today");
        final CompletionStage<IOResult> result = Source.<BlockWrite>failed(boom)
                .runWith(UringFileIO.blockWriteSink(system, absent), system);
        assertSame(boom, failure(result).getCause());
        assertFalse(Files.exists(absent), "no file is created");
    }

    @Test
    void anEmptyStreamStillCreatesOrTruncatesTheTarget() throws IOException {
        final Path existing = randomFile(dir.resolve("existing.bin"), 5000, 4);
        final Path absent = dir.resolve("absent.bin");
        for (Path target : List.of(existing, absent)) {
            assertEquals(0, await(Source.<ByteString>empty().runWith(UringFileIO.toPath(system, target), system)).count());
            assertEquals(0, Files.size(target), target.toString());
        }
        final Path blocks = dir.resolve("blocks.bin");
        assertEquals(0, await(Source.<BlockWrite>empty().runWith(UringFileIO.blockWriteSink(system, blocks), system)).count());
        assertTrue(Files.exists(blocks), "as FileIO.toPath does, an empty stream leaves an empty file");
    }
}
