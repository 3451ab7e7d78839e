package io.uringactor.stream.impl;

import io.uringactor.stream.javadsl.BlockWrite;
import io.uringactor.stream.javadsl.BlockWriteSettings;
import io.uringactor.stream.javadsl.ToPathSettings;

import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.util.ByteString;

import java.nio.file.Path;
import java.util.concurrent.CompletionStage;

/**
 * The writers built fused with their upstream ({@code ownIsland = false}, as {@link SpliceCopy}'s stream
 * copy builds them), for tests that need the sink to see every element the upstream made: the public API's
 * stages are islands of their own, whose async boundary an upstream failure can overtake.
 */
public final class FusedStages {
    private FusedStages() {
    }

    /** {@code UringFileIO.toPath(path, settings)}, fused; the materializer's system. */
    public static Sink<ByteString, CompletionStage<IOResult>> toPath(Path path, ToPathSettings settings) {
        return Sink.fromGraph(new FileSinkStage(StageSetup.fused(null, path, settings)));
    }

    /** {@code UringFileIO.blockWriteSink(path, settings)}, fused; the materializer's system. */
    public static Sink<BlockWrite, CompletionStage<IOResult>> blockWriteSink(Path path, BlockWriteSettings settings) {
        return org.apache.pekko.stream.javadsl.Flow
                .fromGraph(new BlockWriteStage(StageSetup.fused(null, path, settings)))
                .toMat(Sink.ignore(), Keep.left());
    }
}
