package io.uringactor.actor.serialization;

import java.io.NotSerializableException;

/**
 * One family of the ring protocol's messages, its manifests and its bytes: {@link CommandCodec},
 * {@link BlockCommandCodec}, {@link ReplyCodec}, {@link FailureCodec}. {@link RingProtocolSerializer}
 * writes the format version before the bytes of {@link #write} and reads it before calling {@link #read},
 * and checks that {@link #read} left no bytes over.
 */
interface MessageCodec {
    /** The manifest of {@code o}, or {@code null} when {@code o} is not of this family. */
    String manifest(Object o);

    /** Writes {@code o}, a message of this family, without the format version. */
    void write(Object o, WireOut out);

    /**
     * Reads a message of this family; malformed input throws {@link NotSerializableException} (or a
     * {@link RuntimeException}, which the serializer turns into one).
     */
    Object read(String manifest, WireIn in) throws NotSerializableException;
}
