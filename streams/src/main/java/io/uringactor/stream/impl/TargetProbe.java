package io.uringactor.stream.impl;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingClient;

import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * A writer's check that its target is no file this system is reading, made through the writer's ring
 * before the target is created, truncated or (atomic mode) replaced: open the target, {@code statx} the
 * handle, compare with {@link OpenReaders}. So the target is the file the ring will write, beneath the
 * ring's root directory if it has one, not what the JVM finds by the same path.
 *
 * <p>The probe opens {@code O_WRONLY} without {@code O_CREAT} or {@code O_TRUNC}: that changes nothing,
 * and a FIFO opens as the write will (an {@code O_RDONLY} open would wait for a writer that only comes
 * after it). The handle stays open until the writer's own are closed, so a FIFO's reader sees no early
 * end of file. A failed open means there is nothing to compare: {@code ENOENT}, or an error the write's own
 * open reports (a target that cannot be opened for writing is not written in place; an atomic replace of
 * it leaves a reader its old file).
 */
final class TargetProbe {
    /** Write access, nothing else: neither creates nor truncates. */
    static final OpenOptions OPTIONS = OpenOptions.writeOnly();

    private TargetProbe() {
    }

    /**
     * Completes once {@code target} may be written; fails with a {@code SameFileException} if one of
     * {@code readers} has it open, with the stat's error, or with {@link CancellationException} if
     * {@code keep} refused the handle (the writer stopped meanwhile; {@code keep} then closes it). A handle
     * {@code keep} accepts is the caller's to close. Nothing is opened when no reader has a file open.
     */
    static CompletableFuture<Void> check(RingClient client, Path target, OpenReaders.Snapshot readers,
                                         Predicate<FileHandle> keep, Runnable openFailed) {
        final CompletableFuture<Void> checked = new CompletableFuture<>();
        if (readers.isEmpty()) {
            checked.complete(null);
            return checked;
        }
        client.open(target, OPTIONS).whenComplete((handle, openError) -> {
            if (openError != null) {
                openFailed.run();
                checked.complete(null); // ENOENT: nothing to compare; else the write's open reports it
            } else if (!keep.test(handle)) {
                checked.completeExceptionally(new CancellationException("the writer of " + target + " stopped"));
            } else {
                client.stat(handle).whenComplete((stat, statError) -> {
                    if (statError != null) {
                        checked.completeExceptionally(RingStageLogic.unwrap(statError));
                    } else {
                        readers.refusal(target, stat).ifPresentOrElse(checked::completeExceptionally,
                                () -> checked.complete(null));
                    }
                });
            }
        });
        return checked;
    }
}
