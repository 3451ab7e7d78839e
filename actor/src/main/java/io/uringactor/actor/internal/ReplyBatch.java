package io.uringactor.actor.internal;

import io.uringactor.ring.IoUringException;

import org.apache.pekko.annotation.InternalApi;

import java.util.Arrays;

/**
 * A ring's replies to entries of {@link RequestBatch}es from one node, in one Artery message: what each
 * request's reply would have carried alone, the value on success ({@code ByteString}, {@code Integer},
 * {@code Done}, {@code FileHandle}, {@code Statx}, {@code ByteStringList}) or the {@link IoUringException}
 * of a failure, by the entry's id; and the acknowledgements of the request batches the ring has taken
 * (see {@link RequestBatch#batchId()}). Either may be empty, not both.
 *
 * @param acks     the request batches taken
 * @param ids      the entries answered
 * @param outcomes each entry's value, or its failure
 */
@InternalApi
public record ReplyBatch(long[] acks, long[] ids, Object[] outcomes) {
    public ReplyBatch {
        if (ids.length != outcomes.length) {
            throw new IllegalArgumentException(ids.length + " ids for " + outcomes.length + " outcomes");
        }
    }

    /** Replies that acknowledge no request batch. */
    public ReplyBatch(long[] ids, Object[] outcomes) {
        this(new long[0], ids, outcomes);
    }

    /** Equal when the same entries in the same order (a record compares arrays by identity). */
    @Override
    public boolean equals(Object o) {
        return o instanceof ReplyBatch other && Arrays.equals(acks, other.acks)
                && Arrays.equals(ids, other.ids) && Arrays.equals(outcomes, other.outcomes);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(acks) + Arrays.hashCode(ids)) + Arrays.hashCode(outcomes);
    }

    @Override
    public String toString() {
        return "ReplyBatch[acks=" + Arrays.toString(acks) + ", ids=" + Arrays.toString(ids) + ", outcomes="
                + Arrays.toString(outcomes) + "]";
    }
}
