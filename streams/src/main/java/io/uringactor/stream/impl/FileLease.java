package io.uringactor.stream.impl;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.RingClient;

import org.apache.pekko.Done;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One file a stage opens through the ring actor, closed exactly once whatever happens first: the stage
 * stopping, or the open's reply arriving after the stage stopped (then the late handle is closed at
 * once). Thread-safe: the open's reply arrives on the ring actor's thread, the release on the stage's.
 */
final class FileLease {
    private enum State { OPENING, OPEN, RELEASED_WHILE_OPENING, CLOSED }

    private final RingClient client;
    private final CompletableFuture<Done> closed = new CompletableFuture<>();
    private State state = State.OPENING;
    private FileHandle handle;

    FileLease(RingClient client) {
        this.client = client;
    }

    /**
     * The open succeeded. Returns {@code false} when the lease was released meanwhile: the handle is then
     * being closed and must not be used.
     */
    boolean opened(FileHandle file) {
        synchronized (this) {
            if (state == State.OPENING) {
                state = State.OPEN;
                handle = file;
                return true;
            }
            state = State.CLOSED;
        }
        closeHandle(file);
        return false;
    }

    /** The open failed: there is nothing to close. */
    void openFailed() {
        synchronized (this) {
            state = State.CLOSED;
        }
        closed.complete(Done.getInstance());
    }

    /**
     * Closes the file, or arranges for it to be closed when its open completes. Idempotent. The stage
     * completes when the close did (failed with the close's error, e.g. EIO of delayed write-back).
     */
    CompletionStage<Done> release() {
        FileHandle toClose = null;
        synchronized (this) {
            switch (state) {
                case OPENING:
                    state = State.RELEASED_WHILE_OPENING;
                    break;
                case OPEN:
                    toClose = handle;
                    handle = null;
                    state = State.CLOSED;
                    break;
                default:
                    break;
            }
        }
        if (toClose != null) {
            closeHandle(toClose);
        }
        return closed;
    }

    private void closeHandle(FileHandle file) {
        client.close(file).whenComplete((done, error) -> {
            if (error == null) {
                closed.complete(Done.getInstance());
            } else {
                closed.completeExceptionally(RingStageLogic.unwrap(error));
            }
        });
    }
}
