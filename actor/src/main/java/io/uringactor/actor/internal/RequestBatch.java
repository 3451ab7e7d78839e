package io.uringactor.actor.internal;

import io.uringactor.actor.RingCommand;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.annotation.InternalApi;

import java.util.Arrays;
import java.util.Objects;

/**
 * Requests from one node to a ring on another, carried by one Artery message instead of one each: the ring
 * serves each entry as if it had come alone, and answers them in {@link ReplyBatch}es to {@code replyTo},
 * the asking node's {@link RemoteCalls} receiver, each reply named by its entry's id; the reply batch of the
 * ring's turn that took this batch also acknowledges {@code batchId}, so that the asker may send the next. The commands' own
 * {@code replyTo} is that receiver too and is never told directly. Made by {@link RemoteCalls}; never
 * holds a Shutdown, a GetStats or a block command, which travel alone.
 *
 * @param replyTo  where the replies go
 * @param batchId  the asker's id of this batch, acknowledged once the ring has taken every entry
 * @param ids      the caller's id of each entry, answered with its reply
 * @param commands the entries, as many as {@code ids}
 */
@InternalApi
public record RequestBatch(ActorRef<ReplyBatch> replyTo, long batchId, long[] ids, RingCommand[] commands) {
    public RequestBatch {
        if (ids.length != commands.length) {
            throw new IllegalArgumentException(ids.length + " ids for " + commands.length + " commands");
        }
    }

    /** Equal when the same entries in the same order (a record compares arrays by identity). */
    @Override
    public boolean equals(Object o) {
        return o instanceof RequestBatch other && Objects.equals(replyTo, other.replyTo) && batchId == other.batchId
                && Arrays.equals(ids, other.ids) && Arrays.equals(commands, other.commands);
    }

    @Override
    public int hashCode() {
        return Objects.hash(replyTo, batchId, Arrays.hashCode(ids), Arrays.hashCode(commands));
    }

    @Override
    public String toString() {
        return "RequestBatch[replyTo=" + replyTo + ", batchId=" + batchId + ", ids=" + Arrays.toString(ids) + ", commands="
                + Arrays.toString(commands) + "]";
    }
}
