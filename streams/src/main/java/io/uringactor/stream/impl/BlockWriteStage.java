package io.uringactor.stream.impl;

import io.uringactor.actor.OpenOptions;
import io.uringactor.stream.javadsl.BlockWrite;
import io.uringactor.stream.javadsl.BlockWriteSettings;

import org.apache.pekko.annotation.InternalApi;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;

import java.util.ArrayDeque;

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
    private final Inlet<BlockWrite> in = shape().in();
    private final Outlet<BlockWrite> out = shape().out();

    /** The stage behind {@code UringFileIO.blockWriter} and {@code blockWriteSink}, built from {@code setup}. */
    public BlockWriteStage(StageSetup<BlockWriteSettings> setup) {
        super("UringBlockWriter", FlowShape.of(Inlet.create("UringBlockWriter.in"), Outlet.create("UringBlockWriter.out")),
                setup);
    }

    @Override
    protected RingStageLogic<BlockWriteSettings> createLogic(RingStageLogic.Run<BlockWriteSettings> run) {
        return new Logic(run);
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

        Logic(RingStageLogic.Run<BlockWriteSettings> run) {
            super(run);
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
