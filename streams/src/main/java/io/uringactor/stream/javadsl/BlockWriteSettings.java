package io.uringactor.stream.javadsl;

import com.typesafe.config.Config;
import org.apache.pekko.actor.typed.ActorSystem;

import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * How {@link UringFileIO#blockWriter} and {@link UringFileIO#blockWriteSink} write blocks. Immutable;
 * start from {@link #create()} (the built-in defaults, which {@code reference.conf} repeats; it reads no
 * configuration) or {@link #create(ActorSystem)} (the system's {@code io-uring-actor.stream} configuration).
 *
 * <ul>
 *   <li>{@code options} (default {@code WRITE, CREATE}: existing content is kept), mapped as
 *       {@code FileChannel.open} maps them ({@link io.uringactor.actor.OpenOptions#of}). Refused before
 *       anything is opened: APPEND (a block write has an offset) and a set without WRITE (which
 *       {@code FileChannel.open} would open read-only).</li>
 *   <li>{@code writesInFlight} (default 8): writes issued concurrently. A write overlapping one still in
 *       flight waits for it, so overlapping writes land in stream order.</li>
 *   <li>{@code fsyncAtEnd} (default off): {@code fsync} after the last write, before the result completes.</li>
 *   <li>{@code direct} (default off): open with {@code O_DIRECT}; every offset and length must then be a
 *       multiple of the file system's alignment, else the stream fails with an
 *       {@link IllegalArgumentException} before the write is issued.</li>
 * </ul>
 */
public final class BlockWriteSettings {
    /** The default {@code writesInFlight}. */
    public static final int DEFAULT_WRITES_IN_FLIGHT = 8;
    /** The default {@code options}: {@code WRITE, CREATE}, keeping existing content. */
    public static final Set<OpenOption> DEFAULT_OPTIONS = Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE);

    private final Set<OpenOption> options;
    private final int writesInFlight;
    private final boolean fsyncAtEnd;
    private final boolean direct;

    private BlockWriteSettings(Set<OpenOption> options, int writesInFlight, boolean fsyncAtEnd, boolean direct) {
        if (options != null && options.contains(StandardOpenOption.APPEND)) {
            throw new IllegalArgumentException("block writes have offsets: APPEND is not allowed");
        }
        this.options = SettingsConfig.requireWriting(options);
        this.writesInFlight = SettingsConfig.requirePositive("writesInFlight", writesInFlight);
        this.fsyncAtEnd = fsyncAtEnd;
        this.direct = direct;
    }

    /** The config section of these settings, {@code io-uring-actor.stream.block-write} (see the library's {@code reference.conf}). */
    public static final String CONFIG_PATH = "io-uring-actor.stream.block-write";

    /**
     * The settings {@code system} configures under {@link #CONFIG_PATH}: what the system-less
     * {@link UringFileIO} forms use when no settings are given.
     *
     * @throws com.typesafe.config.ConfigException when a key is missing or has a wrong value (the message
     *                                             names the key)
     */
    public static BlockWriteSettings create(ActorSystem<?> system) {
        return create(system.settings().config());
    }

    /**
     * The settings under {@link #CONFIG_PATH} of {@code config}, a root config such as
     * {@code ConfigFactory.load()} or an {@code ActorSystem}'s.
     *
     * @throws com.typesafe.config.ConfigException when a key is missing or has a wrong value (the message
     *                                             names the key)
     */
    public static BlockWriteSettings create(Config config) {
        final Set<OpenOption> options = SettingsConfig.options(config, CONFIG_PATH + ".options");
        final int writesInFlight = SettingsConfig.positive(config, CONFIG_PATH + ".writes-in-flight");
        final boolean fsyncAtEnd = config.getBoolean(CONFIG_PATH + ".fsync-at-end");
        final boolean direct = config.getBoolean(CONFIG_PATH + ".direct");
        return SettingsConfig.build(config, CONFIG_PATH, () -> new BlockWriteSettings(options, writesInFlight, fsyncAtEnd,
                direct));
    }

    /** WRITE, CREATE, 8 writes in flight, no fsync, buffered. */
    public static BlockWriteSettings create() {
        return new BlockWriteSettings(DEFAULT_OPTIONS, DEFAULT_WRITES_IN_FLIGHT, false, false);
    }

    /**
     * A copy opening the file with {@code value}, {@link StandardOpenOption}s mapped as {@code FileChannel.open}
     * does.
     *
     * @throws IllegalArgumentException      when {@code value} holds {@code APPEND} or no {@code WRITE}
     * @throws UnsupportedOperationException for DELETE_ON_CLOSE or an option that is no {@link StandardOpenOption}
     */
    public BlockWriteSettings withOptions(Set<? extends OpenOption> value) {
        return new BlockWriteSettings(Set.copyOf(value), writesInFlight, fsyncAtEnd, direct);
    }

    /**
     * A copy with up to {@code value} writes issued at once.
     *
     * @throws IllegalArgumentException unless {@code value} is positive
     */
    public BlockWriteSettings withWritesInFlight(int value) {
        return new BlockWriteSettings(options, value, fsyncAtEnd, direct);
    }

    /** A copy that does ({@code true}) or does not {@code fsync} after the last write, before the result completes. */
    public BlockWriteSettings withFsyncAtEnd(boolean value) {
        return new BlockWriteSettings(options, writesInFlight, value, direct);
    }

    /** A copy opening the file with {@code O_DIRECT} ({@code true}) or through the page cache. */
    public BlockWriteSettings withDirect(boolean value) {
        return new BlockWriteSettings(options, writesInFlight, fsyncAtEnd, value);
    }

    /** The open options, an unmodifiable set. */
    public Set<OpenOption> options() {
        return options;
    }

    /** Most writes issued at once. */
    public int writesInFlight() {
        return writesInFlight;
    }

    /** Whether the file is fsynced after the last write. */
    public boolean fsyncAtEnd() {
        return fsyncAtEnd;
    }

    /** Whether the file is opened with {@code O_DIRECT}. */
    public boolean direct() {
        return direct;
    }

    @Override
    public String toString() {
        return "BlockWriteSettings[options=" + options + ", writesInFlight=" + writesInFlight + ", fsyncAtEnd="
                + fsyncAtEnd + ", direct=" + direct + "]";
    }
}
