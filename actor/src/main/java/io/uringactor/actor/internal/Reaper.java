package io.uringactor.actor.internal;

import io.uringactor.ring.IoUring;

import org.apache.pekko.actor.typed.ActorRef;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits in the kernel for completions the ring actor did not find right after its own submit (a cached
 * read usually completes inside {@code io_uring_enter}, so the actor reaps it at once; a disk read does
 * not). It never touches the ring's indices: when completions are there it tells the actor to reap them,
 * and then parks until the actor arms it again. So the actor thread owns the SQ, the CQ and every table,
 * and no lock is needed.
 *
 * <p>Idle costs nothing: with nothing in flight the thread is parked; with ops in flight it sleeps in
 * {@code io_uring_enter(GETEVENTS)}. The state goes IDLE → ARMED (by the actor) → IDLE (set here before
 * telling the actor, so an arm that follows the actor's reaping is never lost).
 */
final class Reaper implements Runnable {
    /** Messages to the actor. */
    enum Signal { REAP }

    /**
     * The ring failed while the reaper waited on it.
     *
     * @param cause the failure, e.g. an {@link io.uringactor.ring.ErrnoException} from {@code io_uring_enter}
     */
    record Failed(Throwable cause) {
    }

    private static final int IDLE = 0;
    private static final int ARMED = 1;

    private final IoUring ring;
    private final ActorRef<Object> actor;
    private final AtomicInteger state = new AtomicInteger(IDLE);
    private final Thread thread;
    private volatile boolean stopped;

    Reaper(IoUring ring, ActorRef<Object> actor, String name) {
        this.ring = ring;
        this.actor = actor;
        this.thread = new Thread(this, name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Called by the actor when ops are in flight and it has reaped what was there. */
    void arm() {
        if (state.get() == IDLE && state.compareAndSet(IDLE, ARMED)) {
            LockSupport.unpark(thread);
        }
    }

    @Override
    public void run() {
        try {
            while (!stopped) {
                if (state.get() != ARMED) {
                    LockSupport.park(this);
                    continue;
                }
                ring.waitCompletions(1);
                if (stopped) {
                    return;
                }
                state.set(IDLE);
                actor.tell(Signal.REAP);
            }
        } catch (RuntimeException e) {
            if (!stopped) {
                actor.tell(new Failed(e));
            }
        }
    }

    /**
     * Stops the thread. If it may be asleep in the kernel the caller must also complete something on the
     * ring (a NOP) to wake it, then {@link #join}.
     */
    void stop() {
        stopped = true;
        LockSupport.unpark(thread);
    }

    boolean join(long millis) {
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }
}
