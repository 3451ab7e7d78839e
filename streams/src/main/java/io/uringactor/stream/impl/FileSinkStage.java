package io.uringactor.stream.impl;

import io.uringactor.actor.InvalidRequestException;
import io.uringactor.actor.OpenOptions;
import io.uringactor.stream.javadsl.ToPathSettings;

import org.apache.pekko.annotation.InternalApi;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.SinkShape;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.util.ByteString;

import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The file sink: coalesces incoming bytes into chunk-sized writes issued at increasing offsets with up to
 * {@code writesInFlight} in flight, pulls only while less than a chunk is buffered, and at the end of the
 * stream writes the rest, optionally fsyncs, then completes (the file is closed before the result
 * completes). With O_DIRECT only whole aligned chunks go through the O_DIRECT descriptor; the unaligned
 * tail goes through a second, buffered one.
 *
 * <p>Check before you truncate: the target is checked through the ring ({@link TargetProbe}: refused if
 * this system is reading it), prepared ({@link WriteTarget}: a temporary file created in atomic mode) and
 * opened only when the first element arrives or the stream completes empty, so a stream failing before any element leaves it alone. A stream failing
 * later still gets what the sink received written (in place; atomic mode discards the temporary file).
 */
@InternalApi
public final class FileSinkStage extends RingFileStage<SinkShape<ByteString>, ToPathSettings> {
    private final Inlet<ByteString> in = shape().in();

    /** The stage behind {@code UringFileIO.toPath}, built from {@code setup}. */
    public FileSinkStage(StageSetup<ToPathSettings> setup) {
        super("UringFileSink", SinkShape.of(Inlet.create("UringFileSink.in")), setup);
    }

    @Override
    protected RingStageLogic<ToPathSettings> createLogic(RingStageLogic.Run<ToPathSettings> run) {
        return new Logic(run);
    }

    private final class Logic extends RingStageLogic<ToPathSettings> {
        private final boolean append = settings.options().contains(StandardOpenOption.APPEND);
        /**
         * O_APPEND ignores offsets, and so do a FIFO, a socket or a character device (see {@link #opened}):
         * writes in flight together could land in any order, so one at a time there.
         */
        private int maxInFlight = append ? 1 : settings.writesInFlight();
        private final boolean direct = settings.direct();
        private final WriteTarget target = settings.atomicReplace()
                ? WriteTarget.atomic(path, settings.options().contains(StandardOpenOption.CREATE),
                        settings.options().contains(StandardOpenOption.CREATE_NEW))
                : WriteTarget.inPlace(path);
        /** The path written: the target, or the temporary file in atomic mode; {@code null} until prepared. */
        private Path writePath;
        /** Completes once the target was prepared (or failed to be); {@code null} until it is started. */
        private CompletableFuture<Path> prepared;
        private OpenOptions openOptions;
        private int chunkSize = settings.chunkSize();
        private ByteString buffered = ByteString.emptyByteString();
        private long nextOffset = settings.startPosition();
        private int inFlight;
        private boolean upstreamDone;
        /** Upstream failed: in place, what was received is still written, then the stage fails with this. */
        private Throwable upstreamFailure;
        /** A write failed, or upstream failed in atomic mode: no more writes; fail once those in flight are back. */
        private Throwable stopCause;
        /** The tail write or the final fsync has been started. */
        private boolean ending;

        Logic(RingStageLogic.Run<ToPathSettings> run) {
            super(run);
            setHandler(in, new AbstractInHandler() {
                @Override
                public void onPush() {
                    buffered = buffered.concat(grab(in));
                    prepareTarget();
                    writeWhatIsReady();
                    pullIfRoom();
                }

                @Override
                public void onUpstreamFinish() {
                    upstreamDone = true;
                    prepareTarget(); // an empty stream still creates (or truncates) the target
                    writeWhatIsReady();
                }

                @Override
                public void onUpstreamFailure(Throwable cause) {
                    upstreamDone = true;
                    upstreamFailure = cause;
                    if (prepared == null) {
                        failWith(cause); // nothing received: the target is not touched
                    } else if (target.isAtomic()) {
                        stopAfterInFlight(cause); // the old target stays; postStop deletes the temporary file
                    } else {
                        writeWhatIsReady(); // write what was received, then fail
                    }
                }
            });
        }

        @Override
        protected void start() {
            if (remoteRing && target.isAtomic()) {
                // Its temporary file, mode and rename are JDK calls on this node's filesystem, not the ring's.
                failWith(new InvalidRequestException("atomic replace of " + path + " needs the ring on this node;"
                        + " the ring " + client.ring().path() + " is on another node: write in place there"));
                return;
            }
            if (remoteRing && chunkSize > remoteChunkLimit()) {
                chunkSize = remoteChunkLimit(); // each write must fit in one Artery message
            }
            setKeepGoing(true); // the stage outlives its inlet while writes, fsync, close and rename finish
            final OpenOptions options = writeOptions(settings.options(), direct);
            // The temporary file exists and is empty: open it for writing only, keeping READ and DSYNC.
            openOptions = target.isAtomic()
                    ? new OpenOptions(options.read(), true, false, false, false, false, direct, options.dsync())
                    : options;
            pullIfRoom();
        }

        /**
         * Once: checks the target through the ring, prepares it (on the blocking-IO dispatcher), then opens
         * what is to be written.
         */
        private void prepareTarget() {
            if (prepared != null) {
                return;
            }
            prepared = checkNotRead(path).thenCompose(checked -> runBlocking(target::prepare));
            onComplete(prepared, (file, error) -> {
                if (error != null) {
                    failWith(error);
                } else if (stopCause != null) {
                    failWith(stopCause);
                } else {
                    writePath = file;
                    openForWriting(file, openOptions, this::opened);
                }
            });
        }

        private void opened() {
            if (maxInFlight == 1) {
                startWriting();
                return;
            }
            onComplete(client.stat(file), (stat, error) -> {
                if (error != null) {
                    failWith(error);
                    return;
                }
                if (!stat.isRegularFile()) {
                    maxInFlight = 1;
                }
                startWriting();
            });
        }

        private void startWriting() {
            if (direct) {
                chunkSize = alignUp(chunkSize, alignment);
                if (nextOffset % alignment != 0) {
                    failWith(new IllegalArgumentException("O_DIRECT writes to " + path + " need a start position"
                            + " aligned to " + alignment + ", got " + nextOffset));
                    return;
                }
            }
            writeWhatIsReady();
            pullIfRoom();
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
                write(file, offset, data, this::written);
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
            if (inFlight == 0 && (prepared == null || prepared.isDone())) {
                failWith(stopCause);
            } // else the last write's reply, or the prepare's, fails the stage
        }

        /** O_DIRECT only: the last bytes, shorter than the alignment, through a buffered descriptor. */
        private void writeUnalignedTail() {
            ending = true;
            final ByteString tail = buffered;
            buffered = ByteString.emptyByteString();
            final FileLease[] lease = new FileLease[1];
            lease[0] = open(writePath, OpenOptions.writeOnly(), tailFile ->
                    write(tailFile, nextOffset, tail, (count, error) -> {
                        if (error != null) {
                            failWith(error);
                            return;
                        }
                        nextOffset += count;
                        onComplete(lease[0].release(), (done, closeError) -> {
                            if (closeError != null) {
                                failWith(closeError);
                            } else {
                                end();
                            }
                        });
                    }));
        }

        /** Everything received is written: in place, fsync if asked; atomic, close and rename over the target. */
        private void end() {
            ending = true;
            if (!target.isAtomic()) {
                fsyncThen(settings.fsyncAtEnd(), () -> {
                    if (upstreamFailure != null) {
                        failWith(upstreamFailure);
                    } else {
                        finish();
                    }
                });
                return;
            }
            onComplete(closeFiles(), (closed, closeError) -> {
                if (closeError != null) {
                    failWith(closeError);
                    return;
                }
                onBlocking(() -> {
                    target.commit();
                    return null;
                }, (done, error) -> {
                    if (error != null) {
                        failWith(error);
                    } else {
                        finish();
                    }
                });
            });
        }

        /** Atomic: the old target stays unless the rename happened, so nothing reached it. */
        @Override
        protected long resultCount(long written) {
            return target.isAtomic() && !target.committed() ? 0 : written;
        }

        /** Atomic and not renamed: delete the temporary file, once its preparation is over. */
        @Override
        protected CompletionStage<?> afterClose() {
            if (prepared == null || !target.isAtomic()) {
                return CompletableFuture.completedFuture(null);
            }
            return prepared.handle((file, error) -> null).thenCompose(ignored -> runBlocking(() -> {
                target.abort();
                return null;
            }));
        }
    }
}
