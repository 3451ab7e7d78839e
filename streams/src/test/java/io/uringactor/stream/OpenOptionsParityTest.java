package io.uringactor.stream;

import static io.uringactor.stream.StreamTestSupport.*;
import static java.nio.file.StandardOpenOption.*;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingExtension;
import io.uringactor.ring.ErrnoException;
import io.uringactor.stream.javadsl.BlockWriteSettings;
import io.uringactor.stream.javadsl.ToPathSettings;
import io.uringactor.stream.javadsl.UringFileIO;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.IOOperationIncompleteException;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Open options are mapped as {@code FileChannel.open} maps them, with the JDK as the oracle: every
 * combination of READ, WRITE, APPEND, CREATE, CREATE_NEW and TRUNCATE_EXISTING, on an existing file and
 * on a missing one, through {@code FileIO.toPath} beside {@code UringFileIO.toPath}, and through
 * {@code FileChannel.open} beside {@link RingClient#open}. Where the JDK refuses or fails without touching
 * the file, so does the ring; a writer refuses a set that does not write before anything is opened.
 */
class OpenOptionsParityTest {
    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final ActorSystem<?> system = testKit.system();
    private static final List<StandardOpenOption> OPTIONS = List.of(READ, WRITE, APPEND, CREATE, CREATE_NEW,
            TRUNCATE_EXISTING);
    private static final String OLD = "old content";

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    /** Every subset of {@link #OPTIONS}. */
    private static List<Set<OpenOption>> everySet() {
        final List<Set<OpenOption>> sets = new ArrayList<>();
        for (int bits = 0; bits < 1 << OPTIONS.size(); bits++) {
            final Set<OpenOption> set = new LinkedHashSet<>();
            for (int i = 0; i < OPTIONS.size(); i++) {
                if ((bits & 1 << i) != 0) {
                    set.add(OPTIONS.get(i));
                }
            }
            sets.add(set);
        }
        return sets;
    }

    /** A file holding {@link #OLD}, or none. */
    private Path file(String name, boolean existing) throws IOException {
        final Path path = dir.resolve(name);
        return existing ? Files.writeString(path, OLD) : path;
    }

    /** The file's content, or empty when it does not exist. */
    private static Optional<String> content(Path path) throws IOException {
        return Files.exists(path) ? Optional.of(Files.readString(path)) : Optional.empty();
    }

    /** How a sink's run ended: its count on success, else the cause of its failure. */
    private record Outcome(Long count, Throwable cause) {
        static Outcome of(java.util.concurrent.CompletionStage<IOResult> result) {
            try {
                return new Outcome(await(result).count(), null);
            } catch (RuntimeException e) {
                final Throwable failure = e.getCause() != null ? e.getCause() : e;
                return new Outcome(null, failure instanceof IOOperationIncompleteException && failure.getCause() != null
                        ? failure.getCause() : failure);
            }
        }
    }

    @Test
    void toPathDoesWhatFileIODoesOrRefusesEarlierLeavingTheFileAlone() throws IOException {
        int n = 0;
        final List<String> refusedByBoth = new ArrayList<>();
        for (Set<OpenOption> set : everySet()) {
            for (boolean existing : new boolean[] {true, false}) {
                final String what = set + (existing ? " on an existing file" : " on a missing file");
                final Path pekkoFile = file("pekko-" + n, existing);
                final Path uringFile = file("uring-" + n, existing);
                n++;
                final Outcome pekko = Outcome.of(Source.single(ByteString.fromString("x"))
                        .runWith(FileIO.toPath(pekkoFile, set), system));
                final ToPathSettings settings;
                try {
                    settings = ToPathSettings.create().withOptions(set);
                } catch (IllegalArgumentException refused) {
                    assertNotNull(pekko.cause(), what + ": refused, but FileIO wrote " + content(pekkoFile));
                    assertEquals(existing ? Optional.of(OLD) : Optional.empty(), content(pekkoFile),
                            what + ": FileIO failed without touching the file");
                    assertEquals(existing ? Optional.of(OLD) : Optional.empty(), content(uringFile), what);
                    if (pekko.cause() instanceof IllegalArgumentException) {
                        assertEquals(pekko.cause().getMessage(), refused.getMessage(), what + ": the JDK's words");
                    } else {
                        // FileIO opens such a set read-only and fails at the first write (or at the open of a
                        // missing file): the settings refuse it outright, naming why.
                        assertFalse(set.contains(WRITE) || set.contains(APPEND), what);
                        assertTrue(refused.getMessage().contains("add WRITE"), refused.getMessage());
                    }
                    refusedByBoth.add(what);
                    continue;
                }
                assertFalse(pekko.cause() instanceof IllegalArgumentException,
                        what + ": FileIO refused it, the settings took it: " + pekko.cause());
                final Outcome uring = Outcome.of(Source.single(ByteString.fromString("x"))
                        .runWith(UringFileIO.toPath(uringFile, settings), system));
                assertEquals(content(pekkoFile), content(uringFile), what + ": the file after " + pekko + " / " + uring);
                assertEquals(pekko.count(), uring.count(), what + ": " + pekko + " / " + uring);
                if (pekko.cause() != null) {
                    // CREATE_NEW on an existing file, or a missing file without CREATE.
                    assertInstanceOf(ErrnoException.class, uring.cause(), what);
                    assertEquals(pekko.cause() instanceof java.nio.file.FileAlreadyExistsException ? "EEXIST" : "ENOENT",
                            ((ErrnoException) uring.cause()).errnoName(), what);
                }
            }
        }
        // 16 sets without WRITE or APPEND, 16 with READ + APPEND, 8 more with APPEND + TRUNCATE_EXISTING
        // (without READ): 40 sets, on both kinds of file.
        assertEquals(2 * 40, refusedByBoth.size(), String.valueOf(refusedByBoth));
    }

    @Test
    void theBlockWriterRefusesASetThatDoesNotWrite() {
        for (Set<OpenOption> set : everySet()) {
            if (set.contains(APPEND)) {
                continue; // refused for a reason of its own: a block write has an offset
            }
            if (set.contains(WRITE)) {
                assertEquals(set, BlockWriteSettings.create().withOptions(set).options());
            } else {
                final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> BlockWriteSettings.create().withOptions(set), set.toString());
                assertTrue(e.getMessage().contains("add WRITE"), e.getMessage());
            }
        }
    }

    /**
     * {@link OpenOptions#of} through the ring against {@code FileChannel.open}: the same refusals, the
     * same failures, the same access (a read and a write are tried through each), the same file after.
     */
    @Test
    void ringOpenOfMappedOptionsBehavesAsFileChannelOpen() throws IOException {
        final RingClient ring = RingExtension.get(system).client();
        int n = 0;
        for (Set<OpenOption> set : everySet()) {
            for (boolean existing : new boolean[] {true, false}) {
                final String what = set + (existing ? " on an existing file" : " on a missing file");
                final Path jdkFile = file("jdk-" + n, existing);
                final Path ringFile = file("ring-" + n, existing);
                n++;
                String jdk;
                try (FileChannel channel = FileChannel.open(jdkFile, set)) {
                    jdk = access(channel);
                } catch (IllegalArgumentException e) {
                    jdk = "refused: " + e.getMessage();
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    jdk = "EEXIST";
                } catch (java.nio.file.NoSuchFileException e) {
                    jdk = "ENOENT";
                }
                String uring;
                try {
                    final OpenOptions options = OpenOptions.of(set);
                    try {
                        final FileHandle handle = await(ring.open(ringFile, options));
                        uring = access(ring, handle);
                        await(ring.close(handle));
                    } catch (RuntimeException e) {
                        uring = e.getCause() instanceof ErrnoException errno ? errno.errnoName() : e.toString();
                    }
                } catch (IllegalArgumentException e) {
                    uring = "refused: " + e.getMessage();
                }
                assertEquals(jdk, uring, what);
                assertEquals(content(jdkFile), content(ringFile), what + ": the file after");
            }
        }
    }

    /** Reads a byte at 0, then writes "Z" at 0: which of the two the channel allowed. */
    private static String access(FileChannel channel) throws IOException {
        String access;
        try {
            channel.read(ByteBuffer.allocate(1), 0);
            access = "read";
        } catch (java.nio.channels.NonReadableChannelException e) {
            access = "-";
        }
        try {
            channel.write(ByteBuffer.wrap("Z".getBytes(StandardCharsets.US_ASCII)), 0);
            access += " write";
        } catch (java.nio.channels.NonWritableChannelException e) {
            access += " -";
        }
        return access;
    }

    /** As {@link #access(FileChannel)}, through the ring ({@code EBADF} where the descriptor does not allow it). */
    private static String access(RingClient ring, FileHandle handle) {
        String access;
        try {
            await(ring.read(handle, 0, 1));
            access = "read";
        } catch (RuntimeException e) {
            assertEquals("EBADF", ((ErrnoException) e.getCause()).errnoName());
            access = "-";
        }
        try {
            await(ring.write(handle, 0, ByteString.fromString("Z")));
            access += " write";
        } catch (RuntimeException e) {
            assertEquals("EBADF", ((ErrnoException) e.getCause()).errnoName());
            access += " -";
        }
        return access;
    }

    @Test
    void optionsThatWouldTruncateOrCreateThroughAReadOnlyOpenAreRefused() throws IOException {
        final Path existing = file("kept", true);
        assertThrows(IllegalArgumentException.class, () -> OpenOptions.readOnly().withTruncate());
        assertThrows(IllegalArgumentException.class, () -> OpenOptions.readOnly().withCreate());
        assertThrows(IllegalArgumentException.class, () -> OpenOptions.readOnly().withCreateNew());
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new OpenOptions(true, false, false, false, true, false, false, false));
        assertTrue(e.getMessage().contains("O_RDONLY|O_TRUNC"), e.getMessage());
        assertEquals(Optional.of(OLD), content(existing));
        assertThrows(UnsupportedOperationException.class, () -> OpenOptions.of(Set.of(WRITE, DELETE_ON_CLOSE)));
        assertThrows(UnsupportedOperationException.class,
                () -> OpenOptions.of(Set.of(WRITE, java.nio.file.LinkOption.NOFOLLOW_LINKS)));
        assertEquals(OpenOptions.writeOnly(), OpenOptions.of(Set.of(WRITE, SPARSE)), "a hint, ignored as on Linux");
    }
}
