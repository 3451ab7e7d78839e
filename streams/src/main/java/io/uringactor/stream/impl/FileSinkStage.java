package io.uringactor.stream.impl;

import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingClient;
import io.uringactor.stream.javadsl.ToPathSettings;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.SinkShape;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.util.ByteString;

import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;

/**
 * The file sink: coalesces incoming bytes into chunk-sized writes issued at increasing offsets with up to
 * {@code writesInFlight} in flight, pulls only while less than a chunk is buffered, and at the end of the
 * stream writes the rest, optionally fsyncs, then completes (the file is closed before the result
 * completes). With O_DIRECT only whole aligned chunks go through the O_DIRECT descriptor; the unaligned
 * tail goes through a second, buffered one.
 */
public final class FileSinkStage extends RingFileStage<SinkShape<ByteString>, ToPathSettings> {
    private final Inlet<ByteString> in = Inlet.create("UringFileSink.in");
    private final SinkShape<ByteString> shape = SinkShape.of(in);

    public FileSinkStage(ActorSystem<?> system, Path path, ToPathSettings settings) {
        super("UringFileSink", system, path, settings);
    }

    @Override
    public SinkShape<ByteString> shape() {
        return shape;
    }

    @Override
    protected RingStageLogic createLogic(RingClient client, CompletableFuture<IOResult> result) {
        return new Logic(client, result);
    }

    private final class Logic extends RingStageLogic {
        private final boolean append = settings.options().contains(StandardOpenOption.APPEND);
        /** O_APPEND ignores offsets: concurrent appends could land in any order, so one at a time. */
        private final int maxInFlight = append ? 1 : settings.writesInFlight();
        private final boolean direct = settings.direct();
        private int chunkSize = settings.chunkSize();
        private ByteString buffered = ByteString.emptyByteString();
        private long nextOffset = settings.startPosition();
        private int inFlight;
        private boolean upstreamDone;
        /** Upstream failed or a write failed: no more writes; fail once those in flight are back. */
        private Throwable stopCause;
        /** The tail write or the final fsync has been started. */
        private boolean ending;

        Logic(RingClient client, CompletableFuture<IOResult> result) {
            super(shape, client, result);
            setHandler(in, new AbstractInHandler() {
                @Override
                public void onPush() {
                    buffered = buffered.concat(grab(in));
                    writeWhatIsReady();
                    pullIfRoom();
                }

                @Override
                public void onUpstreamFinish() {
                    upstreamDone = true;
                    writeWhatIsReady();
                }

                @Override
                public void onUpstreamFailure(Throwable cause) {
                    upstreamDone = true;
                    stopAfterInFlight(cause);
                }
            });
        }

        @Override
        protected void start() {
            setKeepGoing(true); // the stage outlives its inlet while writes, fsync and close finish
            if (openForWriting(path, settings.options(), direct, this::opened)) {
                pullIfRoom();
            }
        }

        private void opened() {
            if (direct) {
                chunkSize = alignUp(chunkSize, alignment);
                if (nextOffset % alignment != 0) {
                    failWith(new IllegalArgumentException("O_DIRECT writes to " + path + " need a start position"
                            + " aligned to " + alignment + ", got " + nextOffset));
                    return;
                }
            }
            writeWhatIsReady();
        }

        private void pullIfRoom() {
            if (!isClosed(in) && !hasBeenPulled(in) && stopCause == null && buffered.size() < chunkSize) {
                pull(in);
            }
        }

        private void writeWhatIsReady() {
            if (file == null || stopCause != null || ending) {
                return;
            }
            while (inFlight < maxInFlight && !buffered.isEmpty()) {
                final int n;
                if (buffered.size() >= chunkSize) {
                    n = chunkSize;
                } else if (upstreamDone) {
                    n = direct ? buffered.size() - buffered.size() % alignment : buffered.size();
                } else if (!direct && inFlight == 0) {
                    n = buffered.size(); // the file is idle: do not hold back a slow upstream's bytes
                } else {
                    break;
                }
                if (n == 0) {
                    break;
                }
                final ByteString data = buffered.take(n);
                buffered = buffered.drop(n);
                final long offset = nextOffset;
                nextOffset += n;
                inFlight++;
                onComplete(client.write(file, offset, data), this::written);
            }
            if (upstreamDone && inFlight == 0) {
                if (buffered.isEmpty()) {
                    end();
                } else {
                    writeUnalignedTail();
                }
            }
        }

        private void written(Integer count, Throwable error) {
            inFlight--;
            if (error != null) {
                if (!isClosed(in)) {
                    cancel(in, error);
                }
                upstreamDone = true;
                stopAfterInFlight(error);
                return;
            }
            bytes += count;
            if (stopCause != null) {
                stopAfterInFlight(stopCause);
                return;
            }
            writeWhatIsReady();
            pullIfRoom();
        }

        private void stopAfterInFlight(Throwable cause) {
            if (stopCause == null) {
                stopCause = cause;
            }
            if (inFlight == 0) {
                failWith(stopCause);
            }
        }

        /** O_DIRECT only: the last bytes, shorter than the alignment, through a buffered descriptor. */
        private void writeUnalignedTail() {
            ending = true;
            final ByteString tail = buffered;
            buffered = ByteString.emptyByteString();
            final FileLease[] lease = new FileLease[1];
            lease[0] = open(path, OpenOptions.writeOnly(), tailFile ->
                    onComplete(client.write(tailFile, nextOffset, tail), (count, error) -> {
                        if (error != null) {
                            failWith(error);
                            return;
                        }
                        bytes += count;
                        nextOffset += count;
                        onComplete(lease[0].release(), (done, closeError) -> {
                            if (closeError != null) {
                                failWith(closeError);
                            } else {
                                finishAfterFsync(settings.fsyncAtEnd());
                            }
                        });
                    }));
        }

        private void end() {
            ending = true;
            finishAfterFsync(settings.fsyncAtEnd());
        }
    }
}
