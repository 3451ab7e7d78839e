package io.uringactor.stream.javadsl;

import io.uringactor.actor.OpenOptions;

import com.typesafe.config.Config;
import org.apache.pekko.actor.typed.ActorSystem;

import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * How {@link UringFileIO#toPath(org.apache.pekko.actor.typed.ActorSystem, java.nio.file.Path, ToPathSettings)}
 * writes a file. Immutable; start from {@link #create()} (the built-in defaults, which {@code reference.conf} repeats; it reads no configuration) or {@link #create(ActorSystem)} (the system's {@code io-uring-actor.stream} configuration) and change with {@code withX}.
 *
 * <ul>
 *   <li>{@code options} (default {@code WRITE, CREATE, TRUNCATE_EXISTING}, as {@code FileIO.toPath}):
 *       {@link StandardOpenOption}s mapped as {@code FileChannel.open} does ({@link OpenOptions#of} has the
 *       table): {@code WRITE} keeps an existing file's content and overwrites from the start position,
 *       {@code CREATE} creates a missing file (without it a missing file fails the stream with
 *       {@code ENOENT}), {@code CREATE_NEW} fails with {@code EEXIST} on an existing one,
 *       {@code TRUNCATE_EXISTING} empties it, {@code APPEND} (WRITE implied) writes at its end, one write at a
 *       time to keep their order; {@code READ}, {@code DSYNC} and {@code SYNC} (as {@code DSYNC}) are
 *       allowed. Refused by {@link #withOptions} before anything is opened, where {@code FileIO.toPath}
 *       refuses or fails without touching the file: a set without {@code WRITE} or {@code APPEND}
 *       ({@code FileChannel.open} would open it read-only), {@code READ + APPEND} and
 *       {@code APPEND + TRUNCATE_EXISTING} ({@link IllegalArgumentException}), and {@code DELETE_ON_CLOSE}
 *       ({@link UnsupportedOperationException}).</li>
 *   <li>{@code startPosition} (default 0): the offset of the first byte written (ignored with APPEND).</li>
 *   <li>{@code writesInFlight} (default 4): writes issued concurrently at increasing offsets.</li>
 *   <li>{@code chunkSize} (default 128 KiB): incoming elements are coalesced into writes of this size
 *       (larger elements are split). A smaller write goes out only when no write is in flight or at the
 *       end of the stream, so a slow upstream is not held back and a fast one makes large writes. At most
 *       the ring's {@code io-uring-actor.ring.max-io-size} (16 MiB by default).</li>
 *   <li>{@code fsyncAtEnd} (default off): {@code fsync} the file after the last write; the materialized
 *       {@code IOResult} then completes only once the data is durable.</li>
 *   <li>{@code direct} (default off): open with {@code O_DIRECT}. Writes are then whole aligned chunks
 *       (the chunk size is rounded up to the alignment, the start position must be aligned) and the
 *       unaligned tail of the stream is written through a second, buffered descriptor.</li>
 *   <li>{@code atomicReplace} (default off): write a temporary file beside the target and rename it over
 *       the target once complete, instead of writing the target in place. Not with {@code APPEND} or a
 *       start position other than 0.</li>
 * </ul>
 *
 * <h2>What the target holds after a failure or a crash</h2>
 * In both modes the target is neither created nor truncated before the first element arrives (or the
 * stream completes empty), nor ever when it is a file this ActorSystem is reading through
 * {@link UringFileIO} (a {@link SameFileException}).
 * <ul>
 *   <li><b>In place</b> (the default). When the stream fails, every byte the sink had received is written
 *       before the result fails with {@code IOOperationIncompleteException(count, cause)}, the count
 *       being the bytes written (from the start position: with the default options the file's size).
 *       When the stage is stopped abruptly (its materializer or system shut down), what it had buffered
 *       is not written, but the writes already issued finish and are counted before the result fails,
 *       so the count is still the bytes the file got.
 *       After a crash of the process (kill -9) the file holds what was written so far; after a crash of
 *       the machine, without {@code fsyncAtEnd} it may hold any mix of old, new and no data, even after
 *       the result succeeded; with {@code fsyncAtEnd} it holds the whole new content once the result has
 *       succeeded, and any mix before.</li>
 *   <li><b>Atomic replace.</b> The bytes go to a new file {@code .<name>.<random>.tmp} in the target's
 *       directory (a symlinked target: the directory of the file it names, which is the one replaced),
 *       mode 0600 while written. At the end it gets the mode of the existing target (or 0644), is
 *       fsynced, renamed over the target ({@code rename(2)}, atomic) and the directory is fsynced; only
 *       then does the result succeed. On a failure, a failing or cancelled upstream, or an aborted stream,
 *       the temporary file is deleted, the target is left as it was and the count is 0. So after a
 *       failure, a kill -9 or a machine crash at any moment the target is either the old file (or absent,
 *       if it was) or the complete new one, and once the result succeeded the new one is durable;
 *       {@code fsyncAtEnd} adds nothing. A killed process or a crashed machine can leave a stray temporary
 *       file behind (delete {@code .<name>.*.tmp}). The new file is owned by the writing user and does not
 *       keep the old one's owner, ACLs, extended attributes or hard links (other links keep the old
 *       content). CREATE_NEW refuses an existing target and a set without CREATE (or CREATE_NEW) a
 *       missing one; TRUNCATE_EXISTING is implied. If the directory's fsync fails after the rename, the
 *       result fails although the target has been replaced (the cause says so).</li>
 * </ul>
 */
public final class ToPathSettings {
    /** The default {@code chunkSize}: 128 KiB. */
    public static final int DEFAULT_CHUNK_SIZE = 128 * 1024;
    /** The default {@code writesInFlight}. */
    public static final int DEFAULT_WRITES_IN_FLIGHT = 4;
    /** The default {@code options}: {@code WRITE, CREATE, TRUNCATE_EXISTING}, as {@code FileIO.toPath}. */
    public static final Set<OpenOption> DEFAULT_OPTIONS = Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING);

    private final Set<OpenOption> options;
    private final long startPosition;
    private final int writesInFlight;
    private final int chunkSize;
    private final boolean fsyncAtEnd;
    private final boolean direct;
    private final boolean atomicReplace;

    private ToPathSettings(Set<OpenOption> options, long startPosition, int writesInFlight, int chunkSize,
                           boolean fsyncAtEnd, boolean direct, boolean atomicReplace) {
        this.options = SettingsConfig.requireWriting(options);
        this.startPosition = SettingsConfig.requireNotNegative("startPosition", startPosition);
        this.writesInFlight = SettingsConfig.requirePositive("writesInFlight", writesInFlight);
        this.chunkSize = SettingsConfig.requirePositive("chunkSize", chunkSize);
        if (atomicReplace && options.contains(StandardOpenOption.APPEND)) {
            throw new IllegalArgumentException("atomicReplace writes a new file: APPEND is not allowed");
        }
        if (atomicReplace && startPosition != 0) {
            throw new IllegalArgumentException("atomicReplace writes a new file from offset 0, not from startPosition="
                    + startPosition);
        }
        this.fsyncAtEnd = fsyncAtEnd;
        this.direct = direct;
        this.atomicReplace = atomicReplace;
    }

    /** The config section of these settings, {@code io-uring-actor.stream.to-path} (see the library's {@code reference.conf}). */
    public static final String CONFIG_PATH = "io-uring-actor.stream.to-path";

    /**
     * The settings {@code system} configures under {@link #CONFIG_PATH}: what the system-less
     * {@link UringFileIO} forms use when no settings are given.
     *
     * @throws com.typesafe.config.ConfigException when a key is missing or has a wrong value (the message
     *                                             names the key)
     */
    public static ToPathSettings create(ActorSystem<?> system) {
        return create(system.settings().config());
    }

    /**
     * The settings under {@link #CONFIG_PATH} of {@code config}, a root config such as
     * {@code ConfigFactory.load()} or an {@code ActorSystem}'s.
     *
     * @throws com.typesafe.config.ConfigException when a key is missing or has a wrong value (the message
     *                                             names the key)
     */
    public static ToPathSettings create(Config config) {
        final Set<OpenOption> options = SettingsConfig.options(config, CONFIG_PATH + ".options");
        final int chunkSize = SettingsConfig.bytes(config, CONFIG_PATH + ".chunk-size");
        final int writesInFlight = SettingsConfig.positive(config, CONFIG_PATH + ".writes-in-flight");
        final boolean fsyncAtEnd = config.getBoolean(CONFIG_PATH + ".fsync-at-end");
        final boolean direct = config.getBoolean(CONFIG_PATH + ".direct");
        final boolean atomicReplace = config.getBoolean(CONFIG_PATH + ".atomic-replace");
        return SettingsConfig.build(config, CONFIG_PATH, () -> new ToPathSettings(options, 0, writesInFlight, chunkSize,
                fsyncAtEnd, direct, atomicReplace));
    }

    /** WRITE, CREATE, TRUNCATE_EXISTING from offset 0, 4 writes of 128 KiB in flight, no fsync, buffered, in place. */
    public static ToPathSettings create() {
        return new ToPathSettings(DEFAULT_OPTIONS, 0, DEFAULT_WRITES_IN_FLIGHT, DEFAULT_CHUNK_SIZE, false, false, false);
    }

    /**
     * A copy opening the target with {@code value}, mapped as {@code FileChannel.open} maps it (see the
     * class comment); WRITE is implied by APPEND, and READ is allowed.
     *
     * @throws IllegalArgumentException      for a set without WRITE or APPEND, READ + APPEND,
     *                                       APPEND + TRUNCATE_EXISTING, or APPEND with atomic replace
     * @throws UnsupportedOperationException for DELETE_ON_CLOSE or an option that is no {@link StandardOpenOption}
     */
    public ToPathSettings withOptions(Set<? extends OpenOption> value) {
        return new ToPathSettings(Set.copyOf(value), startPosition, writesInFlight, chunkSize, fsyncAtEnd, direct, atomicReplace);
    }

    /**
     * A copy writing the first byte at offset {@code value} (ignored with {@code APPEND}).
     *
     * @throws IllegalArgumentException when {@code value} is negative, or not 0 with atomic replace
     */
    public ToPathSettings withStartPosition(long value) {
        return new ToPathSettings(options, value, writesInFlight, chunkSize, fsyncAtEnd, direct, atomicReplace);
    }

    /**
     * A copy with up to {@code value} writes issued at once (one at a time with {@code APPEND}).
     *
     * @throws IllegalArgumentException unless {@code value} is positive
     */
    public ToPathSettings withWritesInFlight(int value) {
        return new ToPathSettings(options, startPosition, value, chunkSize, fsyncAtEnd, direct, atomicReplace);
    }

    /**
     * A copy coalescing incoming bytes into writes of {@code value} bytes.
     *
     * @throws IllegalArgumentException unless {@code value} is positive
     */
    public ToPathSettings withChunkSize(int value) {
        return new ToPathSettings(options, startPosition, writesInFlight, value, fsyncAtEnd, direct, atomicReplace);
    }

    /** {@code fsync} after the last write, before the materialized result completes. */
    public ToPathSettings withFsyncAtEnd(boolean value) {
        return new ToPathSettings(options, startPosition, writesInFlight, chunkSize, value, direct, atomicReplace);
    }

    /** {@code O_DIRECT} on or off. */
    public ToPathSettings withDirect(boolean value) {
        return new ToPathSettings(options, startPosition, writesInFlight, chunkSize, fsyncAtEnd, value, atomicReplace);
    }

    /**
     * On: replace the target atomically with a temporary file renamed over it once complete and fsynced;
     * off (the default): write the target in place. See the class comment for what each guarantees.
     *
     * <p>Atomic replace works on the JVM's view of the path: the temporary file, the target's mode and the
     * rename are JDK calls, resolving a relative path against the working directory. A ring with a root
     * directory ({@link RingAttribute}) refuses absolute paths and resolves relative ones beneath its root,
     * so atomic replace on such a ring would create the temporary file and rename it where the JVM
     * resolves the path, not beneath the root: with a rooted ring, write in place.
     */
    public ToPathSettings withAtomicReplace(boolean value) {
        return new ToPathSettings(options, startPosition, writesInFlight, chunkSize, fsyncAtEnd, direct, value);
    }

    /** The open options, an unmodifiable set. */
    public Set<OpenOption> options() {
        return options;
    }

    /** The offset of the first byte written. */
    public long startPosition() {
        return startPosition;
    }

    /** Most writes issued at once. */
    public int writesInFlight() {
        return writesInFlight;
    }

    /** Bytes per write, before O_DIRECT rounding. */
    public int chunkSize() {
        return chunkSize;
    }

    /** Whether the file is fsynced after the last write. */
    public boolean fsyncAtEnd() {
        return fsyncAtEnd;
    }

    /** Whether the file is opened with {@code O_DIRECT}. */
    public boolean direct() {
        return direct;
    }

    /** Whether the target is replaced atomically (else written in place). */
    public boolean atomicReplace() {
        return atomicReplace;
    }

    @Override
    public String toString() {
        return "ToPathSettings[options=" + options + ", startPosition=" + startPosition + ", writesInFlight="
                + writesInFlight + ", chunkSize=" + chunkSize + ", fsyncAtEnd=" + fsyncAtEnd + ", direct=" + direct
                + ", atomicReplace=" + atomicReplace + "]";
    }
}
