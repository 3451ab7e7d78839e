package io.uringactor.stream.impl;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingClient;
import io.uringactor.ring.AlignedBuffer;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.AbruptStageTerminationException;
import org.apache.pekko.stream.IOOperationIncompleteException;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.Shape;
import org.apache.pekko.stream.SubscriptionWithCancelException;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * What the file stages share: opening the stage's file through the ring actor, delivering the actor's
 * replies and blocking work done on the blocking-IO dispatcher into the stage (one {@link AsyncCallback}
 * of {@link Runnable}s, so that every reply is handled on the stage's thread with the state it closes
 * over), the reads, fsync and cancellation every stage does alike, registering a file opened for reading
 * in {@link OpenReaders} (so writers can refuse it), closing every file when the stage stops for any
 * reason, and completing the materialized {@link IOResult} after the files are closed.
 *
 * <p>The result: success with the byte count when the stage completed (or was cancelled without a
 * failure); otherwise failed with {@link IOOperationIncompleteException} holding the bytes moved so far
 * and the cause, as Pekko's {@code FileIO.toPath} does.
 *
 * @param <T> the stage's settings
 */
abstract class RingStageLogic<T> extends GraphStageLogic {
    /** The system the stage runs in (given to the stage, or its materializer's). */
    protected final ActorSystem<?> system;
    /** The stage's settings for this run (given to the stage, or the system's configured ones). */
    protected final T settings;
    protected final RingClient client;
    /** The blocking-IO dispatcher: for the JDK calls that may block (stat, rename, fsync, unlink). */
    private final Executor blocking;
    private final OpenReaders readers;
    private final CompletableFuture<IOResult> result;
    private final List<FileLease> leases = new ArrayList<>(2);
    private AsyncCallback<Runnable> callback;
    /** Bytes read or written, for the result. Touched on the stage's thread only. */
    protected long bytes;
    /**
     * Writes issued whose reply the stage has not handled yet, in no order. A write's bytes are in the
     * file once its CQE says so, whether or not the stage is still running to hear it: {@link #postStop}
     * waits for these and counts them, so the result's count is what the file holds. Stage thread only.
     */
    private final Set<CompletableFuture<Integer>> writesInFlight = new HashSet<>();
    /** The stage's file once its open has completed; {@code null} before. */
    protected FileHandle file;
    /** The O_DIRECT alignment of the file's file system once open; 0 when the file is not opened O_DIRECT. */
    protected int alignment;
    /** The stage's file as registered in {@link #readers} once opened for reading; {@code null} before. */
    private OpenReaders.Reading reading;
    private Throwable failure;
    private boolean finished;

    /**
     * One run of a stage: its shape, the system it runs in, the ring's client, its settings, and the result
     * it completes.
     */
    record Run<T>(Shape shape, ActorSystem<?> system, RingClient client, T settings,
                  CompletableFuture<IOResult> result) {
    }

    /**
     * The ring is on another node ({@code RingAttribute} with a client of a remote ring): every request and
     * reply crosses Artery, whose messages are at most {@link #remoteChunkLimit()}, and the JVM's view of
     * the filesystem is not the ring's.
     */
    protected final boolean remoteRing;

    RingStageLogic(Run<T> run) {
        super(run.shape());
        this.system = run.system();
        this.settings = run.settings();
        this.client = run.client();
        this.remoteRing = client.ring().path().address().hasGlobalScope();
        this.blocking = Blocking.dispatcher(system);
        this.readers = OpenReaders.get(system);
        this.result = run.result();
    }

    @Override
    public final void preStart() {
        callback = createAsyncCallback(Runnable::run);
        start();
    }

    /** Called from {@code preStart}: open the file(s) here. */
    protected abstract void start();

    /**
     * Writes {@code data} at {@code offset} of {@code target}; {@code onWritten} gets the count (already
     * added to {@link #bytes}) or the error on the stage's thread. A write whose reply comes after the stage
     * stopped is still counted in the result ({@link #postStop} waits for it).
     */
    protected final void write(FileHandle target, long offset, ByteString data, BiConsumer<Integer, Throwable> onWritten) {
        final CompletableFuture<Integer> written = client.write(target, offset, data).toCompletableFuture();
        writesInFlight.add(written);
        onComplete(written, (count, error) -> {
            writesInFlight.remove(written);
            if (error == null) {
                bytes += count;
            }
            onWritten.accept(count, error);
        });
    }

    /** Runs {@code handler} on the stage's thread when {@code stage} completes; dropped if the stage has stopped. */
    protected final <V> void onComplete(CompletionStage<V> stage, BiConsumer<V, Throwable> handler) {
        stage.whenComplete((value, error) -> callback.invoke(() -> handler.accept(value, unwrap(error))));
    }

    /**
     * Runs {@code task} on the blocking-IO dispatcher; {@code handler} gets its result or exception on the
     * stage's thread (dropped if the stage has stopped).
     */
    protected final <V> void onBlocking(Callable<V> task, BiConsumer<V, Throwable> handler) {
        onComplete(runBlocking(task), handler);
    }

    /** Runs {@code task} on the blocking-IO dispatcher. */
    protected final <V> CompletableFuture<V> runBlocking(Callable<V> task) {
        return Blocking.run(blocking, task);
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

    /**
     * Opens the stage's {@link #file} read-only, O_DIRECT if {@code direct}, stats it through the ring and
     * registers it in {@link OpenReaders} by that {@link FileIdentity} before {@code onOpened} runs, so that
     * a writer fed by this stage finds it there (until the file is closed). A failed stat fails the stage:
     * an unregistered file could be truncated under the reader.
     */
    protected final void openForReading(Path path, boolean direct, Runnable onOpened) {
        openFile(path, direct ? OpenOptions.readOnly().withDirect() : OpenOptions.readOnly(),
                () -> onComplete(client.stat(file), (stat, error) -> {
                    if (error != null) {
                        failWith(error);
                        return;
                    }
                    reading = readers.register(FileIdentity.of(stat), path); // on the stage's thread: never after postStop
                    onOpened.run();
                }));
    }

    /**
     * Checks {@code target} against the files this system's readers have open now, through this stage's
     * ring ({@link TargetProbe}); completes when it may be written, or fails ({@code SameFileException}).
     * Call it on the stage's thread before the target is created or truncated. The probe's handle is
     * closed with the stage's files. Completes even after the stage stopped, never on its thread.
     */
    protected final CompletableFuture<Void> checkNotRead(Path target) {
        final OpenReaders.Snapshot now = readers.snapshot(); // a reader that fed this stage's element is in it
        if (now.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        final FileLease lease = new FileLease(client);
        leases.add(lease);
        return TargetProbe.check(client, target, now, lease::opened, lease::openFailed);
    }

    /**
     * A writer's {@code options} as open options ({@link OpenOptions#ofWriting}: the settings refused a set
     * that does not write), O_DIRECT if {@code direct}.
     */
    protected static OpenOptions writeOptions(Set<? extends OpenOption> options, boolean direct) {
        final OpenOptions open = OpenOptions.ofWriting(options);
        return direct ? open.withDirect() : open;
    }

    /** Opens the stage's {@link #file} for writing with {@code options}; {@code onOpened} runs once it is set. */
    protected final void openForWriting(Path path, OpenOptions options, Runnable onOpened) {
        openFile(path, options, onOpened);
    }

    private void openFile(Path path, OpenOptions options, Runnable onOpened) {
        open(path, options, handle -> {
            file = handle;
            if (options.direct()) {
                alignment = directIoAlignment(path);
            }
            onOpened.run();
        });
    }

    /**
     * Reads {@code length} bytes of {@link #file} at {@code offset}; {@code onRead} gets them on the stage's
     * thread, fewer only at the end of the file. A short read is followed by a read of the rest (a regular
     * file reads short only at the end, so that read normally returns 0 and confirms it). A failed read
     * fails the stage.
     */
    protected final void readFully(long offset, int length, Consumer<ByteString> onRead) {
        readRest(offset, length, ByteString.emptyByteString(), onRead);
    }

    private void readRest(long offset, int length, ByteString have, Consumer<ByteString> onRead) {
        onComplete(client.read(file, offset + have.size(), length - have.size()), (data, error) -> {
            if (error != null) {
                failWith(error);
                return;
            }
            final ByteString read = have.concat(data);
            // O_DIRECT reads short only at the end; an unaligned count proves it and the rest would be refused.
            final boolean provenEnd = data.isEmpty() || (alignment > 0 && data.size() % alignment != 0);
            if (read.size() < length && !provenEnd) {
                readRest(offset, length, read, onRead);
            } else {
                onRead.accept(read);
            }
        });
    }

    /** Completes the stage as {@link #finish()} does, after an fsync of {@link #file} if {@code fsync}; a failed fsync fails it. */
    protected final void finishAfterFsync(boolean fsync) {
        fsyncThen(fsync, this::finish);
    }

    /** Runs {@code then} on the stage's thread after an fsync of {@link #file} if {@code fsync}; a failed fsync fails the stage. */
    protected final void fsyncThen(boolean fsync, Runnable then) {
        if (!fsync) {
            then.run();
            return;
        }
        onComplete(client.fsync(file), (done, error) -> {
            if (error != null) {
                failWith(error);
            } else {
                then.run();
            }
        });
    }

    /** Closes every file of the stage now; completes when all are closed (failed with the first close error). */
    protected final CompletionStage<Done> closeFiles() {
        CompletableFuture<Done> closed = CompletableFuture.completedFuture(Done.getInstance());
        for (FileLease lease : leases) {
            final CompletableFuture<Done> next = lease.release().toCompletableFuture();
            closed = closed.thenCombine(next, (a, b) -> Done.getInstance());
        }
        return closed;
    }

    /**
     * Runs after the stage stopped and its files are closed, before the result completes (on any thread:
     * hand blocking work to {@link #runBlocking}). A failure fails the result unless it already failed.
     */
    protected CompletionStage<?> afterClose() {
        return CompletableFuture.completedFuture(Done.getInstance());
    }

    /**
     * The count the result reports, once the stage stopped and its writes in flight are back:
     * {@code moved} (the bytes read, or written by every write whose reply came) unless a stage says
     * otherwise.
     */
    protected long resultCount(long moved) {
        return moved;
    }

    /** Handles {@code out}: a pull runs {@code onPull}; a cancellation stops the stage as {@link #cancelled} says. */
    protected final void setOutHandler(Outlet<?> out, Runnable onPull) {
        setHandler(out, new AbstractOutHandler() {
            @Override
            public void onPull() {
                onPull.run();
            }

            @Override
            public void onDownstreamFinish(Throwable cause) {
                cancelled(cause);
            }
        });
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
    private void cancelled(Throwable cause) {
        finished = true;
        if (!(cause instanceof SubscriptionWithCancelException.NonFailureCancellation) && failure == null) {
            failure = cause;
        }
        cancelStage(cause);
    }

    /** The O_DIRECT alignment of {@code path}'s file system (statx, Linux 6.1+; else the page size). */
    private static int directIoAlignment(Path path) {
        try {
            return AlignedBuffer.directIoAlignment(path);
        } catch (RuntimeException e) {
            return AlignedBuffer.DEFAULT_DIRECT_IO_ALIGNMENT;
        }
    }

    /** Rounds {@code value} up to a multiple of {@code alignment}. */
    /**
     * The largest chunk one request or reply to a ring on another node may carry: Artery's
     * {@code maximum-frame-size} less room for the envelope and the serializer's header (a message over it is
     * dropped, and its ask would time out), a multiple of 64 KiB when that leaves one.
     */
    protected final int remoteChunkLimit() {
        final String key = "pekko.remote.artery.advanced.maximum-frame-size";
        final long frame = system.settings().config().hasPath(key) ? system.settings().config().getBytes(key) : 256 << 10;
        final long room = frame - REMOTE_ENVELOPE;
        return (int) Math.max(4096, room >= 64 << 10 ? room & -(64L << 10) : room);
    }

    /** What a remote request or reply needs beside its bytes: the envelope, the recipient's path, the header. */
    private static final int REMOTE_ENVELOPE = 16 << 10;

    protected static int alignUp(int value, int alignment) {
        return (int) Math.min(Integer.MAX_VALUE - alignment + 1, ((long) value + alignment - 1) / alignment * alignment);
    }

    /**
     * Once every write still in flight is back (an abrupt stop does not take back what the kernel writes),
     * closes the files, runs {@link #afterClose}, then completes the result with what was moved.
     */
    @Override
    public final void postStop() {
        final Throwable cause = failure != null ? failure : finished ? null : new AbruptStageTerminationException(this);
        final long counted = bytes;
        final List<CompletableFuture<Integer>> late = List.copyOf(writesInFlight);
        final OpenReaders.Reading registered = reading;
        CompletableFuture.allOf(late.stream().map(w -> w.handle((count, error) -> null)).toArray(CompletableFuture[]::new))
                .thenCompose(landed -> closeFiles().handle((done, closeError) -> closeError))
                .thenCompose(closeError -> {
                    if (registered != null) {
                        registered.close(); // after the close: a writer fed by this stage still finds the file
                    }
                    return afterClose().handle((done, cleanUpError) -> closeError != null ? closeError : cleanUpError);
                }).whenComplete((laterError, thrown) -> {
                    final long count = resultCount(counted + writtenBy(late));
                    final Throwable later = laterError != null ? laterError : thrown;
                    final Throwable error = cause != null ? cause : later != null ? unwrap(later) : null;
                    if (error == null) {
                        result.complete(IOResult.createSuccessful(count));
                    } else {
                        result.completeExceptionally(new IOOperationIncompleteException(count, error));
                    }
                });
    }

    /** The bytes the completed {@code writes} wrote (a failed write wrote none). */
    private static long writtenBy(List<CompletableFuture<Integer>> writes) {
        long sum = 0;
        for (CompletableFuture<Integer> write : writes) {
            sum += write.isCompletedExceptionally() ? 0 : write.join();
        }
        return sum;
    }

    static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
