package io.uringactor.stream.impl;

import static io.uringactor.ring.IoUringConstants.*;

import io.uringactor.ring.AlignedBuffer;
import io.uringactor.ring.CompletionHandler;
import io.uringactor.ring.Errno;
import io.uringactor.ring.ErrnoException;
import io.uringactor.ring.IoUring;
import io.uringactor.ring.IoUringUnavailableException;
import io.uringactor.ring.Pipe;
import io.uringactor.ring.RingOptions;
import io.uringactor.ring.Statx;
import io.uringactor.stream.javadsl.CopySettings;
import io.uringactor.stream.javadsl.FromPathSettings;
import io.uringactor.stream.javadsl.ToPathSettings;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.IOOperationIncompleteException;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Copies a file inside the kernel with {@code IORING_OP_SPLICE}: each chunk goes file → pipe, linked
 * ({@code IOSQE_IO_LINK}) to pipe → file at the same offset, with several chunks in flight, each through
 * its own pipe. The pages are moved by reference into the pipe and copied once into the target's page
 * cache, the same work {@code copy_file_range} does for {@code cp}.
 *
 * <p>The ring actor's protocol has no splice, so a copy runs its own small ring on a thread of Pekko's
 * blocking-IO dispatcher ({@code pekko.actor.default-blocking-io-dispatcher}); the caller never blocks.
 * When the kernel refuses to splice these files ({@code EINVAL}, {@code EOPNOTSUPP}), io_uring or splice
 * is missing, or the source is not a regular file, the copy falls back to the ring actor's Source → Sink.
 *
 * <p>A short file → pipe splice (the source shrank, or the pipe took less) breaks the link: the kernel
 * cancels the pipe → file half, and the chunk continues with what is in the pipe, then the rest.
 *
 * <p>Check before you truncate: the source is opened and statted, and registered as read in
 * {@link OpenReaders}, before the {@link WriteTarget} is prepared (which refuses the source itself and any
 * other file this system reads) and opened for writing.
 */
public final class SpliceCopy implements CompletionHandler {
    private static final int OPEN_MODE = 0644;
    private static final long SYNC_OP = Long.MAX_VALUE;

    private final Path source;
    private final Path target;
    private final CopySettings settings;
    private final OpenReaders readers;
    private final WriteTarget writeTarget;

    private IoUring ring;
    private int sourceFd = -1;
    private int targetFd = -1;
    private Slot[] slots;
    private long size;
    private long next;
    private int active;
    private boolean endOfSource;
    /** Bytes written to the target (one thread runs the copy and reads this after it). */
    private long copied;
    private RuntimeException error;
    private int syncResult;
    private boolean syncDone;

    /** One chunk in flight through one pipe. */
    private static final class Slot {
        final int index;
        final Pipe pipe;
        boolean busy;
        long offset;
        int length;
        /** Bytes of the chunk written to the target. */
        int done;
        /** Bytes in the pipe, not yet written. */
        int inPipe;
        int pending;
        /** The last file → pipe result of the current round; 0 means the source ended early. */
        int lastRead;

        Slot(int index, Pipe pipe) {
            this.index = index;
            this.pipe = pipe;
        }
    }

    /** The kernel cannot splice these files: copy through the stream instead. */
    private static final class SpliceUnsupported extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SpliceUnsupported(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private SpliceCopy(ActorSystem<?> system, Path source, Path target, CopySettings settings) {
        this.source = source;
        this.target = target;
        this.settings = settings;
        this.readers = OpenReaders.get(system);
        this.writeTarget = settings.atomicReplace() ? WriteTarget.atomic(target, true, false) : WriteTarget.inPlace(target);
    }

    /** Starts a copy on the blocking-IO dispatcher; see {@link io.uringactor.stream.javadsl.UringFileIO#copy}. */
    public static CompletionStage<IOResult> copy(ActorSystem<?> system, Path source, Path target, CopySettings settings) {
        if (!settings.useSplice()) {
            return streamCopy(system, source, target, settings);
        }
        final CompletableFuture<IOResult> result = new CompletableFuture<>();
        final Executor executor = system.dispatchers().lookup(DispatcherSelector.blocking());
        executor.execute(() -> {
            final SpliceCopy copy = new SpliceCopy(system, source, target, settings);
            try {
                result.complete(IOResult.createSuccessful(copy.run()));
            } catch (SpliceUnsupported e) {
                system.log().debug("Copying {} to {} through the stream: {}", source, target, e.getMessage());
                streamCopy(system, source, target, settings).whenComplete((r, failure) -> {
                    if (failure != null) {
                        result.completeExceptionally(RingStageLogic.unwrap(failure));
                    } else {
                        result.complete(r);
                    }
                });
            } catch (Throwable e) {
                // Atomic: the target was not replaced, so none of the bytes copied reached it.
                final long count = settings.atomicReplace() && !copy.writeTarget.committed() ? 0 : copy.copied;
                result.completeExceptionally(new IOOperationIncompleteException(count, e));
            }
        });
        return result;
    }

    /** The fallback: the ring actor's file Source into its file Sink; completes after both files are closed. */
    static CompletionStage<IOResult> streamCopy(ActorSystem<?> system, Path source, Path target, CopySettings settings) {
        final FromPathSettings read = FromPathSettings.create().withChunkSize(settings.chunkSize())
                .withReadsInFlight(settings.splicesInFlight());
        final ToPathSettings write = ToPathSettings.create().withChunkSize(settings.chunkSize())
                .withWritesInFlight(settings.splicesInFlight()).withFsyncAtEnd(settings.fsyncAtEnd())
                .withAtomicReplace(settings.atomicReplace());
        final Pair<CompletionStage<IOResult>, CompletionStage<IOResult>> results =
                Source.fromGraph(new FileSourceStage(system, source, read))
                        .toMat(Sink.fromGraph(new FileSinkStage(system, target, write)), Keep.both())
                        .run(system);
        // The sink's result says what was copied (a source failure fails it too); wait for both files' close.
        return results.first().handle((r, e) -> r).thenCompose(ignored -> results.second());
    }

    private long run() throws IOException {
        try {
            ring = IoUring.open(RingOptions.create(2 * settings.splicesInFlight() + 2));
        } catch (IoUringUnavailableException e) {
            throw new SpliceUnsupported("io_uring is unavailable: " + e.getMessage(), e);
        }
        final List<Pipe> pipes = new ArrayList<>();
        OpenReaders.Reading reading = null;
        try {
            if (!ring.probe().supports(IORING_OP_SPLICE)) {
                throw new SpliceUnsupported("the kernel has no IORING_OP_SPLICE", null);
            }
            sourceFd = openat(source, O_RDONLY | O_CLOEXEC);
            final Statx stat = statx(sourceFd, source);
            if (stat.isDirectory()) {
                throw new ErrnoException("read(" + source + ")", Errno.EISDIR);
            }
            if (!stat.isRegularFile()) {
                throw new SpliceUnsupported(source + " is not a regular file", null);
            }
            size = stat.size();
            reading = readers.register(FileId.of(source), source);
            final Path writePath = writeTarget.prepare(readers.snapshot());
            targetFd = writeTarget.isAtomic()
                    ? openat(writePath, O_WRONLY | O_CLOEXEC) // created empty by prepare
                    : openat(writePath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC);
            slots = new Slot[settings.splicesInFlight()];
            int chunk = settings.chunkSize();
            for (int i = 0; i < slots.length; i++) {
                final Pipe pipe = Pipe.open(settings.chunkSize());
                pipes.add(pipe);
                slots[i] = new Slot(i, pipe);
                chunk = Math.min(chunk, pipe.size());
            }
            copyAll(chunk);
            if (settings.fsyncAtEnd() && !writeTarget.isAtomic()) { // an atomic commit fsyncs
                final int res = syncOp(() -> ring.sq().prepFsync(targetFd, 0, SYNC_OP));
                if (res < 0) {
                    throw new ErrnoException("fsync(" + target + ")", res);
                }
            }
            final int closeTarget = closeFd(targetFd);
            targetFd = -1;
            if (closeTarget < 0) {
                throw new ErrnoException("close(" + target + ")", closeTarget);
            }
            writeTarget.commit();
            return copied;
        } catch (Throwable e) {
            try {
                writeTarget.abort(); // the temporary file of a failed atomic copy; the target stays as it was
            } catch (IOException | RuntimeException cleanUp) {
                e.addSuppressed(cleanUp);
            }
            throw e;
        } finally {
            for (Pipe pipe : pipes) {
                pipe.close();
            }
            if (targetFd >= 0) {
                closeQuietly(targetFd);
            }
            if (sourceFd >= 0) {
                closeQuietly(sourceFd);
            }
            ring.close();
            if (reading != null) {
                reading.close();
            }
        }
    }

    private void copyAll(int chunk) {
        for (Slot slot : slots) {
            startChunk(slot, chunk);
        }
        while (active > 0) {
            ring.submitAndWait(1);
            ring.cq().drain(this);
            // A chunk that finished starts the next one from onCompletion; keep going until all are idle.
            for (Slot slot : slots) {
                if (!slot.busy && error == null && !endOfSource && next < size) {
                    startChunk(slot, chunk);
                }
            }
        }
        if (error != null) {
            throw error;
        }
    }

    private void startChunk(Slot slot, int chunk) {
        if (error != null || endOfSource || next >= size) {
            return;
        }
        slot.busy = true;
        active++;
        slot.offset = next;
        slot.length = (int) Math.min(chunk, size - next);
        slot.done = 0;
        slot.inPipe = 0;
        next += slot.length;
        splicePair(slot);
    }

    /** file → pipe linked to pipe → file, for the rest of the slot's chunk. */
    private void splicePair(Slot slot) {
        final long at = slot.offset + slot.done;
        final int length = slot.length - slot.done;
        prep(ring.sq().prepSplice(sourceFd, at, slot.pipe.writeFd(), -1, length, SPLICE_F_MOVE, userData(slot, 0)));
        ring.sq().setLastFlags(IOSQE_IO_LINK);
        prep(ring.sq().prepSplice(slot.pipe.readFd(), -1, targetFd, at, length, SPLICE_F_MOVE, userData(slot, 1)));
        slot.pending = 2;
        slot.lastRead = -1;
    }

    /** pipe → file for what the pipe holds. */
    private void drainPipe(Slot slot) {
        prep(ring.sq().prepSplice(slot.pipe.readFd(), -1, targetFd, slot.offset + slot.done, slot.inPipe,
                SPLICE_F_MOVE, userData(slot, 1)));
        slot.pending = 1;
    }

    private static long userData(Slot slot, int phase) {
        return (long) slot.index << 1 | phase;
    }

    @Override
    public void onCompletion(long userData, int res, int flags) {
        if (userData == SYNC_OP) {
            syncResult = res;
            syncDone = true;
            return;
        }
        final Slot slot = slots[(int) (userData >>> 1)];
        if ((userData & 1) == 0) {
            if (res < 0) {
                failed(res, "splice(" + source + " at " + (slot.offset + slot.done) + " -> pipe)");
            } else {
                slot.inPipe += res;
                slot.lastRead = res;
            }
        } else if (res == -Errno.ECANCELED) {
            // The file → pipe half was short or failed, which broke the link: handled below.
        } else if (res < 0) {
            failed(res, "splice(pipe -> " + target + " at " + (slot.offset + slot.done) + ")");
        } else {
            slot.inPipe -= res;
            slot.done += res;
            copied += res;
        }
        if (--slot.pending == 0) {
            advance(slot);
        }
    }

    private void advance(Slot slot) {
        if (error == null) {
            if (slot.inPipe > 0) {
                drainPipe(slot);
                return;
            }
            if (slot.done < slot.length) {
                if (slot.lastRead == 0) {
                    endOfSource = true; // the source shrank while being copied: copy what there was
                } else {
                    splicePair(slot);
                    return;
                }
            }
        }
        slot.busy = false;
        active--;
    }

    private void failed(int res, String operation) {
        if (error != null) {
            return;
        }
        final ErrnoException cause = new ErrnoException(operation, res);
        if (res == -Errno.EINVAL || res == -Errno.EOPNOTSUPP) {
            error = new SpliceUnsupported(cause.getMessage(), cause);
        } else {
            error = cause;
        }
    }

    private static void prep(boolean prepared) {
        if (!prepared) {
            throw new IllegalStateException("the copy ring's SQ is full");
        }
    }

    /** Runs one op alone on the ring and returns its result. Only while nothing else is in flight. */
    private int syncOp(Runnable prepare) {
        syncDone = false;
        prepare.run();
        ring.submitAndWait(1);
        while (true) {
            ring.cq().drain(this);
            if (syncDone) {
                return syncResult;
            }
            ring.submitAndWait(1);
        }
    }

    private int openat(Path path, int flags) {
        final AlignedBuffer name = AlignedBuffer.cString(path.toString());
        final int fd = syncOp(() -> prep(ring.sq().prepOpenat(AT_FDCWD, name.address(), flags, OPEN_MODE, SYNC_OP)));
        Reference.reachabilityFence(name);
        if (fd < 0) {
            throw new ErrnoException("openat(" + path + ")", fd);
        }
        return fd;
    }

    private Statx statx(int fd, Path path) {
        final AlignedBuffer empty = AlignedBuffer.cString("");
        final AlignedBuffer buffer = AlignedBuffer.allocate(Statx.BUFFER_SIZE, Long.BYTES);
        final int res = syncOp(() -> prep(ring.sq().prepStatx(fd, empty.address(), AT_EMPTY_PATH, Statx.DEFAULT_MASK,
                buffer.address(), SYNC_OP)));
        Reference.reachabilityFence(empty);
        if (res < 0) {
            throw new ErrnoException("statx(" + path + ")", res);
        }
        return Statx.decode(buffer.byteBuffer(), 0);
    }

    private int closeFd(int fd) {
        return syncOp(() -> prep(ring.sq().prepClose(fd, SYNC_OP)));
    }

    private void closeQuietly(int fd) {
        try {
            closeFd(fd);
        } catch (RuntimeException e) {
            // the ring failed; closing it below releases nothing more, the fd leaks only in this broken state
        }
    }
}
