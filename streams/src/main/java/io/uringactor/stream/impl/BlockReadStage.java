package io.uringactor.stream.impl;

import io.uringactor.actor.RingClient;
import io.uringactor.stream.javadsl.BlockRead;
import io.uringactor.stream.javadsl.BlockReadSettings;

import com.typesafe.config.Config;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.annotation.InternalApi;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.util.ByteString;

import java.nio.file.Path;
import java.util.function.Function;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * Reads a block at each incoming offset, up to {@code readsInFlight} at once, and emits the blocks in
 * the order of the offsets. Read but not yet emitted blocks count against the limit, so demand is pulled
 * from upstream only while there is room.
 */
@InternalApi
public final class BlockReadStage extends RingFileStage<FlowShape<Long, BlockRead>, BlockReadSettings> {
    private final Inlet<Long> in = Inlet.create("UringBlockReader.in");
    private final Outlet<BlockRead> out = Outlet.create("UringBlockReader.out");
    private final FlowShape<Long, BlockRead> shape = FlowShape.of(in, out);

    /**
     * The stage behind {@code UringFileIO.blockReader} with {@code settings}.
     *
     * @param system   the system whose default ring is used unless a {@code RingAttribute} names another;
     *                 {@code null}: the materializer's
     * @param path     the file
     * @param settings the stage's settings
     */
    public BlockReadStage(ActorSystem<?> system, Path path, BlockReadSettings settings) {
        this(system, path, java.util.Objects.requireNonNull(settings, "settings"), null, true);
    }

    /**
     * The stage behind {@code UringFileIO.blockReader} without settings: {@code configured} applied to the config of the
     * materializer's system when the stage is materialized.
     */
    public static BlockReadStage configured(Path path, Function<Config, BlockReadSettings> configured) {
        return new BlockReadStage(null, path, null, java.util.Objects.requireNonNull(configured, "configured"), true);
    }

    /** {@code ownIsland = false} fuses the stage with its neighbours (see {@link RingFileStage}). */
    BlockReadStage(ActorSystem<?> system, Path path, BlockReadSettings settings, Function<Config, BlockReadSettings> configured, boolean ownIsland) {
        super("UringBlockReader", system, path, settings, configured, ownIsland);
    }

    @Override
    public FlowShape<Long, BlockRead> shape() {
        return shape;
    }

    @Override
    protected RingStageLogic<BlockReadSettings> createLogic(ActorSystem<?> system, RingClient client, BlockReadSettings settings,
                                                     CompletableFuture<IOResult> result) {
        return new Logic(system, client, settings, result);
    }

    private static final class Block {
        final long offset;
        ByteString data;
        boolean done;

        Block(long offset) {
            this.offset = offset;
        }
    }

    private final class Logic extends RingStageLogic<BlockReadSettings> {
        private final ArrayDeque<Block> blocks = new ArrayDeque<>();
        private final int blockSize = settings.blockSize();

        Logic(ActorSystem<?> system, RingClient client, BlockReadSettings settings, CompletableFuture<IOResult> result) {
            super(shape, system, client, settings, result);
            setHandler(in, new AbstractInHandler() {
                @Override
                public void onPush() {
                    requested(grab(in));
                }

                @Override
                public void onUpstreamFinish() {
                    if (blocks.isEmpty() && file != null) {
                        finish();
                    }
                }
            });
            setOutHandler(out, this::emit);
        }

        @Override
        protected void start() {
            openForReading(path, settings.direct(), this::opened);
        }

        private void opened() {
            if (settings.direct() && blockSize % alignment != 0) {
                failWith(new IllegalArgumentException("O_DIRECT reads of " + path + " need a block size aligned to "
                        + alignment + ", got " + blockSize));
                return;
            }
            if (isClosed(in)) {
                finish(); // no offsets came before the open completed
            } else {
                pullIfRoom();
            }
        }

        private void pullIfRoom() {
            if (file != null && blocks.size() < settings.readsInFlight() && !isClosed(in) && !hasBeenPulled(in)) {
                pull(in);
            }
        }

        private void requested(Long offset) {
            if (offset == null || offset < 0) {
                failWith(new IllegalArgumentException("block offsets must not be negative, got " + offset));
                return;
            }
            if (alignment > 0 && offset % alignment != 0) {
                failWith(new IllegalArgumentException("O_DIRECT reads of " + path + " need offsets aligned to "
                        + alignment + ", got " + offset));
                return;
            }
            final Block block = new Block(offset);
            blocks.addLast(block);
            readFully(offset, blockSize, data -> {
                block.data = data;
                block.done = true;
                emit();
            });
            pullIfRoom();
        }

        private void emit() {
            final Block head = blocks.peekFirst();
            if (head == null || !head.done || !isAvailable(out)) {
                return;
            }
            blocks.pollFirst();
            bytes += head.data.size();
            push(out, new BlockRead(head.offset, head.data));
            if (isClosed(in) && blocks.isEmpty()) {
                finish();
            } else {
                pullIfRoom();
            }
        }
    }
}
