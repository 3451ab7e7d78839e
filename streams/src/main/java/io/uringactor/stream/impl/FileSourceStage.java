package io.uringactor.stream.impl;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingExtension;
import io.uringactor.stream.javadsl.FromPathSettings;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.stage.AbstractGraphStageWithMaterializedValue;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The file source: opens the file through the ring actor, keeps up to {@code readsInFlight} chunk reads
 * ahead of demand at increasing offsets, and emits the chunks in file order as they complete. A read the
 * kernel answers short is completed with a read of the rest (a regular file reads short only at the end,
 * so that read normally returns 0 and confirms the end); the first chunk found short at the end is the
 * last element, and reads issued past it are discarded.
 */
public final class FileSourceStage
        extends AbstractGraphStageWithMaterializedValue<SourceShape<ByteString>, CompletionStage<IOResult>> {
    private final Outlet<ByteString> out = Outlet.create("UringFileSource.out");
    private final SourceShape<ByteString> shape = SourceShape.of(out);
    private final ActorSystem<?> system;
    private final Path path;
    private final FromPathSettings settings;

    public FileSourceStage(ActorSystem<?> system, Path path, FromPathSettings settings) {
        this.system = system;
        this.path = path;
        this.settings = settings;
    }

    @Override
    public SourceShape<ByteString> shape() {
        return shape;
    }

    @Override
    public Attributes initialAttributes() {
        return Attributes.name("uringFileSource");
    }

    @Override
    public Pair<GraphStageLogic, CompletionStage<IOResult>> createLogicAndMaterializedValuePair(Attributes attributes) {
        final CompletableFuture<IOResult> result = new CompletableFuture<>();
        return Pair.create(new Logic(result), result);
    }

    @Override
    public String toString() {
        return "UringFileSource(" + path + ", " + settings + ")";
    }

    /** One chunk read: where, how much, what has arrived. */
    private static final class Chunk {
        final long offset;
        final int length;
        ByteString data = ByteString.emptyByteString();
        boolean done;
        boolean endOfFile;

        Chunk(long offset, int length) {
            this.offset = offset;
            this.length = length;
        }
    }

    private final class Logic extends RingStageLogic {
        private final ArrayDeque<Chunk> chunks = new ArrayDeque<>();
        private FileHandle file;
        private int chunkSize = settings.chunkSize();
        private int alignment;
        private long nextOffset = settings.startPosition();
        /** Bytes of the first chunk before the start position (O_DIRECT reads from the aligned offset below). */
        private int skip;
        private boolean endSeen;

        Logic(CompletableFuture<IOResult> result) {
            super(shape, RingExtension.get(system).client(), result);
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
                read(chunk);
            }
        }

        private void read(Chunk chunk) {
            final int have = chunk.data.size();
            onComplete(client.read(file, chunk.offset + have, chunk.length - have), (data, error) -> {
                if (error != null) {
                    failWith(error);
                } else {
                    arrived(chunk, data);
                }
            });
        }

        private void arrived(Chunk chunk, ByteString data) {
            chunk.data = chunk.data.concat(data);
            final boolean full = chunk.data.size() >= chunk.length;
            // O_DIRECT reads short only at the end; an unaligned count proves it and the rest would be refused.
            final boolean provenEnd = data.isEmpty() || (alignment > 0 && data.size() % alignment != 0);
            if (!full && !provenEnd) {
                read(chunk);
                return;
            }
            chunk.done = true;
            if (!full) {
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
