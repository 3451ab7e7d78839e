package io.uringactor.stream.impl;

import io.uringactor.actor.RingClient;
import io.uringactor.stream.javadsl.FromPathSettings;

import com.typesafe.config.Config;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.annotation.InternalApi;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.util.ByteString;

import java.nio.file.Path;
import java.util.function.Function;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * The file source: opens the file through the ring actor, keeps up to {@code readsInFlight} chunk reads
 * ahead of demand at increasing offsets, and emits the chunks in file order as they complete. A read the
 * kernel answers short is completed with a read of the rest (a regular file reads short only at the end,
 * so that read normally returns 0 and confirms the end); the first chunk found short at the end is the
 * last element, and reads issued past it are discarded.
 */
@InternalApi
public final class FileSourceStage extends RingFileStage<SourceShape<ByteString>, FromPathSettings> {
    private final Outlet<ByteString> out = Outlet.create("UringFileSource.out");
    private final SourceShape<ByteString> shape = SourceShape.of(out);

    /**
     * The stage behind {@code UringFileIO.fromPath} with {@code settings}.
     *
     * @param system   the system whose default ring is used unless a {@code RingAttribute} names another;
     *                 {@code null}: the materializer's
     * @param path     the file
     * @param settings the stage's settings
     */
    public FileSourceStage(ActorSystem<?> system, Path path, FromPathSettings settings) {
        this(system, path, java.util.Objects.requireNonNull(settings, "settings"), null, true);
    }

    /**
     * The stage behind {@code UringFileIO.fromPath} without settings: {@code configured} applied to the config of the
     * materializer's system when the stage is materialized.
     */
    public static FileSourceStage configured(Path path, Function<Config, FromPathSettings> configured) {
        return new FileSourceStage(null, path, null, java.util.Objects.requireNonNull(configured, "configured"), true);
    }

    /** {@code ownIsland = false} fuses the stage with its neighbours (see {@link RingFileStage}). */
    FileSourceStage(ActorSystem<?> system, Path path, FromPathSettings settings, Function<Config, FromPathSettings> configured, boolean ownIsland) {
        super("UringFileSource", system, path, settings, configured, ownIsland);
    }

    @Override
    public SourceShape<ByteString> shape() {
        return shape;
    }

    @Override
    protected RingStageLogic<FromPathSettings> createLogic(ActorSystem<?> system, RingClient client, FromPathSettings settings,
                                                     CompletableFuture<IOResult> result) {
        return new Logic(system, client, settings, result);
    }

    /** One chunk read: where, how much, what has arrived. */
    private static final class Chunk {
        final long offset;
        final int length;
        ByteString data;
        boolean done;
        boolean endOfFile;

        Chunk(long offset, int length) {
            this.offset = offset;
            this.length = length;
        }
    }

    private final class Logic extends RingStageLogic<FromPathSettings> {
        private final ArrayDeque<Chunk> chunks = new ArrayDeque<>();
        private int chunkSize = settings.chunkSize();
        private long nextOffset = settings.startPosition();
        /** Bytes of the first chunk before the start position (O_DIRECT reads from the aligned offset below). */
        private int skip;
        private boolean endSeen;

        Logic(ActorSystem<?> system, RingClient client, FromPathSettings settings, CompletableFuture<IOResult> result) {
            super(shape, system, client, settings, result);
            setOutHandler(out, this::emit);
        }

        @Override
        protected void start() {
            openForReading(path, settings.direct(), this::opened);
        }

        private void opened() {
            if (settings.direct()) {
                chunkSize = alignUp(chunkSize, alignment);
                skip = (int) (nextOffset % alignment);
                nextOffset -= skip;
            }
            readAhead();
        }

        private void readAhead() {
            while (!endSeen && chunks.size() < settings.readsInFlight()) {
                final Chunk chunk = new Chunk(nextOffset, chunkSize);
                nextOffset += chunkSize;
                chunks.addLast(chunk);
                readFully(chunk.offset, chunk.length, data -> arrived(chunk, data));
            }
        }

        private void arrived(Chunk chunk, ByteString data) {
            chunk.data = data;
            chunk.done = true;
            if (data.size() < chunk.length) {
                chunk.endOfFile = true;
                endSeen = true;
            }
            emit();
        }

        private void emit() {
            final Chunk head = chunks.peekFirst();
            if (head == null || !head.done || !isAvailable(out)) {
                return;
            }
            chunks.pollFirst();
            ByteString data = head.data;
            if (skip > 0) {
                data = data.drop(skip);
                skip = 0;
            }
            if (!data.isEmpty()) {
                bytes += data.size();
                push(out, data);
            }
            if (head.endOfFile) {
                finish();
            } else {
                readAhead();
            }
        }
    }
}
