package io.uringactor.stream.impl;

import io.uringactor.stream.javadsl.BlockRead;
import io.uringactor.stream.javadsl.BlockReadSettings;

import org.apache.pekko.annotation.InternalApi;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.util.ByteString;

import java.util.ArrayDeque;

/**
 * Reads a block at each incoming offset, up to {@code readsInFlight} at once, and emits the blocks in
 * the order of the offsets. Read but not yet emitted blocks count against the limit, so demand is pulled
 * from upstream only while there is room.
 */
@InternalApi
public final class BlockReadStage extends RingFileStage<FlowShape<Long, BlockRead>, BlockReadSettings> {
    private final Inlet<Long> in = shape().in();
    private final Outlet<BlockRead> out = shape().out();

    /** The stage behind {@code UringFileIO.blockReader}, built from {@code setup}. */
    public BlockReadStage(StageSetup<BlockReadSettings> setup) {
        super("UringBlockReader", FlowShape.of(Inlet.create("UringBlockReader.in"), Outlet.create("UringBlockReader.out")),
                setup);
    }

    @Override
    protected RingStageLogic<BlockReadSettings> createLogic(RingStageLogic.Run<BlockReadSettings> run) {
        return new Logic(run);
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

        Logic(RingStageLogic.Run<BlockReadSettings> run) {
            super(run);
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
