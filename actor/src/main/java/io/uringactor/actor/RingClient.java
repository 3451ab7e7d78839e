package io.uringactor.actor;

import io.uringactor.actor.internal.DeadLetterGuard;
import io.uringactor.actor.internal.LocalRequest;
import io.uringactor.actor.internal.ShutdownWatch;
import io.uringactor.ring.AlignedBuffer;
import io.uringactor.ring.Statx;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.util.ByteString;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import scala.concurrent.ExecutionContext;
import scala.concurrent.ExecutionContext$;
import scala.jdk.javaapi.FutureConverters;

/**
 * The ring actor for code that is not an actor: every operation returns a {@link CompletionStage},
 * completed with the result or failed with the reply's exception (an
 * {@link io.uringactor.ring.ErrnoException} names the errno and the op). Thread-safe; any number of
 * threads may share one client and one ring.
 *
 * <pre>{@code
 * RingClient ring = RingExtension.get(system).client();
 * FileHandle file = ring.open(path, OpenOptions.readOnly()).toCompletableFuture().join();
 * ByteString head = ring.read(file, 0, 4096).toCompletableFuture().join();
 * }</pre>
 */
public final class RingClient {
    /** Runs callbacks on the thread that completes the ask, i.e. the ring actor's. */
    private static final ExecutionContext CALLING_THREAD = ExecutionContext$.MODULE$.fromExecutor(Runnable::run);

    private final ActorRef<RingCommand> ring;
    private final Scheduler scheduler;
    private final Duration askTimeout;
    private final boolean local;
    private final ActorRef<Object> localRing;
    private final ShutdownWatch shutdownWatch;

    private RingClient(ActorRef<RingCommand> ring, ActorSystem<?> system, Duration askTimeout) {
        this.ring = ring;
        this.shutdownWatch = ShutdownWatch.get(system);
        this.scheduler = system.scheduler();
        this.askTimeout = askTimeout;
        this.local = ring.path().address().hasLocalScope();
        this.localRing = ring.unsafeUpcast();
    }

    /** A client of {@code ring}, asking with the configured {@code io-uring-actor.ring.ask-timeout}. */
    public static RingClient create(ActorRef<RingCommand> ring, ActorSystem<?> system) {
        return create(ring, system, RingSettings.create(system).askTimeout());
    }

    /**
     * A client of {@code ring}. The ask timeout applies to a ring actor on another node, asked with the ask
     * pattern; it only bounds how long a caller waits, while an op's own {@code op-timeout} is what
     * cancels it in the kernel, so keep the ask timeout longer.
     */
    public static RingClient create(ActorRef<RingCommand> ring, ActorSystem<?> system, Duration askTimeout) {
        DeadLetterGuard.install(system);
        return new RingClient(ring, system, askTimeout);
    }

    /**
     * Sends the command built with a {@code replyTo}. A ring actor in this JVM gets it as a
     * {@link LocalRequest} and completes the returned future itself: no temporary ask actor and no timer
     * per request. It needs none: the actor answers every request it receives (op timeouts included), and
     * the {@link DeadLetterGuard} answers those it never receives; while the system shuts down, the
     * {@link ShutdownWatch} answers those that nobody will. A remote ring is asked.
     */
    @SuppressWarnings("unchecked")
    private <T> CompletionStage<T> askWithStatus(Function<ActorRef<StatusReply<T>>, RingCommand> request) {
        if (local) {
            final CompletableFuture<Object> reply = new CompletableFuture<>();
            if (shutdownWatch.admit(reply)) {
                localRing.tell(new LocalRequest(request.apply(null), reply));
            }
            return (CompletionStage<T>) (CompletionStage<?>) reply;
        }
        if (shutdownWatch.terminated()) {
            return CompletableFuture.failedFuture(new RingStoppedException("the actor system has terminated"));
        }
        final CompletableFuture<T> reply = direct(AskPattern.askWithStatus(ring, request::apply, askTimeout, scheduler));
        shutdownWatch.track(reply);
        return reply;
    }

    /**
     * Re-wraps a Pekko ask's stage so that its non-async callbacks run on the thread that completes it.
     * The stage Pekko returns (Scala's converter) runs even {@code whenComplete}/{@code thenApply} on the
     * common pool, and on a 2-core machine that pool starts a new thread per callback: measured here,
     * 8 threads with 8 reads outstanding each fell from ~200k to ~8k reads/s.
     */
    private static <T> CompletableFuture<T> direct(CompletionStage<T> stage) {
        final CompletableFuture<T> result = new CompletableFuture<>();
        FutureConverters.asScala(stage).onComplete(outcome -> {
            if (outcome.isSuccess()) {
                result.complete(outcome.get());
            } else {
                result.completeExceptionally(outcome.failed().get());
            }
            return null;
        }, CALLING_THREAD);
        return result;
    }

    /** The ring actor this client asks. */
    public ActorRef<RingCommand> ring() {
        return ring;
    }

    public CompletionStage<FileHandle> open(Path path, OpenOptions options) {
        return askWithStatus(replyTo -> new RingCommand.Open(path.toString(), options, replyTo));
    }

    public CompletionStage<Done> close(FileHandle file) {
        return askWithStatus(replyTo -> new RingCommand.Close(file, replyTo));
    }

    /** Up to {@code length} bytes at {@code offset}; fewer at the end of the file. */
    public CompletionStage<ByteString> read(FileHandle file, long offset, int length) {
        return askWithStatus(replyTo -> new RingCommand.Read(file, offset, length, replyTo));
    }

    /** Writes all of {@code data} at {@code offset}; completes with the byte count. */
    public CompletionStage<Integer> write(FileHandle file, long offset, ByteString data) {
        return askWithStatus(replyTo -> new RingCommand.Write(file, offset, data, replyTo));
    }

    public CompletionStage<List<ByteString>> readv(FileHandle file, long offset, List<Integer> lengths) {
        return askWithStatus(replyTo -> new RingCommand.ReadV(file, offset, lengths, replyTo));
    }

    public CompletionStage<Integer> writev(FileHandle file, long offset, List<ByteString> data) {
        return askWithStatus(replyTo -> new RingCommand.WriteV(file, offset, data, replyTo));
    }

    /** Zero-copy read into {@code buffer} (its whole capacity); see {@link RingCommand.ReadBlock}. */
    public CompletionStage<BlockIo> readBlock(FileHandle file, long offset, AlignedBuffer buffer) {
        return askWithStatus(replyTo -> new RingCommand.ReadBlock(file, offset, buffer, replyTo));
    }

    /** Zero-copy write of {@code buffer} (its whole capacity); see {@link RingCommand.WriteBlock}. */
    public CompletionStage<BlockIo> writeBlock(FileHandle file, long offset, AlignedBuffer buffer) {
        return askWithStatus(replyTo -> new RingCommand.WriteBlock(file, offset, buffer, replyTo));
    }

    /**
     * Copies up to {@code length} bytes from {@code source} at {@code sourceOffset} to {@code target} at
     * {@code targetOffset} inside the kernel (splice through a pipe of the ring's); completes with the bytes
     * copied: {@code length}, fewer only at the source's end, 0 at or past it. Fails with an
     * {@link io.uringactor.ring.ErrnoException} naming the splice and its errno ({@code EINVAL}: the kernel
     * cannot splice these files) or an {@link InvalidRequestException} (bad handle, offset or length, a
     * length over {@code max-io-size}). See {@link RingCommand.CopyRange}.
     */
    public CompletionStage<Integer> copyRange(FileHandle source, long sourceOffset, FileHandle target,
                                              long targetOffset, int length) {
        return askWithStatus(replyTo -> new RingCommand.CopyRange(source, sourceOffset, target, targetOffset, length,
                replyTo));
    }

    /** Punches a hole (keeping the size): the range reads back as zeros. */
    public CompletionStage<Done> trim(FileHandle file, long offset, long length) {
        return askWithStatus(replyTo -> new RingCommand.Trim(file, offset, length, replyTo));
    }

    public CompletionStage<Done> fsync(FileHandle file) {
        return askWithStatus(replyTo -> new RingCommand.Fsync(file, false, replyTo));
    }

    public CompletionStage<Done> fdatasync(FileHandle file) {
        return askWithStatus(replyTo -> new RingCommand.Fsync(file, true, replyTo));
    }

    public CompletionStage<Statx> stat(FileHandle file) {
        return askWithStatus(replyTo -> new RingCommand.Stat(file, replyTo));
    }

    /** The ring actor's counters. */
    public CompletionStage<RingStats> stats() {
        if (shutdownWatch.terminated()) {
            return CompletableFuture.failedFuture(new RingStoppedException("the actor system has terminated"));
        }
        final CompletableFuture<RingStats> reply = direct(AskPattern.ask(ring, RingCommand.GetStats::new, askTimeout,
                scheduler));
        shutdownWatch.track(reply);
        return reply;
    }
}
