package io.uringactor.stream.impl;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingExtension;
import io.uringactor.stream.javadsl.BlockRead;
import io.uringactor.stream.javadsl.BlockReadSettings;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractGraphStageWithMaterializedValue;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Reads a block at each incoming offset, up to {@code readsInFlight} at once, and emits the blocks in
 * the order of the offsets. Read but not yet emitted blocks count against the limit, so demand is pulled
 * from upstream only while there is room.
 */
public final class BlockReadStage
        extends AbstractGraphStageWithMaterializedValue<FlowShape<Long, BlockRead>, CompletionStage<IOResult>> {
    private final Inlet<Long> in = Inlet.create("UringBlockReader.in");
    private final Outlet<BlockRead> out = Outlet.create("UringBlockReader.out");
    private final FlowShape<Long, BlockRead> shape = FlowShape.of(in, out);
    private final ActorSystem<?> system;
    private final Path path;
    private final BlockReadSettings settings;

    public BlockReadStage(ActorSystem<?> system, Path path, BlockReadSettings settings) {
        this.system = system;
        this.path = path;
        this.settings = settings;
    }

    @Override
    public FlowShape<Long, BlockRead> shape() {
        return shape;
    }

    @Override
    public Attributes initialAttributes() {
        return Attributes.name("uringBlockReader");
    }

    @Override
    public Pair<GraphStageLogic, CompletionStage<IOResult>> createLogicAndMaterializedValuePair(Attributes attributes) {
        final CompletableFuture<IOResult> result = new CompletableFuture<>();
        return Pair.create(new Logic(result), result);
    }

    @Override
    public String toString() {
        return "UringBlockReader(" + path + ", " + settings + ")";
    }

    private static final class Block {
        final long offset;
        ByteString data = ByteString.emptyByteString();
        boolean done;

        Block(long offset) {
            this.offset = offset;
        }
    }

    private final class Logic extends RingStageLogic {
        private final ArrayDeque<Block> blocks = new ArrayDeque<>();
        private final int blockSize = settings.blockSize();
        private FileHandle file;
        private int alignment;

        Logic(CompletableFuture<IOResult> result) {
            super(shape, RingExtension.get(system).client(), result);
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
            setHandler(out, new AbstractOutHandler() {
                @Override
                public void onPull() {
                    emit();
                }

                @Override
                public void onDownstreamFinish(Throwable cause) {
                    cancelled(cause);
                }
            });
        }

        @Override
        protected void start() {
            final OpenOptions options = settings.direct() ? OpenOptions.readOnly().withDirect() : OpenOptions.readOnly();
            open(path, options, this::opened);
        }

        private void opened(FileHandle handle) {
            file = handle;
            if (settings.direct()) {
                alignment = directIoAlignment(path);
                if (blockSize % alignment != 0) {
                    failWith(new IllegalArgumentException("O_DIRECT reads of " + path + " need a block size aligned to "
                            + alignment + ", got " + blockSize));
                    return;
                }
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
            read(block);
            pullIfRoom();
        }

        private void read(Block block) {
            final int have = block.data.size();
            onComplete(client.read(file, block.offset + have, blockSize - have), (data, error) -> {
                if (error != null) {
                    failWith(error);
                    return;
                }
                block.data = block.data.concat(data);
                final boolean provenEnd = data.isEmpty() || (alignment > 0 && data.size() % alignment != 0);
                if (block.data.size() < blockSize && !provenEnd) {
                    read(block);
                } else {
                    block.done = true;
                    emit();
                }
            });
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
