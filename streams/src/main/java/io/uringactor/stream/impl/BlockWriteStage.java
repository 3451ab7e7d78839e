package io.uringactor.stream.impl;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingExtension;
import io.uringactor.stream.javadsl.BlockWrite;
import io.uringactor.stream.javadsl.BlockWriteSettings;

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

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Writes each incoming {@link BlockWrite} at its offset, up to {@code writesInFlight} at once, and emits
 * each one, in order, once it is written. Writes are issued in stream order; one that overlaps a write
 * still in flight waits for it (and the writes behind it wait too), so overlapping writes land in stream
 * order. At the end of the stream it optionally fsyncs, then completes.
 */
public final class BlockWriteStage
        extends AbstractGraphStageWithMaterializedValue<FlowShape<BlockWrite, BlockWrite>, CompletionStage<IOResult>> {
    private final Inlet<BlockWrite> in = Inlet.create("UringBlockWriter.in");
    private final Outlet<BlockWrite> out = Outlet.create("UringBlockWriter.out");
    private final FlowShape<BlockWrite, BlockWrite> shape = FlowShape.of(in, out);
    private final ActorSystem<?> system;
    private final Path path;
    private final BlockWriteSettings settings;

    public BlockWriteStage(ActorSystem<?> system, Path path, BlockWriteSettings settings) {
        this.system = system;
        this.path = path;
        this.settings = settings;
    }

    @Override
    public FlowShape<BlockWrite, BlockWrite> shape() {
        return shape;
    }

    @Override
    public Attributes initialAttributes() {
        return Attributes.name("uringBlockWriter");
    }

    @Override
    public Pair<GraphStageLogic, CompletionStage<IOResult>> createLogicAndMaterializedValuePair(Attributes attributes) {
        final CompletableFuture<IOResult> result = new CompletableFuture<>();
        return Pair.create(new Logic(result), result);
    }

    @Override
    public String toString() {
        return "UringBlockWriter(" + path + ", " + settings + ")";
    }

    private static final class Pending {
        final BlockWrite write;
        boolean issued;
        boolean done;

        Pending(BlockWrite write) {
            this.write = write;
        }

        boolean overlaps(BlockWrite other) {
            final long end = write.offset() + write.data().size();
            final long otherEnd = other.offset() + other.data().size();
            return write.offset() < otherEnd && other.offset() < end;
        }
    }

    private final class Logic extends RingStageLogic {
        /** Issued or waiting writes and written ones not yet emitted, in stream order. */
        private final ArrayDeque<Pending> pending = new ArrayDeque<>();
        private FileHandle file;
        private int alignment;
        private boolean syncing;

        Logic(CompletableFuture<IOResult> result) {
            super(shape, RingExtension.get(system).client(), result);
            setHandler(in, new AbstractInHandler() {
                @Override
                public void onPush() {
                    requested(grab(in));
                }

                @Override
                public void onUpstreamFinish() {
                    endIfDone();
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
            setKeepGoing(true); // the final fsync may outlive the ports
            OpenOptions options;
            try {
                options = OpenOptions.of(settings.options());
            } catch (IllegalArgumentException e) {
                failWith(e);
                return;
            }
            if (!options.write()) {
                options = new OpenOptions(options.read(), true, options.create(), options.createNew(),
                        options.truncate(), false, options.direct(), options.dsync());
            }
            if (settings.direct()) {
                options = options.withDirect();
            }
            open(path, options, this::opened);
        }

        private void opened(FileHandle handle) {
            file = handle;
            if (settings.direct()) {
                alignment = directIoAlignment(path);
            }
            pullIfRoom();
            endIfDone();
        }

        private void pullIfRoom() {
            if (file != null && pending.size() < settings.writesInFlight() && !isClosed(in) && !hasBeenPulled(in)) {
                pull(in);
            }
        }

        private void requested(BlockWrite write) {
            if (alignment > 0 && (write.offset() % alignment != 0 || write.data().size() % alignment != 0)) {
                failWith(new IllegalArgumentException("O_DIRECT writes to " + path + " need offsets and lengths aligned to "
                        + alignment + ", got offset=" + write.offset() + ", length=" + write.data().size()));
                return;
            }
            pending.addLast(new Pending(write));
            issue();
            pullIfRoom();
        }

        /** Issues waiting writes in order, stopping at the first that overlaps a write in flight. */
        private void issue() {
            for (Pending p : pending) {
                if (p.issued) {
                    continue;
                }
                for (Pending other : pending) {
                    if (other == p) {
                        break;
                    }
                    if (other.issued && !other.done && other.overlaps(p.write)) {
                        return;
                    }
                }
                p.issued = true;
                onComplete(client.write(file, p.write.offset(), p.write.data()), (count, error) -> {
                    if (error != null) {
                        failWith(error);
                        return;
                    }
                    p.done = true;
                    bytes += count;
                    issue();
                    emit();
                });
            }
        }

        private void emit() {
            while (!pending.isEmpty() && pending.peekFirst().done && isAvailable(out)) {
                push(out, pending.pollFirst().write);
            }
            pullIfRoom();
            endIfDone();
        }

        private void endIfDone() {
            if (!isClosed(in) || !pending.isEmpty() || syncing || file == null) {
                return; // (an empty stream still waits for the open: the file is created, errors are reported)
            }
            if (!settings.fsyncAtEnd()) {
                finish();
                return;
            }
            syncing = true;
            onComplete(client.fsync(file), (done, error) -> {
                if (error != null) {
                    failWith(error);
                } else {
                    finish();
                }
            });
        }
    }
}
