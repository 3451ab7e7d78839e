package io.uringactor.actor.internal;

import io.uringactor.actor.ByteStringList;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.util.ByteString;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Gathers a ring's replies to the entries of {@link RequestBatch}es into one {@link ReplyBatch} per asking
 * node, as the ring gathers SQEs into one submission: what one turn of the loop answers (the refusals of a
 * batch, the completions of a poll) leaves in one message per node. The first reply of a turn queues a task
 * on the ring's loop that polls the ring and then sends them all. A node's
 * replies go out at once when they reach {@code maxBytes} or {@value #MAX_ENTRIES} replies, so no message
 * outgrows Artery's frame.
 *
 * <p>Used on the ring's thread only. A reply given on any other thread is sent alone at once.
 */
final class BatchReplies {
    /** The most replies one batch carries (a reader accepts more: {@code BatchCodec.MAX_ENTRIES}). */
    private static final int MAX_ENTRIES = 1024;
    /** What a reply that carries no bytes is counted as. */
    private static final int SMALL_REPLY = 64;

    private final Thread owner;
    private final Executor loop;
    /** Submits what the ring has prepared and answers what that completes: see {@link #sendAll}. */
    private final Runnable poll;
    private final int maxBytes;
    /** The nodes with replies waiting, in the order of their first; their gatherers stay for reuse. */
    private final List<Gathered> waiting = new ArrayList<>();
    private final Runnable sendAll = this::sendAll;
    private boolean sendQueued;

    /**
     * @param loop     the ring's loop, whose thread calls this
     * @param poll     the ring's poll of its loop ({@link LoopDriver#poll}): submits and answers what completes
     * @param maxBytes the payload a reply batch holds at most before it is sent (well below the frame size)
     */
    BatchReplies(Executor loop, Runnable poll, int maxBytes) {
        this.owner = Thread.currentThread();
        this.loop = loop;
        this.poll = poll;
        this.maxBytes = maxBytes;
    }

    /** Adds a reply (a value, or an {@link io.uringactor.ring.IoUringException}) for entry {@code id}. */
    void add(ActorRef<ReplyBatch> to, long id, Object outcome) {
        if (Thread.currentThread() != owner) {
            to.tell(new ReplyBatch(new long[] {id}, new Object[] {outcome}));
            return;
        }
        final Gathered gathered = gatheredFor(to);
        gathered.add(id, outcome);
        if (gathered.bytes >= maxBytes || gathered.count >= MAX_ENTRIES) {
            gathered.send();
        }
        queueSend();
    }

    /**
     * Acknowledges request batch {@code batchId}: the ring has taken all its entries, so the asker may send
     * another. Goes with the replies of the same turn.
     */
    void ack(ActorRef<ReplyBatch> to, long batchId) {
        if (Thread.currentThread() != owner) {
            to.tell(new ReplyBatch(new long[] {batchId}, new long[0], new Object[0]));
            return;
        }
        gatheredFor(to).ack(batchId);
        queueSend();
    }

    private void queueSend() {
        if (!sendQueued) {
            sendQueued = true;
            try {
                loop.execute(sendAll);
            } catch (RejectedExecutionException e) { // the loop is ending: nothing to wait for
                sendGathered(); // maybe inside a poll: no poll of its own
            }
        }
    }

    private Gathered gatheredFor(ActorRef<ReplyBatch> to) {
        for (Gathered g : waiting) { // a handful of asking nodes at most: a list beats a map
            if (g.to.equals(to)) {
                return g;
            }
        }
        final Gathered g = new Gathered(to);
        waiting.add(g);
        return g;
    }

    /**
     * Polls the ring first: the task runs in the loop's turn that took the batch, before the loop's own poll
     * would submit its entries, and a cached read completes within that submit. So a batch's replies go in
     * one message with its acknowledgement rather than after it; what completes later goes from a later turn.
     */
    private void sendAll() {
        poll.run();
        sendGathered();
    }

    private void sendGathered() {
        sendQueued = false;
        for (Gathered g : waiting) {
            g.send();
        }
        waiting.clear(); // a node that asks no more is not kept
    }

    private static int sizeOf(Object outcome) {
        if (outcome instanceof ByteString) {
            return ((ByteString) outcome).size() + SMALL_REPLY;
        }
        if (outcome instanceof ByteStringList) {
            int bytes = SMALL_REPLY;
            for (ByteString b : (ByteStringList) outcome) {
                bytes += b.size() + 8;
            }
            return bytes;
        }
        return SMALL_REPLY;
    }

    /** One node's replies waiting to be sent. */
    private static final class Gathered {
        final ActorRef<ReplyBatch> to;
        long[] acks = new long[2];
        int ackCount;
        long[] ids = new long[8];
        Object[] outcomes = new Object[8];
        int count;
        int bytes;

        Gathered(ActorRef<ReplyBatch> to) {
            this.to = to;
        }

        void add(long id, Object outcome) {
            if (count == ids.length) {
                ids = Arrays.copyOf(ids, count * 2);
                outcomes = Arrays.copyOf(outcomes, count * 2);
            }
            ids[count] = id;
            outcomes[count++] = outcome;
            bytes += sizeOf(outcome);
        }

        void ack(long batchId) {
            if (ackCount == acks.length) {
                acks = Arrays.copyOf(acks, ackCount * 2);
            }
            acks[ackCount++] = batchId;
            if (ackCount >= MAX_ENTRIES) {
                send();
            }
        }

        void send() {
            if (count == 0 && ackCount == 0) {
                return;
            }
            to.tell(new ReplyBatch(Arrays.copyOf(acks, ackCount), Arrays.copyOf(ids, count),
                    Arrays.copyOf(outcomes, count)));
            Arrays.fill(outcomes, 0, count, null);
            count = 0;
            ackCount = 0;
            bytes = 0;
        }
    }
}
