package io.uringactor.stream;

import static io.uringactor.stream.StreamTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.stream.javadsl.BlockRead;
import io.uringactor.stream.javadsl.BlockReadSettings;
import io.uringactor.stream.javadsl.BlockWrite;
import io.uringactor.stream.javadsl.BlockWriteSettings;
import io.uringactor.stream.javadsl.CopySettings;
import io.uringactor.stream.javadsl.FromPathSettings;
import io.uringactor.stream.javadsl.ToPathSettings;
import io.uringactor.stream.javadsl.UringFileIO;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * The system-less {@code UringFileIO} forms (the system, its ring and its settings found through the
 * materializer) and the settings read from {@code io-uring-actor.stream.*}.
 */
class ConfiguredStagesTest {
    private static final ActorTestKit testKit = ActorTestKit.create("ConfiguredStagesTest");
    private static final ActorSystem<?> system = testKit.system();
    /** A system whose stages read and write 4096-byte chunks unless told otherwise. */
    private static final ActorTestKit small = ActorTestKit.create("ConfiguredStagesSmall", ConfigFactory.parseString(
            "io-uring-actor.stream.from-path.chunk-size = 4096\n"
                    + "io-uring-actor.stream.to-path.chunk-size = 4 KiB\n"
                    + "io-uring-actor.stream.copy.use-splice = off\n").withFallback(ConfigFactory.load()));

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
        small.shutdownTestKit();
    }

    /** The file's bytes, read with a FileChannel. */
    private static byte[] bytesOf(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            final ByteBuffer all = ByteBuffer.allocate((int) ch.size());
            while (all.hasRemaining() && ch.read(all) >= 0) {
                // until full
            }
            return all.array();
        }
    }

    private static List<Integer> elementSizes(Source<ByteString, CompletionStage<IOResult>> source,
                                              ActorSystem<?> on) {
        return await(source.map(ByteString::size).runWith(Sink.seq(), on));
    }

    @Test
    void fromPathIntoToPathWithoutASystemCopiesTheFile() throws IOException {
        final Path in = randomFile(dir.resolve("in.bin"), (3 << 20) + 12_345, 7);
        final Path out = dir.resolve("out.bin");
        final IOResult written = await(UringFileIO.fromPath(in).runWith(UringFileIO.toPath(out), system));
        assertEquals(Files.size(in), written.count());
        assertArrayEquals(bytesOf(in), bytesOf(out));
    }

    @Test
    void theSystemLessFormsWithSettingsCopyTheFile() throws IOException {
        final Path in = randomFile(dir.resolve("in.bin"), 1_000_003, 8);
        final Path out = dir.resolve("out.bin");
        await(UringFileIO.fromPath(in, FromPathSettings.create().withChunkSize(10_000).withReadsInFlight(2))
                .runWith(UringFileIO.toPath(out, ToPathSettings.create().withFsyncAtEnd(true)), system));
        assertArrayEquals(bytesOf(in), bytesOf(out));
    }

    @Test
    void blockWriterAndReaderWithoutASystem() throws IOException {
        final Path file = dir.resolve("blocks.bin");
        final byte[] data = new byte[64 * 4096];
        new SplittableRandom(9).nextBytes(data);
        final List<BlockWrite> writes = new ArrayList<>();
        for (int i = 63; i >= 0; i--) { // backwards
            writes.add(new BlockWrite(i * 4096L, ByteString.fromArray(data, i * 4096, 4096)));
        }
        assertEquals(data.length, await(Source.from(writes).runWith(UringFileIO.blockWriteSink(file), system)).count());
        assertArrayEquals(data, bytesOf(file));
        final List<BlockRead> read = await(Source.from(LongStream.range(0, 64).map(i -> i * 4096).boxed()
                .collect(Collectors.toList())).via(UringFileIO.blockReader(file, 4096)).runWith(Sink.seq(), system));
        final ByteString all = read.stream().map(BlockRead::data).reduce(ByteString.emptyByteString(), ByteString::concat);
        assertArrayEquals(data, all.toArray());
    }

    @Test
    void theSystemLessSourceUsesTheMaterializersConfiguredChunkSize() throws IOException {
        final Path in = randomFile(dir.resolve("in.bin"), 10_000, 10);
        assertEquals(List.of(4096, 4096, 1808), elementSizes(UringFileIO.fromPath(in), small.system()));
        // the same Source on the default system: 128 KiB chunks, one element
        assertEquals(List.of(10_000), elementSizes(UringFileIO.fromPath(in), system));
    }

    @Test
    void anExplicitChunkSizeOverridesTheConfiguredOne() throws IOException {
        final Path in = randomFile(dir.resolve("in.bin"), 10_000, 11);
        assertEquals(List.of(3000, 3000, 3000, 1000), elementSizes(UringFileIO.fromPath(in, 3000), small.system()));
        assertThrows(IllegalArgumentException.class, () -> UringFileIO.fromPath(in, 0));
    }

    @Test
    void theFormWithASystemUsesThatSystemsConfiguredSettings() throws IOException {
        final Path in = randomFile(dir.resolve("in.bin"), 10_000, 12);
        assertEquals(List.of(4096, 4096, 1808), elementSizes(UringFileIO.fromPath(small.system(), in), system));
    }

    @Test
    void settingsReadFromTheSystemsConfig() {
        assertEquals(4096, FromPathSettings.create(small.system()).chunkSize());
        assertEquals(4096, ToPathSettings.create(small.system()).chunkSize());
        assertFalse(CopySettings.create(small.system()).useSplice());
        final Config config = ConfigFactory.parseString("io-uring-actor.stream.block-write {\n"
                + "  options = [WRITE, CREATE, DSYNC]\n  writes-in-flight = 3\n  fsync-at-end = on\n}\n"
                + "io-uring-actor.stream.block-read.reads-in-flight = 5").withFallback(ConfigFactory.load());
        final BlockWriteSettings write = BlockWriteSettings.create(config);
        assertEquals(java.util.Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.DSYNC),
                write.options());
        assertEquals(3, write.writesInFlight());
        assertTrue(write.fsyncAtEnd());
        assertEquals(5, BlockReadSettings.create(config, 512).readsInFlight());
        assertEquals(512, BlockReadSettings.create(config, 512).blockSize());
    }

    /** reference.conf holds the defaults of {@code create()}. */
    @Test
    void theReferenceConfigHoldsTheDefaultsOfCreate() {
        final Config reference = ConfigFactory.defaultReference();
        assertEquals(FromPathSettings.create().toString(), FromPathSettings.create(reference).toString());
        assertEquals(ToPathSettings.create().options(), ToPathSettings.create(reference).options());
        assertEquals(withoutOptions(ToPathSettings.create()), withoutOptions(ToPathSettings.create(reference)));
        assertEquals(BlockReadSettings.create(4096).toString(), BlockReadSettings.create(reference, 4096).toString());
        assertEquals(BlockWriteSettings.create().options(), BlockWriteSettings.create(reference).options());
        assertEquals(withoutOptions(BlockWriteSettings.create()), withoutOptions(BlockWriteSettings.create(reference)));
        assertEquals(CopySettings.create().toString(), CopySettings.create(reference).toString());
    }

    /** The settings' toString without their options, a set whose order is unspecified. */
    private static String withoutOptions(Object settings) {
        return settings.toString().replaceFirst("options=\\[[^]]*], ", "");
    }

    private static ConfigException badConfig(String setting, java.util.function.Function<Config, ?> read) {
        final Config config = ConfigFactory.parseString(setting).withFallback(ConfigFactory.defaultReference());
        return assertThrows(ConfigException.class, () -> read.apply(config));
    }

    @Test
    void aWrongConfigValueFailsNamingTheKey() {
        assertTrue(badConfig("io-uring-actor.stream.from-path.chunk-size = -1", FromPathSettings::create).getMessage()
                .contains("io-uring-actor.stream.from-path.chunk-size"));
        assertTrue(badConfig("io-uring-actor.stream.from-path.chunk-size = lots", FromPathSettings::create).getMessage()
                .contains("io-uring-actor.stream.from-path.chunk-size"));
        assertTrue(badConfig("io-uring-actor.stream.to-path.writes-in-flight = 0", ToPathSettings::create).getMessage()
                .contains("io-uring-actor.stream.to-path.writes-in-flight"));
        final String option = badConfig("io-uring-actor.stream.to-path.options = [WRITE, SOMETIMES]",
                ToPathSettings::create).getMessage();
        assertTrue(option.contains("io-uring-actor.stream.to-path.options") && option.contains("SOMETIMES"), option);
        final String append = badConfig("io-uring-actor.stream.block-write.options = [WRITE, APPEND]",
                BlockWriteSettings::create).getMessage();
        assertTrue(append.contains("io-uring-actor.stream.block-write") && append.contains("APPEND"), append);
        final String readOnly = badConfig("io-uring-actor.stream.to-path.options = [CREATE, TRUNCATE_EXISTING]",
                ToPathSettings::create).getMessage();
        assertTrue(readOnly.contains("io-uring-actor.stream.to-path") && readOnly.contains("add WRITE"), readOnly);
        final String deleteOnClose = badConfig("io-uring-actor.stream.to-path.options = [WRITE, DELETE_ON_CLOSE]",
                ToPathSettings::create).getMessage();
        assertTrue(deleteOnClose.contains("io-uring-actor.stream.to-path") && deleteOnClose.contains("DELETE_ON_CLOSE"),
                deleteOnClose);
        assertTrue(badConfig("io-uring-actor.stream.copy.chunk-size = 100", CopySettings::create).getMessage()
                .contains("at least 4096"));
        assertTrue(badConfig("io-uring-actor.stream.copy.use-splice = maybe", CopySettings::create).getMessage()
                .contains("io-uring-actor.stream.copy.use-splice"));
    }

    /** A system with a wrong value: the system-less stage fails when it is materialized, naming the key. */
    @Test
    void aSystemLessStageOnABadlyConfiguredSystemFailsToMaterialize() throws IOException {
        final Path in = randomFile(dir.resolve("in.bin"), 100, 13);
        final ActorTestKit bad = ActorTestKit.create("ConfiguredStagesBad", ConfigFactory.parseString(
                "io-uring-actor.stream.from-path.reads-in-flight = none").withFallback(ConfigFactory.load()));
        try {
            final Source<ByteString, CompletionStage<IOResult>> source = UringFileIO.fromPath(in); // built fine
            final ConfigException e = assertThrows(ConfigException.class,
                    () -> source.runWith(Sink.ignore(), bad.system()));
            assertTrue(e.getMessage().contains("io-uring-actor.stream.from-path.reads-in-flight"), e.getMessage());
            // the same Source on a well configured system
            assertEquals(100, await(source.toMat(Sink.ignore(), Keep.left()).run(system)).count());
        } finally {
            bad.shutdownTestKit();
        }
    }

    /** {@code dispatcher = ""} fused the stages in earlier versions: refused now, with a message saying so. */
    @Test
    void anEmptyDispatcherIsRefusedClearly() throws IOException {
        final Path in = randomFile(dir.resolve("in.bin"), 100, 14);
        final ActorTestKit fused = ActorTestKit.create("ConfiguredStagesEmptyDispatcher", ConfigFactory.parseString(
                "io-uring-actor.stream.dispatcher = \"\"").withFallback(ConfigFactory.load()));
        try {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> UringFileIO.fromPath(in).runWith(Sink.ignore(), fused.system()));
            assertTrue(e.getMessage().contains("io-uring-actor.stream.dispatcher"), e.getMessage());
        } finally {
            fused.shutdownTestKit();
        }
    }

    /** {@code withAttributes(ActorAttributes.dispatcher(id))} runs a stage on another dispatcher. */
    @Test
    void anotherDispatcherThroughTheAttributes() throws IOException {
        final Path in = randomFile(dir.resolve("in.bin"), 500_000, 15);
        final Path out = dir.resolve("out.bin");
        await(UringFileIO.fromPath(in).withAttributes(ActorAttributes.dispatcher("pekko.actor.default-dispatcher"))
                .runWith(UringFileIO.toPath(out)
                        .withAttributes(ActorAttributes.dispatcher("pekko.actor.default-dispatcher")), system));
        assertArrayEquals(bytesOf(in), bytesOf(out));
    }
}
