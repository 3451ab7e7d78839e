package io.uringactor.stream.impl;

import io.uringactor.stream.javadsl.FromPathSettings;

import org.apache.pekko.annotation.InternalApi;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.util.ByteString;

import java.util.ArrayDeque;

/**
 * The file source: opens the file through the ring actor, keeps up to {@code readsInFlight} chunk reads
 * ahead of demand at increasing offsets, and emits the chunks in file order as they complete. A read the
 * kernel answers short is completed with a read of the rest (a regular file reads short only at the end,
 * so that read normally returns 0 and confirms the end); the first chunk found short at the end is the
 * last element, and reads issued past it are discarded.
 */
@InternalApi
public final class FileSourceStage extends RingFileStage<SourceShape<ByteString>, FromPathSettings> {
    private final Outlet<ByteString> out = shape().out();

    /** The stage behind {@code UringFileIO.fromPath}, built from {@code setup}. */
    public FileSourceStage(StageSetup<FromPathSettings> setup) {
        super("UringFileSource", SourceShape.of(Outlet.create("UringFileSource.out")), setup);
    }

    @Override
    protected RingStageLogic<FromPathSettings> createLogic(RingStageLogic.Run<FromPathSettings> run) {
        return new Logic(run);
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

        Logic(RingStageLogic.Run<FromPathSettings> run) {
            super(run);
            setOutHandler(out, this::emit);
        }

        @Override
        protected void start() {
            openForReading(path, settings.direct(), this::opened);
        }

        private void opened() {
            if (remoteRing && chunkSize > remoteChunkLimit()) {
                chunkSize = remoteChunkLimit(); // the reply must fit in one Artery message; chunks are a maximum
            }
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
