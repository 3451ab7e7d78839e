package io.uringactor.stream.javadsl;

import com.typesafe.config.Config;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * How {@link UringFileIO#fromPath(org.apache.pekko.actor.typed.ActorSystem, java.nio.file.Path, FromPathSettings)}
 * reads a file. Immutable; start from {@link #create()} (the built-in defaults, which {@code reference.conf} repeats; it reads no configuration) or {@link #create(ActorSystem)} (the system's {@code io-uring-actor.stream} configuration) and change with {@code withX}.
 *
 * <ul>
 *   <li>{@code chunkSize} (default 128 KiB): bytes per read and per emitted element; the last element is
 *       short at the end of the file. With O_DIRECT it is rounded up to the file system's alignment.
 *       At most the ring's {@code io-uring-actor.ring.max-io-size} (16 MiB by default), else the first
 *       read fails the stream with an {@link io.uringactor.actor.InvalidRequestException}.</li>
 *   <li>{@code startPosition} (default 0): where reading starts.</li>
 *   <li>{@code readsInFlight} (default 4): reads issued ahead; read but not yet emitted chunks count too,
 *       so at most {@code readsInFlight * chunkSize} bytes are buffered.</li>
 *   <li>{@code direct} (default off): open with {@code O_DIRECT}, bypassing the page cache. Reads are
 *       then issued at offsets and lengths aligned to {@link io.uringactor.ring.AlignedBuffer#directIoAlignment};
 *       an unaligned start position is read from the aligned offset below it and the prefix dropped.</li>
 * </ul>
 */
public final class FromPathSettings {
    /** The default {@code chunkSize}: 128 KiB. */
    public static final int DEFAULT_CHUNK_SIZE = 128 * 1024;
    /** The default {@code readsInFlight}. */
    public static final int DEFAULT_READS_IN_FLIGHT = 4;

    private final int chunkSize;
    private final long startPosition;
    private final int readsInFlight;
    private final boolean direct;

    private FromPathSettings(int chunkSize, long startPosition, int readsInFlight, boolean direct) {
        this.chunkSize = SettingsConfig.requirePositive("chunkSize", chunkSize);
        this.startPosition = SettingsConfig.requireNotNegative("startPosition", startPosition);
        this.readsInFlight = SettingsConfig.requirePositive("readsInFlight", readsInFlight);
        this.direct = direct;
    }

    /** The config section of these settings, {@code io-uring-actor.stream.from-path} (see the library's {@code reference.conf}). */
    public static final String CONFIG_PATH = "io-uring-actor.stream.from-path";

    /**
     * The settings {@code system} configures under {@link #CONFIG_PATH}: what the system-less
     * {@link UringFileIO} forms use when no settings are given.
     *
     * @throws com.typesafe.config.ConfigException when a key is missing or has a wrong value (the message
     *                                             names the key)
     */
    public static FromPathSettings create(ActorSystem<?> system) {
        return create(system.settings().config());
    }

    /**
     * The settings under {@link #CONFIG_PATH} of {@code config}, a root config such as
     * {@code ConfigFactory.load()} or an {@code ActorSystem}'s.
     *
     * @throws com.typesafe.config.ConfigException when a key is missing or has a wrong value (the message
     *                                             names the key)
     */
    public static FromPathSettings create(Config config) {
        final int chunkSize = SettingsConfig.bytes(config, CONFIG_PATH + ".chunk-size");
        final int readsInFlight = SettingsConfig.positive(config, CONFIG_PATH + ".reads-in-flight");
        final boolean direct = config.getBoolean(CONFIG_PATH + ".direct");
        return SettingsConfig.build(config, CONFIG_PATH, () -> new FromPathSettings(chunkSize, 0, readsInFlight, direct));
    }

    /** 128 KiB chunks from offset 0, 4 reads in flight, through the page cache. */
    public static FromPathSettings create() {
        return new FromPathSettings(DEFAULT_CHUNK_SIZE, 0, DEFAULT_READS_IN_FLIGHT, false);
    }

    /**
     * A copy reading and emitting {@code value} bytes at a time.
     *
     * @throws IllegalArgumentException unless {@code value} is positive
     */
    public FromPathSettings withChunkSize(int value) {
        return new FromPathSettings(value, startPosition, readsInFlight, direct);
    }

    /**
     * A copy starting to read at byte {@code value}.
     *
     * @throws IllegalArgumentException when {@code value} is negative
     */
    public FromPathSettings withStartPosition(long value) {
        return new FromPathSettings(chunkSize, value, readsInFlight, direct);
    }

    /**
     * A copy with up to {@code value} chunks read ahead (issued, or read and not yet emitted).
     *
     * @throws IllegalArgumentException unless {@code value} is positive
     */
    public FromPathSettings withReadsInFlight(int value) {
        return new FromPathSettings(chunkSize, startPosition, value, direct);
    }

    /** {@code O_DIRECT} on or off. */
    public FromPathSettings withDirect(boolean value) {
        return new FromPathSettings(chunkSize, startPosition, readsInFlight, value);
    }

    /** Bytes per read and per emitted element, before O_DIRECT rounding. */
    public int chunkSize() {
        return chunkSize;
    }

    /** The offset reading starts at. */
    public long startPosition() {
        return startPosition;
    }

    /** Most chunks read ahead at once. */
    public int readsInFlight() {
        return readsInFlight;
    }

    /** Whether the file is opened with {@code O_DIRECT}. */
    public boolean direct() {
        return direct;
    }

    @Override
    public String toString() {
        return "FromPathSettings[chunkSize=" + chunkSize + ", startPosition=" + startPosition + ", readsInFlight="
                + readsInFlight + ", direct=" + direct + "]";
    }
}
