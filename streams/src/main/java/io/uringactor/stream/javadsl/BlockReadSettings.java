package io.uringactor.stream.javadsl;

import com.typesafe.config.Config;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * How {@link UringFileIO#blockReader} reads blocks. Immutable; start from {@link #create(int)} (the built-in defaults, which {@code reference.conf} repeats) or {@link #create(ActorSystem, int)} (the system's configuration).
 *
 * <ul>
 *   <li>{@code blockSize}: bytes read at each offset.</li>
 *   <li>{@code readsInFlight} (default 8): reads issued concurrently; results are emitted in the order of
 *       the offsets, and read but not yet emitted blocks count against this limit.</li>
 *   <li>{@code direct} (default off): open with {@code O_DIRECT}; every offset and the block size must then
 *       be multiples of the file system's alignment, else the stream fails with an
 *       {@link IllegalArgumentException} before the read is issued.</li>
 * </ul>
 */
public final class BlockReadSettings {
    /** The default {@code readsInFlight}. */
    public static final int DEFAULT_READS_IN_FLIGHT = 8;

    private final int blockSize;
    private final int readsInFlight;
    private final boolean direct;

    private BlockReadSettings(int blockSize, int readsInFlight, boolean direct) {
        this.blockSize = SettingsConfig.requirePositive("blockSize", blockSize);
        this.readsInFlight = SettingsConfig.requirePositive("readsInFlight", readsInFlight);
        this.direct = direct;
    }

    /** The config section of these settings, {@code io-uring-actor.stream.block-read} (see the library's {@code reference.conf}). */
    public static final String CONFIG_PATH = "io-uring-actor.stream.block-read";

    /**
     * The settings {@code system} configures under {@link #CONFIG_PATH}, with blocks of {@code blockSize} bytes: what the system-less
     * {@link UringFileIO} forms use when no settings are given.
     *
     * @throws com.typesafe.config.ConfigException when a key is missing or has a wrong value (the message
     *                                             names the key)
     */
    public static BlockReadSettings create(ActorSystem<?> system, int blockSize) {
        return create(system.settings().config(), blockSize);
    }

    /**
     * The settings under {@link #CONFIG_PATH} of {@code config}, a root config such as
     * {@code ConfigFactory.load()} or an {@code ActorSystem}'s, with blocks of {@code blockSize} bytes.
     *
     * @throws com.typesafe.config.ConfigException when a key is missing or has a wrong value (the message
     *                                             names the key)
     */
    public static BlockReadSettings create(Config config, int blockSize) {
        final int readsInFlight = SettingsConfig.positive(config, CONFIG_PATH + ".reads-in-flight");
        final boolean direct = config.getBoolean(CONFIG_PATH + ".direct");
        return SettingsConfig.build(config, CONFIG_PATH, () -> new BlockReadSettings(blockSize, readsInFlight, direct));
    }

    /** Blocks of {@code blockSize} bytes, 8 reads in flight, through the page cache. */
    public static BlockReadSettings create(int blockSize) {
        return new BlockReadSettings(blockSize, DEFAULT_READS_IN_FLIGHT, false);
    }

    /**
     * A copy reading {@code value} bytes at each offset (more than the ring's {@code max-io-size} fails the
     * first read with an {@link io.uringactor.actor.InvalidRequestException}).
     *
     * @throws IllegalArgumentException unless {@code value} is positive
     */
    public BlockReadSettings withBlockSize(int value) {
        return new BlockReadSettings(value, readsInFlight, direct);
    }

    /**
     * A copy with up to {@code value} blocks read or waiting to be emitted at once.
     *
     * @throws IllegalArgumentException unless {@code value} is positive
     */
    public BlockReadSettings withReadsInFlight(int value) {
        return new BlockReadSettings(blockSize, value, direct);
    }

    /** A copy opening the file with {@code O_DIRECT} ({@code true}) or through the page cache. */
    public BlockReadSettings withDirect(boolean value) {
        return new BlockReadSettings(blockSize, readsInFlight, value);
    }

    /** Bytes read at each offset. */
    public int blockSize() {
        return blockSize;
    }

    /** Most blocks read or waiting to be emitted at once. */
    public int readsInFlight() {
        return readsInFlight;
    }

    /** Whether the file is opened with {@code O_DIRECT}. */
    public boolean direct() {
        return direct;
    }

    @Override
    public String toString() {
        return "BlockReadSettings[blockSize=" + blockSize + ", readsInFlight=" + readsInFlight + ", direct=" + direct + "]";
    }
}
