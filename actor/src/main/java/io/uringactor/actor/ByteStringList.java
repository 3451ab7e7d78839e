package io.uringactor.actor;

import org.apache.pekko.util.ByteString;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * The immutable list a {@link RingCommand.ReadV} replies with: one {@link ByteString} per requested
 * buffer. A class of its own (not a {@code java.util} list) so that it travels between cluster nodes with
 * the ring's serializer rather than Java serialization. Use it as any {@link List}.
 */
public final class ByteStringList extends AbstractList<ByteString> implements RandomAccess {
    private final ByteString[] parts;

    private ByteStringList(ByteString[] parts) {
        this.parts = parts;
    }

    /** A list of {@code parts}, copied; no element may be {@code null}. */
    public static ByteStringList of(List<ByteString> parts) {
        final ByteString[] array = parts.toArray(new ByteString[0]);
        for (ByteString part : array) {
            if (part == null) {
                throw new NullPointerException("a ByteStringList has no null elements");
            }
        }
        return new ByteStringList(array);
    }

    @Override
    public ByteString get(int index) {
        return parts[index];
    }

    @Override
    public int size() {
        return parts.length;
    }
}
