package io.uringactor.actor.internal;

import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingCommand.*;

import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The one table of the ring protocol's commands: for each, the op it becomes, the name errors give it
 * (liburing's op names) and its timeout. Adding a command adds a constant here and a case in
 * {@link SqeWriter#prepare} and {@link Completer}; nothing else switches over the command types.
 */
enum CommandKind {
    READ(Read.class, "read", c -> ((Read) c).timeout()),
    WRITE(Write.class, "write", c -> ((Write) c).timeout()),
    READ_BLOCK(ReadBlock.class, "read_block", c -> ((ReadBlock) c).timeout()),
    WRITE_BLOCK(WriteBlock.class, "write_block", c -> ((WriteBlock) c).timeout()),
    READV(ReadV.class, "readv", c -> ((ReadV) c).timeout()),
    WRITEV(WriteV.class, "writev", c -> ((WriteV) c).timeout()),
    OPEN(Open.class, "openat", c -> null),
    CLOSE(Close.class, "close", c -> null),
    TRIM(Trim.class, "fallocate(punch hole)", c -> null),
    FSYNC(Fsync.class, "fsync", c -> null),
    STAT(Stat.class, "statx", c -> null),
    /** Answered by the actor at once: never an op. */
    GET_STATS(GetStats.class, "get_stats", c -> null),
    /** Handled by the actor's lifecycle: never an op. */
    SHUTDOWN(Shutdown.class, "shutdown", c -> null);

    private static final Map<Class<?>, CommandKind> BY_TYPE = new IdentityHashMap<>();

    static {
        for (CommandKind kind : values()) {
            BY_TYPE.put(kind.type, kind);
        }
    }

    private final Class<? extends RingCommand> type;
    private final String opName;
    private final Function<RingCommand, Duration> timeout;

    CommandKind(Class<? extends RingCommand> type, String opName, Function<RingCommand, Duration> timeout) {
        this.type = type;
        this.opName = opName;
        this.timeout = timeout;
    }

    /** The kind of {@code command}; every command type has one. */
    static CommandKind of(RingCommand command) {
        return BY_TYPE.get(command.getClass());
    }

    /** The op's name in messages, e.g. {@code read}, {@code fdatasync}. */
    String opName(RingCommand command) {
        return this == FSYNC && ((Fsync) command).dataOnly() ? "fdatasync" : opName;
    }

    /** The command's own timeout, or {@code null} when it has none (the ring's op-timeout applies). */
    Duration timeoutOf(RingCommand command) {
        return timeout.apply(command);
    }

    /** Whether the command moves bytes into or out of the file (short writes continue, timeouts link). */
    boolean writes() {
        return this == WRITE || this == WRITEV || this == WRITE_BLOCK;
    }
}
