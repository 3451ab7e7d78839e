package io.uringactor.actor.internal;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.annotation.InternalApi;

import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Chooses the ring of a group that a request goes to: one ring per calling thread. On a loop of the group it
 * is that loop's own ring, so the request and its reply never leave the thread; on any other thread it is a
 * ring picked by the thread's id among the running rings, so the threads of a pool spread over the group.
 * Every ring serves every file of the group ({@link SharedFiles}), and so all the requests one thread makes
 * reach the kernel in the order it made them, as with a single ring: a copy and the close of its target
 * right after it, say.
 *
 * <p>Thread-safe; a routing decision is a thread-local read, or a hash of the thread's id and an array read.
 */
@InternalApi
public final class GroupRouter {
    private final SharedFiles files;
    private final ActorRef<Object>[] rings;
    /** 1 while ring i runs, 0 once it has stopped (asked to, or failed). */
    private final AtomicIntegerArray running;

    /**
     * @param files the group's shared file table
     * @param rings the group's ring actors, by ring number
     */
    @SuppressWarnings("unchecked")
    public GroupRouter(SharedFiles files, List<? extends ActorRef<?>> rings) {
        this.files = files;
        this.rings = rings.stream().map(ActorRef::unsafeUpcast).toArray(ActorRef[]::new);
        this.running = new AtomicIntegerArray(rings.size());
        for (int i = 0; i < rings.size(); i++) {
            running.set(i, 1);
        }
    }

    /** The ring to send the calling thread's requests to. */
    public ActorRef<Object> ringForThisThread() {
        final int own = RingEventLoop.ringOfThisThread(files);
        if (own >= 0) {
            return rings[own];
        }
        final int n = rings.length;
        if (n == 1) {
            return rings[0];
        }
        // Fibonacci hashing of the thread id: consecutive ids (a pool's threads) land on different rings.
        final int start = (int) ((Thread.currentThread().getId() * 0x9E3779B97F4A7C15L >>> 32) % n);
        for (int i = 0; i < n; i++) {
            final int candidate = (start + i) % n;
            if (running.get(candidate) == 1) {
                return rings[candidate];
            }
        }
        return rings[start]; // none runs: it answers that it has stopped
    }

    /** The ring of the calling thread's loop when it is a loop of this group, else {@code null}. */
    public ActorRef<Object> ownRing() {
        final int own = RingEventLoop.ringOfThisThread(files);
        return own >= 0 ? rings[own] : null;
    }

    /** Ring {@code ring} has stopped: no new file goes to it. */
    public void stopped(int ring) {
        running.set(ring, 0);
    }

    /** Whether ring {@code ring} still runs. */
    public boolean isRunning(int ring) {
        return running.get(ring) == 1;
    }
}
