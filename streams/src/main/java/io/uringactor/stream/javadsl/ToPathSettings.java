package io.uringactor.stream.javadsl;

import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * How {@link UringFileIO#toPath(org.apache.pekko.actor.typed.ActorSystem, java.nio.file.Path, ToPathSettings)}
 * writes a file. Immutable; start from {@link #create()} and change with {@code withX}.
 *
 * <ul>
 *   <li>{@code options} (default {@code WRITE, CREATE, TRUNCATE_EXISTING}, as {@code FileIO.toPath}):
 *       {@link StandardOpenOption}s mapped as {@code FileChannel.open} does. With {@code APPEND} every write
 *       goes to the end of the file, so writes are issued one at a time to keep their order.</li>
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
 * </ul>
 */
public final class ToPathSettings {
    public static final int DEFAULT_CHUNK_SIZE = 128 * 1024;
    public static final int DEFAULT_WRITES_IN_FLIGHT = 4;
    public static final Set<OpenOption> DEFAULT_OPTIONS = Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING);

    private final Set<OpenOption> options;
    private final long startPosition;
    private final int writesInFlight;
    private final int chunkSize;
    private final boolean fsyncAtEnd;
    private final boolean direct;

    private ToPathSettings(Set<OpenOption> options, long startPosition, int writesInFlight, int chunkSize,
                           boolean fsyncAtEnd, boolean direct) {
        if (options == null || options.isEmpty()) {
            throw new IllegalArgumentException("options must not be empty");
        }
        if (startPosition < 0) {
            throw new IllegalArgumentException("startPosition=" + startPosition + " must not be negative");
        }
        if (writesInFlight <= 0) {
            throw new IllegalArgumentException("writesInFlight=" + writesInFlight + " must be positive");
        }
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunkSize=" + chunkSize + " must be positive");
        }
        this.options = Set.copyOf(options);
        this.startPosition = startPosition;
        this.writesInFlight = writesInFlight;
        this.chunkSize = chunkSize;
        this.fsyncAtEnd = fsyncAtEnd;
        this.direct = direct;
    }

    /** WRITE, CREATE, TRUNCATE_EXISTING from offset 0, 4 writes of 128 KiB in flight, no fsync, buffered. */
    public static ToPathSettings create() {
        return new ToPathSettings(DEFAULT_OPTIONS, 0, DEFAULT_WRITES_IN_FLIGHT, DEFAULT_CHUNK_SIZE, false, false);
    }

    /** The open options; WRITE is implied by APPEND, and READ is allowed. */
    public ToPathSettings withOptions(Set<? extends OpenOption> value) {
        return new ToPathSettings(Set.copyOf(value), startPosition, writesInFlight, chunkSize, fsyncAtEnd, direct);
    }

    public ToPathSettings withStartPosition(long value) {
        return new ToPathSettings(options, value, writesInFlight, chunkSize, fsyncAtEnd, direct);
    }

    public ToPathSettings withWritesInFlight(int value) {
        return new ToPathSettings(options, startPosition, value, chunkSize, fsyncAtEnd, direct);
    }

    public ToPathSettings withChunkSize(int value) {
        return new ToPathSettings(options, startPosition, writesInFlight, value, fsyncAtEnd, direct);
    }

    /** {@code fsync} after the last write, before the materialized result completes. */
    public ToPathSettings withFsyncAtEnd(boolean value) {
        return new ToPathSettings(options, startPosition, writesInFlight, chunkSize, value, direct);
    }

    /** {@code O_DIRECT} on or off. */
    public ToPathSettings withDirect(boolean value) {
        return new ToPathSettings(options, startPosition, writesInFlight, chunkSize, fsyncAtEnd, value);
    }

    public Set<OpenOption> options() {
        return options;
    }

    public long startPosition() {
        return startPosition;
    }

    public int writesInFlight() {
        return writesInFlight;
    }

    public int chunkSize() {
        return chunkSize;
    }

    public boolean fsyncAtEnd() {
        return fsyncAtEnd;
    }

    public boolean direct() {
        return direct;
    }

    @Override
    public String toString() {
        return "ToPathSettings[options=" + options + ", startPosition=" + startPosition + ", writesInFlight="
                + writesInFlight + ", chunkSize=" + chunkSize + ", fsyncAtEnd=" + fsyncAtEnd + ", direct=" + direct + "]";
    }
}
