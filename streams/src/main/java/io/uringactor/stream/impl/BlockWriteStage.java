package io.uringactor.stream.impl;

import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingClient;
import io.uringactor.stream.javadsl.BlockWrite;
import io.uringactor.stream.javadsl.BlockWriteSettings;

import com.typesafe.config.Config;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.annotation.InternalApi;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;

import java.nio.file.Path;
import java.util.function.Function;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * Writes each incoming {@link BlockWrite} at its offset, up to {@code writesInFlight} at once, and emits
 * each one, in order, once it is written. Writes are issued in stream order; one that overlaps a write
 * still in flight waits for it (and the writes behind it wait too), so overlapping writes land in stream
 * order. At the end of the stream it optionally fsyncs, then completes.
 *
 * <p>The file is opened when the first write arrives (or the stream completes empty), after checking it is
 * not a file this system is reading ({@link TargetProbe}, through the ring), so a stream failing before any write leaves it
 * alone. When the stream fails later, the writes received are still made before the stage fails.
 */
@InternalApi
public final class BlockWriteStage extends RingFileStage<FlowShape<BlockWrite, BlockWrite>, BlockWriteSettings> {
    private final Inlet<BlockWrite> in = Inlet.create("UringBlockWriter.in");
    private final Outlet<BlockWrite> out = Outlet.create("UringBlockWriter.out");
    private final FlowShape<BlockWrite, BlockWrite> shape = FlowShape.of(in, out);

    /**
     * The stage behind {@code UringFileIO.blockWriter} and {@code blockWriteSink} with {@code settings}.
     *
     * @param system   the system whose default ring is used unless a {@code RingAttribute} names another;
     *                 {@code null}: the materializer's
     * @param path     the file
     * @param settings the stage's settings
     */
    public BlockWriteStage(ActorSystem<?> system, Path path, BlockWriteSettings settings) {
        this(system, path, java.util.Objects.requireNonNull(settings, "settings"), null, true);
    }

    /**
     * The stage behind {@code UringFileIO.blockWriter} and {@code blockWriteSink} without settings: {@code configured} applied to the config of the
     * materializer's system when the stage is materialized.
     */
    public static BlockWriteStage configured(Path path, Function<Config, BlockWriteSettings> configured) {
        return new BlockWriteStage(null, path, null, java.util.Objects.requireNonNull(configured, "configured"), true);
    }

    /** {@code ownIsland = false} fuses the stage with its neighbours (see {@link RingFileStage}). */
    BlockWriteStage(ActorSystem<?> system, Path path, BlockWriteSettings settings, Function<Config, BlockWriteSettings> configured, boolean ownIsland) {
        super("UringBlockWriter", system, path, settings, configured, ownIsland);
    }

    @Override
    public FlowShape<BlockWrite, BlockWrite> shape() {
        return shape;
    }

    @Override
    protected RingStageLogic<BlockWriteSettings> createLogic(ActorSystem<?> system, RingClient client, BlockWriteSettings settings,
                                                     CompletableFuture<IOResult> result) {
        return new Logic(system, client, settings, result);
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

    private final class Logic extends RingStageLogic<BlockWriteSettings> {
        /** Issued or waiting writes and written ones not yet emitted, in stream order. */
        private final ArrayDeque<Pending> pending = new ArrayDeque<>();
        private OpenOptions openOptions;
        /** The target's check and open have started. */
        private boolean opening;
        /** Upstream failed: the writes received are still made, then the stage fails with this. */
        private Throwable upstreamFailure;
        /** The end has begun: the final fsync (if any), then completion. */
        private boolean ending;

        Logic(ActorSystem<?> system, RingClient client, BlockWriteSettings settings, CompletableFuture<IOResult> result) {
            super(shape, system, client, settings, result);
            setHandler(in, new AbstractInHandler() {
                @Override
                public void onPush() {
                    requested(grab(in));
                }

                @Override
                public void onUpstreamFinish() {
                    endIfDone();
                }

                @Override
                public void onUpstreamFailure(Throwable cause) {
                    upstreamFailure = cause;
                    if (!opening) {
                        failWith(cause); // nothing received: the file is not touched
                    } else {
                        failOnceWritten();
                    }
                }
            });
            setOutHandler(out, this::emit);
        }

        @Override
        protected void start() {
            setKeepGoing(true); // the final fsync may outlive the ports
            openOptions = writeOptions(settings.options(), settings.direct()); // checked by the settings
            pullIfRoom();
        }

        /** Once: checks the target through the ring, then opens it. */
        private void openTarget() {
            if (opening) {
                return;
            }
            opening = true;
            onComplete(checkNotRead(path), (checked, error) -> {
                if (error != null) {
                    failWith(error);
                } else {
                    openForWriting(path, openOptions, this::opened);
                }
            });
        }

        private void opened() {
            for (Pending p : pending) {
                if (!aligned(p.write)) {
                    return; // failed
                }
            }
            issue();
            pullIfRoom();
            endIfDone();
            failOnceWritten();
        }

        /** After an upstream failure: fails the stage once every write received is on disk (emitted or not). */
        private void failOnceWritten() {
            if (upstreamFailure == null || file == null) {
                return;
            }
            for (Pending p : pending) {
                if (!p.done) {
                    return;
                }
            }
            failWith(upstreamFailure);
        }

        private void pullIfRoom() {
            if (pending.size() < settings.writesInFlight() && !isClosed(in) && !hasBeenPulled(in)) {
                pull(in);
            }
        }

        /** With O_DIRECT (known once open), whether the write is aligned; fails the stage if not. */
        private boolean aligned(BlockWrite write) {
            if (alignment > 0 && (write.offset() % alignment != 0 || write.data().size() % alignment != 0)) {
                failWith(new IllegalArgumentException("O_DIRECT writes to " + path + " need offsets and lengths aligned to "
                        + alignment + ", got offset=" + write.offset() + ", length=" + write.data().size()));
                return false;
            }
            return true;
        }

        private void requested(BlockWrite write) {
            if (!aligned(write)) {
                return;
            }
            pending.addLast(new Pending(write));
            openTarget();
            issue();
            pullIfRoom();
        }

        /** Issues waiting writes in order, stopping at the first that overlaps a write in flight. */
        private void issue() {
            if (file == null) {
                return; // opened() issues them
            }
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
                write(file, p.write.offset(), p.write.data(), (count, error) -> {
                    if (error != null) {
                        failWith(error);
                        return;
                    }
                    p.done = true;
                    issue();
                    emit();
                    failOnceWritten();
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
            if (isClosed(in)) {
                openTarget(); // an empty stream still creates the file, and reports the open's errors
            }
            if (!isClosed(in) || !pending.isEmpty() || ending || file == null || upstreamFailure != null) {
                return;
            }
            ending = true;
            finishAfterFsync(settings.fsyncAtEnd());
        }
    }
}
