package io.uringactor.actor.internal;

import io.uringactor.ring.AlignedBuffer;
import io.uringactor.ring.EventFd;
import io.uringactor.ring.IoUring;
import io.uringactor.ring.SubmissionQueue;

/**
 * An eventfd whose 8-byte read a ring event loop keeps queued on its ring while its thread sleeps in
 * {@code io_uring_enter}: another thread {@link #signal()}s the eventfd, the read completes, the sleep
 * ends. Its CQE carries {@link UserData#WAKE_UP}; after it the read must be queued again. A ring of the
 * fallback engine ({@link IoUring#inUserSpace()}) needs no read: a signal ends its wait directly.
 */
final class WakeUpRead {
    private final IoUring ring;
    /** The eventfd, or {@code null} on the fallback engine. */
    private final EventFd eventFd;
    /** The read's 8 bytes: the kernel writes them until the read's CQE, so they live as long as this. */
    private final AlignedBuffer value = AlignedBuffer.allocate(Long.BYTES, Long.BYTES);
    private boolean queued;

    WakeUpRead(IoUring ring) {
        this.ring = ring;
        this.eventFd = ring.inUserSpace() ? null : EventFd.create();
    }

    /**
     * Queues the read unless it is queued already (owner thread); returns whether it prepared an SQE now, which
     * the caller's count of submitted requests leaves out.
     */
    boolean queue(SqeWriter sqes, SubmissionQueue sq) {
        if (queued || eventFd == null) {
            return false;
        }
        sqes.ensureSpace(1);
        SqeWriter.prep(sq.prepRead(eventFd.fd(), value.address(), Long.BYTES, 0, UserData.WAKE_UP));
        queued = true;
        return true;
    }

    /** The read's CQE was reaped (owner thread). */
    void completed() {
        queued = false;
    }

    /** Ends the sleep; any thread. A no-op once closed (synchronized with close: never a write to a reused fd). */
    void signal() {
        if (eventFd == null) {
            ring.wakeUpWaiter();
        } else {
            eventFd.signal();
        }
    }

    /** Closes the eventfd; the ring's close then cancels the read still queued. */
    void close() {
        if (eventFd != null) {
            eventFd.close();
        }
    }

    /** The requests among {@code submitted} SQEs when {@code queuedNow} says one of them was this read. */
    static int requests(int submitted, boolean queuedNow) {
        return submitted - (queuedNow && submitted > 0 ? 1 : 0);
    }
}
