package docs.javadsl;

import static org.junit.jupiter.api.Assertions.*;

// #imports
import io.uringactor.stream.javadsl.BlockRead;
import io.uringactor.stream.javadsl.BlockWrite;
import io.uringactor.stream.javadsl.CopySettings;
import io.uringactor.stream.javadsl.FromPathSettings;
import io.uringactor.stream.javadsl.SameFileException;
import io.uringactor.stream.javadsl.ToPathSettings;
import io.uringactor.stream.javadsl.UringFileIO;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.IOOperationIncompleteException;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Framing;
import org.apache.pekko.stream.javadsl.FramingTruncation;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionStage;
// #imports

import io.uringactor.actor.RingActor;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingSettings;
import io.uringactor.ring.ErrnoException;
import io.uringactor.stream.javadsl.RingAttribute;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Typical use of {@link UringFileIO}, as it would be written in an application: the snippets of README.md and
 * docs/streams.md (DocsSnippetsTest checks they are copied verbatim).
 */
class UringFileIODocTest {
    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final ActorSystem<?> system = testKit.system();

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void streamCopyAndBlocks() throws Exception {
        final Path in = Files.write(dir.resolve("in.bin"), new byte[300 * 1024]);
        final Path out = dir.resolve("out.bin");
        final Path backup = dir.resolve("backup.bin");

        // #streams
        CompletionStage<IOResult> written = UringFileIO.fromPath(in)                 // 128 KiB chunks, 4 reads ahead
                .runWith(UringFileIO.toPath(out, ToPathSettings.create().withFsyncAtEnd(true)), system);
        CompletionStage<IOResult> copied = UringFileIO.copy(system, in, backup);     // splice file -> pipe -> file
        Flow<Long, BlockRead, CompletionStage<IOResult>> blocks = UringFileIO.blockReader(in, 4096);
        // #streams

        assertEquals(300 * 1024, await(written).count());
        assertEquals(300 * 1024, await(copied).count());
        assertEquals(List.of(4096, 4096), await(Source.from(List.of(0L, 8192L)).via(blocks)
                .map(block -> block.data().size()).runWith(Sink.seq(), system)));
    }

    @Test
    void readLinesAndWriteAReport() throws Exception {
        final Path log = Files.writeString(dir.resolve("access.log"), "GET /a\nPOST /b\nGET /c\n");
        final Path report = dir.resolve("report.txt");

        // #read-transform-write
        CompletionStage<IOResult> written = UringFileIO.fromPath(log)
                .via(Framing.delimiter(ByteString.fromString("\n"), 8192, FramingTruncation.ALLOW))
                .map(ByteString::utf8String)
                .filter(line -> line.startsWith("GET "))
                .map(line -> ByteString.fromString(line.substring(4) + "\n"))
                .runWith(UringFileIO.toPath(report), system);
        // #read-transform-write

        assertEquals(6, await(written).count());
        assertEquals("/a\n/c\n", Files.readString(report));
    }

    @Test
    void replaceAConfigFileAtomically() throws Exception {
        final Path config = Files.writeString(dir.resolve("app.conf"), "threads = 2\n");
        final Path backup = dir.resolve("app.conf.bak");

        // #atomic-replace
        // Readers of app.conf see the old file or the complete new one, never a half-written one,
        // even after a crash: the bytes go to a hidden file beside it, fsynced and renamed over it.
        CompletionStage<IOResult> replaced = Source.single(ByteString.fromString("threads = 8\n"))
                .runWith(UringFileIO.toPath(config, ToPathSettings.create().withAtomicReplace(true)), system);
        CompletionStage<IOResult> copied = replaced.thenCompose(done -> UringFileIO.copy(system, config, backup,
                CopySettings.create().withAtomicReplace(true)));
        // #atomic-replace

        assertEquals(12, await(replaced).count());
        assertEquals(12, await(copied).count());
        assertEquals("threads = 8\n", Files.readString(backup));
    }

    @Test
    void copyingAFileOntoItselfIsRefused() throws Exception {
        final Path file = Files.writeString(dir.resolve("notes.txt"), "keep me\n");

        // #same-file
        CompletionStage<IOResult> copied = UringFileIO.copy(system, file, dir.resolve(".").resolve("notes.txt"));
        copied.whenComplete((result, failure) -> {
            // IOOperationIncompleteException(0, SameFileException): the file was not touched
            if (failure != null && failure.getCause() instanceof SameFileException sameFile) {
                // "<file> -> <other file>: source and target are the same file (device ..., inode ...)"
                system.log().warn("not copied: {}", sameFile.getMessage());
            }
        });
        // #same-file

        final Exception failure = assertThrows(Exception.class, () -> await(copied));
        assertInstanceOf(IOOperationIncompleteException.class, failure.getCause());
        assertInstanceOf(SameFileException.class, failure.getCause().getCause());
        assertEquals("keep me\n", Files.readString(file));
    }

    @Test
    void tuneReadAheadDirectIoAndDurability() throws Exception {
        final Path input = Files.write(dir.resolve("input.bin"), new byte[3 << 20]);
        final Path output = dir.resolve("output.bin");

        // #settings
        FromPathSettings read = FromPathSettings.create()
                .withChunkSize(1 << 20)      // 1 MiB per read and per element
                .withReadsInFlight(8)        // read 8 chunks ahead
                .withDirect(true);           // O_DIRECT: bypass the page cache
        ToPathSettings write = ToPathSettings.create()
                .withWritesInFlight(4)
                .withFsyncAtEnd(true);       // the result completes once the data is on disk
        CompletionStage<IOResult> done = UringFileIO.fromPath(input, read)
                .runWith(UringFileIO.toPath(output, write), system);
        // #settings

        assertEquals(3 << 20, await(done).count());
    }

    @Test
    void settingsFromTheConfiguration() throws Exception {
        final ActorTestKit configured = ActorTestKit.create("UringFileIODocConfigured",
                com.typesafe.config.ConfigFactory.parseString(
                        // #configured-conf
                        "io-uring-actor.stream.from-path {\n"
                                + "  chunk-size = 1 MiB\n"
                                + "  reads-in-flight = 8\n"
                                + "}\n"
                        // #configured-conf
                ).withFallback(com.typesafe.config.ConfigFactory.load()));
        try {
            final ActorSystem<?> system = configured.system();
            final Path input = Files.write(dir.resolve("input.bin"), new byte[3 << 20]);
            final Path output = dir.resolve("output.bin");

            // #configured
            // No settings: the stage reads them from the materializer's system, here 1 MiB chunks, 8 ahead.
            CompletionStage<List<Integer>> sizes = UringFileIO.fromPath(input)
                    .map(ByteString::size)
                    .runWith(Sink.seq(), system);
            // From the configuration, changed in code.
            FromPathSettings direct = FromPathSettings.create(system).withDirect(true);
            CompletionStage<IOResult> done = UringFileIO.fromPath(input, direct)
                    .runWith(UringFileIO.toPath(output), system);
            // #configured

            assertEquals(List.of(1 << 20, 1 << 20, 1 << 20), await(sizes));
            assertEquals(3 << 20, await(done).count());
        } finally {
            configured.shutdownTestKit();
        }
    }

    @Test
    void appendToALog() throws Exception {
        final Path log = dir.resolve("app.log");

        // #append
        Sink<ByteString, CompletionStage<IOResult>> appender = UringFileIO.toPath(log,
                ToPathSettings.create().withOptions(Set.of(StandardOpenOption.CREATE, StandardOpenOption.APPEND)));
        await(Source.single(ByteString.fromString("started\n")).runWith(appender, system));
        await(Source.single(ByteString.fromString("stopped\n")).runWith(appender, system));
        // #append

        assertEquals("started\nstopped\n", Files.readString(log));
    }

    @Test
    void copyAFileInTheKernel() throws Exception {
        final Path source = Files.write(dir.resolve("big.bin"), new byte[5 << 20]);
        final Path target = dir.resolve("big-copy.bin");

        // #copy
        CompletionStage<IOResult> copied = UringFileIO.copy(system, source, target);
        copied.thenAccept(result -> system.log().info("copied {} bytes", result.count()));
        // #copy

        assertEquals(5 << 20, await(copied).count());
    }

    /**
     * The code of docs/cluster.md's remote streams; here node A's ring is a rooted ring of this system, which
     * takes the same path through the stages (RemoteStreamsTest runs it across two nodes over Artery).
     */
    @Test
    void streamAnotherNodesFiles() throws Exception {
        final Path rootOfA = Files.createDirectories(dir.resolve("node-a"));
        Files.createDirectories(rootOfA.resolve("logs"));
        Files.writeString(rootOfA.resolve("logs/app.log"), "a log line\n");
        final Path backup = Files.createDirectories(dir.resolve("backup"));
        final Path input = Files.writeString(dir.resolve("in.bin"), "data for A\n");
        final RingSettings rooted = RingSettings.create(system).withRootDirectory(rootOfA)
                .withRegisterWithReceptionist(false);
        final ActorRef<RingCommand> ringOfA = testKit.spawn(RingActor.create(rooted), RingActor.props(rooted));

        // #remote-streams
        RingClient diskOfA = RingClient.create(ringOfA, system, Duration.ofSeconds(20)); // found with the Receptionist
        // A's file to this node's disk
        CompletionStage<IOResult> fetched = UringFileIO.fromPath(Path.of("logs/app.log"))
                .withAttributes(RingAttribute.of(diskOfA))
                .runWith(UringFileIO.toPath(backup.resolve("app.log")), system);
        // this node's file to A's disk, written in place beneath A's root
        CompletionStage<IOResult> sent = UringFileIO.fromPath(input)
                .runWith(UringFileIO.toPath(Path.of("in.bin")).withAttributes(RingAttribute.of(diskOfA)), system);
        // #remote-streams

        assertEquals(11, await(fetched).count());
        assertEquals("a log line\n", Files.readString(backup.resolve("app.log")));
        assertEquals(11, await(sent).count());
        assertEquals("data for A\n", Files.readString(rootOfA.resolve("in.bin")));
    }

    @Test
    void readAndWriteBlocks() throws Exception {
        final Path index = Files.write(dir.resolve("index.db"), new byte[64 * 4096]);

        // #blocks
        // update two pages, then read them back
        List<BlockWrite> updates = List.of(
                new BlockWrite(3 * 4096, ByteString.fromString("page three")),
                new BlockWrite(7 * 4096, ByteString.fromString("page seven")));
        CompletionStage<List<BlockRead>> pages = Source.from(updates)
                .runWith(UringFileIO.blockWriteSink(index), system)
                .thenCompose(written -> Source.from(List.of(3 * 4096L, 7 * 4096L))
                        .via(UringFileIO.blockReader(index, 4096))
                        .runWith(Sink.seq(), system));
        // #blocks

        final List<BlockRead> read = await(pages);
        assertEquals("page three", read.get(0).data().take(10).utf8String());
        assertEquals("page seven", read.get(1).data().take(10).utf8String());
        assertEquals(4096, read.get(1).data().size());
    }

    @Test
    void handleErrors() throws Exception {
        final Path missing = dir.resolve("missing.txt");

        // #errors
        CompletionStage<IOResult> result = UringFileIO.fromPath(missing)
                .to(Sink.ignore())
                .run(system);
        CompletionStage<String> outcome = result.handle((ok, failure) -> {
            if (failure instanceof IOOperationIncompleteException) {
                IOOperationIncompleteException incomplete = (IOOperationIncompleteException) failure;
                // the cause names the errno and the op, e.g. "openat(/x/missing.txt, ...): ENOENT (...)"
                return "failed after " + incomplete.count() + " bytes: " + incomplete.getCause().getMessage();
            }
            return "read " + ok.count() + " bytes";
        });
        // #errors

        final String text = await(outcome);
        assertTrue(text.startsWith("failed after 0 bytes: openat("), text);
        assertTrue(text.contains("ENOENT"), text);
        assertInstanceOf(ErrnoException.class,
                assertThrows(Exception.class, () -> await(result)).getCause().getCause());
    }
}
