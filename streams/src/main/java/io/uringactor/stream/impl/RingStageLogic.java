package io.uringactor.stream.impl;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingClient;
import io.uringactor.ring.AlignedBuffer;

import org.apache.pekko.Done;
import org.apache.pekko.stream.AbruptStageTerminationException;
import org.apache.pekko.stream.IOOperationIncompleteException;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.Shape;
import org.apache.pekko.stream.SubscriptionWithCancelException;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * What the file stages share: opening files through the ring actor, delivering the actor's replies into
 * the stage (one {@link AsyncCallback} of {@link Runnable}s, so that every reply is handled on the stage's
 * thread with the state it closes over), closing every file when the stage stops for any reason, and
 * completing the materialized {@link IOResult} after the files are closed.
 *
 * <p>The result: success with the byte count when the stage completed (or was cancelled without a
 * failure); otherwise failed with {@link IOOperationIncompleteException} holding the bytes moved so far
 * and the cause, as Pekko's {@code FileIO.toPath} does.
 */
abstract class RingStageLogic extends GraphStageLogic {
    protected final RingClient client;
    private final CompletableFuture<IOResult> result;
    private final List<FileLease> leases = new ArrayList<>(2);
    private AsyncCallback<Runnable> callback;
    /** Bytes read or written, for the result. Touched on the stage's thread only. */
    protected long bytes;
    private Throwable failure;
    private boolean finished;

    RingStageLogic(Shape shape, RingClient client, CompletableFuture<IOResult> result) {
        super(shape);
        this.client = client;
        this.result = result;
    }

    @Override
    public final void preStart() {
        callback = createAsyncCallback(Runnable::run);
        start();
    }

    /** Called from {@code preStart}: open the file(s) here. */
    protected abstract void start();

    /** Runs {@code handler} on the stage's thread when {@code stage} completes; dropped if the stage has stopped. */
    protected final <T> void onComplete(CompletionStage<T> stage, BiConsumer<T, Throwable> handler) {
        stage.whenComplete((value, error) -> callback.invoke(() -> handler.accept(value, unwrap(error))));
    }

    /**
     * Opens {@code path}; {@code onOpened} runs on the stage's thread. A failed open fails the stage with
     * the actor's exception. The file is closed when the stage stops, or at once if its open completes
     * after that.
     */
    protected final FileLease open(Path path, OpenOptions options, Consumer<FileHandle> onOpened) {
        final FileLease lease = new FileLease(client);
        leases.add(lease);
        client.open(path, options).whenComplete((file, error) -> {
            if (error != null) {
                lease.openFailed();
                final Throwable cause = unwrap(error);
                callback.invoke(() -> failWith(cause));
            } else if (lease.opened(file)) {
                callback.invoke(() -> onOpened.accept(file));
            }
        });
        return lease;
    }

    /** Fails the stage; the result fails with {@link IOOperationIncompleteException}({@link #bytes}, cause). */
    protected final void failWith(Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        finished = true;
        failStage(cause);
    }

    /** Completes the stage; the result succeeds with {@link #bytes} once the files are closed. */
    protected final void finish() {
        finished = true;
        completeStage();
    }

    /** Downstream cancelled: the result succeeds unless the cancellation carries a failure. */
    protected final void cancelled(Throwable cause) {
        finished = true;
        if (!(cause instanceof SubscriptionWithCancelException.NonFailureCancellation) && failure == null) {
            failure = cause;
        }
        cancelStage(cause);
    }

    /** The O_DIRECT alignment of {@code path}'s file system (statx, Linux 6.1+; else 4096). */
    protected static int directIoAlignment(Path path) {
        try {
            return AlignedBuffer.directIoAlignment(path);
        } catch (RuntimeException e) {
            return AlignedBuffer.DEFAULT_DIRECT_IO_ALIGNMENT;
        }
    }

    /** Rounds {@code value} up to a multiple of {@code alignment}. */
    protected static int alignUp(int value, int alignment) {
        return (int) Math.min(Integer.MAX_VALUE - alignment + 1, ((long) value + alignment - 1) / alignment * alignment);
    }

    @Override
    public final void postStop() {
        final Throwable cause = failure != null ? failure : finished ? null : new AbruptStageTerminationException(this);
        final long count = bytes;
        CompletableFuture<Done> closed = CompletableFuture.completedFuture(Done.getInstance());
        for (FileLease lease : leases) {
            final CompletableFuture<Done> next = lease.release().toCompletableFuture();
            closed = closed.thenCombine(next, (a, b) -> Done.getInstance());
        }
        closed.whenComplete((done, closeError) -> {
            final Throwable error = cause != null ? cause : closeError != null ? unwrap(closeError) : null;
            if (error == null) {
                result.complete(IOResult.createSuccessful(count));
            } else {
                result.completeExceptionally(new IOOperationIncompleteException(count, error));
            }
        });
    }

    static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
