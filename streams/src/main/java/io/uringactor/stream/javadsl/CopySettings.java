package io.uringactor.stream.javadsl;

import com.typesafe.config.Config;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * How {@link UringFileIO#copy} copies. Immutable; start from {@link #create()} (the built-in defaults, which {@code reference.conf} repeats; it reads no configuration) or {@link #create(ActorSystem)} (the system's {@code io-uring-actor.stream} configuration).
 *
 * <ul>
 *   <li>{@code chunkSize} (default 1 MiB): bytes per {@link io.uringactor.actor.RingCommand.CopyRange}
 *       request to the ring, at most the ring's {@code max-io-size}; the ring splices a chunk through a pipe
 *       of up to {@code pipe-max-size} (1 MiB by default), in several rounds when the chunk is larger.</li>
 *   <li>{@code splicesInFlight} (default 4): chunks in flight, each through its own pipe of the ring's.</li>
 *   <li>{@code fsyncAtEnd} (default off): {@code fsync} the target before the result completes.</li>
 *   <li>{@code useSplice} (default on): off copies through {@link UringFileIO#fromPath} and
 *       {@link UringFileIO#toPath} instead, which is also what happens when the kernel refuses to splice
 *       the files ({@code EINVAL}, {@code EOPNOTSUPP}) or the source is not a regular file.</li>
 *   <li>{@code atomicReplace} (default off): copy into a temporary file beside the target, then rename
 *       it over the target, as {@link ToPathSettings#withAtomicReplace} does.</li>
 * </ul>
 *
 * <h2>What the target holds after a failure or a crash</h2>
 * In both modes the source is opened and checked (a readable regular file, or a readable non-directory
 * for the stream fallback) before the target is created or truncated, and a target that is the source
 * (the same file as the ring opened it: the same inode, and birth time where reported, from the ring's
 * {@code statx}; through {@code ./}, links and beneath a ring's root directory too) or another file this ActorSystem is reading fails the
 * copy with a {@link SameFileException} and is not touched.
 * <ul>
 *   <li><b>In place</b> (the default): the target is truncated, then written. A copy that fails leaves
 *       what was copied so far (the count of the {@code IOOperationIncompleteException}). After a crash,
 *       the guarantees of an in-place {@link ToPathSettings} hold: without {@code fsyncAtEnd} any mix of
 *       old, new and no data; with it, the whole copy once the result has succeeded.</li>
 *   <li><b>Atomic replace</b>: the target is either the old file (or absent) or the complete copy, after
 *       a failure, a kill -9 or a machine crash at any moment, and the copy is durable once the result
 *       has succeeded; {@code fsyncAtEnd} adds nothing. A failed copy reports a count of 0 and deletes
 *       its temporary file; a killed process can leave a stray {@code .<name>.<random>.tmp} beside the
 *       target. The details (mode, owner, links) are those of {@link ToPathSettings}.</li>
 * </ul>
 */
public final class CopySettings {
    /** The default {@code chunkSize}: 1 MiB. */
    public static final int DEFAULT_CHUNK_SIZE = 1 << 20;
    /** The default {@code splicesInFlight}. */
    public static final int DEFAULT_SPLICES_IN_FLIGHT = 4;

    private final int chunkSize;
    private final int splicesInFlight;
    private final boolean fsyncAtEnd;
    private final boolean useSplice;
    private final boolean atomicReplace;

    private CopySettings(int chunkSize, int splicesInFlight, boolean fsyncAtEnd, boolean useSplice,
                         boolean atomicReplace) {
        if (chunkSize < 4096) {
            throw new IllegalArgumentException("chunkSize=" + chunkSize + " must be at least 4096");
        }
        if (splicesInFlight <= 0 || splicesInFlight > 64) {
            throw new IllegalArgumentException("splicesInFlight=" + splicesInFlight + " must be in 1..64");
        }
        this.chunkSize = chunkSize;
        this.splicesInFlight = splicesInFlight;
        this.fsyncAtEnd = fsyncAtEnd;
        this.useSplice = useSplice;
        this.atomicReplace = atomicReplace;
    }

    /** The config section of these settings, {@code io-uring-actor.stream.copy} (see the library's {@code reference.conf}). */
    public static final String CONFIG_PATH = "io-uring-actor.stream.copy";

    /**
     * The settings {@code system} configures under {@link #CONFIG_PATH}: what the system-less
     * {@link UringFileIO} forms use when no settings are given.
     *
     * @throws com.typesafe.config.ConfigException when a key is missing or has a wrong value (the message
     *                                             names the key)
     */
    public static CopySettings create(ActorSystem<?> system) {
        return create(system.settings().config());
    }

    /**
     * The settings under {@link #CONFIG_PATH} of {@code config}, a root config such as
     * {@code ConfigFactory.load()} or an {@code ActorSystem}'s.
     *
     * @throws com.typesafe.config.ConfigException when a key is missing or has a wrong value (the message
     *                                             names the key)
     */
    public static CopySettings create(Config config) {
        final int chunkSize = SettingsConfig.bytes(config, CONFIG_PATH + ".chunk-size");
        final int splicesInFlight = SettingsConfig.positive(config, CONFIG_PATH + ".splices-in-flight");
        final boolean fsyncAtEnd = config.getBoolean(CONFIG_PATH + ".fsync-at-end");
        final boolean useSplice = config.getBoolean(CONFIG_PATH + ".use-splice");
        final boolean atomicReplace = config.getBoolean(CONFIG_PATH + ".atomic-replace");
        return SettingsConfig.build(config, CONFIG_PATH, () -> new CopySettings(chunkSize, splicesInFlight, fsyncAtEnd,
                useSplice, atomicReplace));
    }

    /** 1 MiB chunks, 4 in flight, no fsync, splice on, in place. */
    public static CopySettings create() {
        return new CopySettings(DEFAULT_CHUNK_SIZE, DEFAULT_SPLICES_IN_FLIGHT, false, true, false);
    }

    /**
     * A copy moving up to {@code value} bytes per splice pair, through a pipe asked to be that large.
     *
     * @throws IllegalArgumentException when {@code value} is below 4096
     */
    public CopySettings withChunkSize(int value) {
        return new CopySettings(value, splicesInFlight, fsyncAtEnd, useSplice, atomicReplace);
    }

    /**
     * A copy with up to {@code value} chunks in flight, each through its own pipe.
     *
     * @throws IllegalArgumentException unless {@code value} is in 1..64
     */
    public CopySettings withSplicesInFlight(int value) {
        return new CopySettings(chunkSize, value, fsyncAtEnd, useSplice, atomicReplace);
    }

    /** A copy that does ({@code true}) or does not {@code fsync} the target before the result completes. */
    public CopySettings withFsyncAtEnd(boolean value) {
        return new CopySettings(chunkSize, splicesInFlight, value, useSplice, atomicReplace);
    }

    /** Off: copy through the ring actor's Source and Sink instead of splicing in the kernel. */
    public CopySettings withUseSplice(boolean value) {
        return new CopySettings(chunkSize, splicesInFlight, fsyncAtEnd, value, atomicReplace);
    }

    /**
     * On: copy into a temporary file and rename it over the target once complete and fsynced; off (the
     * default): truncate and write the target in place. See the class comment for what each guarantees.
     * Atomic replace works on the JVM's view of the path (see {@link ToPathSettings#withAtomicReplace}):
     * with a ring that has a root directory, copy in place.
     */
    public CopySettings withAtomicReplace(boolean value) {
        return new CopySettings(chunkSize, splicesInFlight, fsyncAtEnd, useSplice, value);
    }

    /** Bytes per splice pair, and the pipe size asked for. */
    public int chunkSize() {
        return chunkSize;
    }

    /** Most chunks in flight at once. */
    public int splicesInFlight() {
        return splicesInFlight;
    }

    /** Whether the target is fsynced before the result completes. */
    public boolean fsyncAtEnd() {
        return fsyncAtEnd;
    }

    /** Whether the copy splices in the kernel (else it streams through the ring actor). */
    public boolean useSplice() {
        return useSplice;
    }

    /** Whether the copy replaces the target atomically (else it writes it in place). */
    public boolean atomicReplace() {
        return atomicReplace;
    }

    @Override
    public String toString() {
        return "CopySettings[chunkSize=" + chunkSize + ", splicesInFlight=" + splicesInFlight + ", fsyncAtEnd="
                + fsyncAtEnd + ", useSplice=" + useSplice + ", atomicReplace=" + atomicReplace + "]";
    }
}
