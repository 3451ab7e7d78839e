package io.uringactor.actor;

import com.typesafe.config.Config;

import org.apache.pekko.actor.typed.ActorSystem;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Settings of one ring actor, read from {@code io-uring-actor.ring} (see {@code reference.conf}).
 * Immutable; {@code withX} returns a checked copy.
 */
public final class RingSettings implements Cloneable {
    /** The largest {@code max-io-size}: a buffer of twice a request must still be an {@code int}. */
    public static final int MAX_IO_SIZE_LIMIT = 1 << 30;

    private int maxInFlight;
    private int sqEntries;
    private int maxQueued;
    private int maxIoSize;
    private long maxNativeMemory;
    private Duration opTimeout;
    private Duration stopTimeout;
    private Duration askTimeout;
    private String dispatcher;
    private Path rootDirectory;
    private boolean resolveNoSymlinks;
    private boolean resolveNoXdev;
    private boolean registerWithReceptionist;
    private boolean registerWithoutRoot;
    private boolean allowRemoteShutdown;
    private boolean latencyHistogram;
    private Engine engine;
    private int fallbackThreads;
    private Duration remoteFileIdleTimeout;

    /** What serves a ring's ops ({@code engine}). */
    public enum Engine {
        /** io_uring where it can be set up; else the fallback, after one WARN saying why and how to fix it. */
        AUTO,
        /** io_uring only: where it cannot be set up, the ring does not start and says why. */
        IO_URING,
        /**
         * Positional syscalls on a few threads of the ring's own ({@code fallback-threads}), with the same
         * protocol, replies and errors: slower, for where io_uring is blocked.
         */
        FALLBACK;

        /** The engine a config value names: {@code auto}, {@code io-uring} or {@code fallback}. */
        public static Engine parse(String value) {
            switch (value) {
                case "auto":
                    return AUTO;
                case "io-uring":
                    return IO_URING;
                case "fallback":
                    return FALLBACK;
                default:
                    throw new IllegalArgumentException("engine = \"" + value + "\" is none of auto, io-uring, fallback");
            }
        }
    }

    private RingSettings() {
    }

    /** Reads {@code io-uring-actor.ring} from the system's configuration. */
    public static RingSettings create(ActorSystem<?> system) {
        return create(system.settings().config().getConfig("io-uring-actor.ring"));
    }

    /** Reads settings from a config shaped like {@code io-uring-actor.ring}; unset keys keep their defaults. */
    public static RingSettings create(Config ring) {
        final Config c = ring.withFallback(DEFAULTS);
        final String timeout = c.getString("op-timeout");
        final String root = c.getString("root-directory");
        final RingSettings s = new RingSettings();
        s.maxInFlight = c.getInt("max-in-flight");
        s.sqEntries = c.getInt("sq-entries");
        s.maxQueued = c.getInt("max-queued");
        s.maxIoSize = (int) Math.min(Integer.MAX_VALUE, c.getBytes("max-io-size"));
        s.maxNativeMemory = c.getBytes("max-native-memory");
        s.opTimeout = "off".equals(timeout) ? null : c.getDuration("op-timeout");
        s.stopTimeout = c.getDuration("stop-timeout");
        s.askTimeout = c.getDuration("ask-timeout");
        s.dispatcher = c.getString("dispatcher");
        s.rootDirectory = root.isEmpty() ? null : Path.of(root);
        s.resolveNoSymlinks = c.getBoolean("resolve-no-symlinks");
        s.resolveNoXdev = c.getBoolean("resolve-no-xdev");
        s.registerWithReceptionist = c.getBoolean("register-with-receptionist");
        s.registerWithoutRoot = c.getBoolean("register-without-root");
        s.allowRemoteShutdown = c.getBoolean("allow-remote-shutdown");
        s.latencyHistogram = c.getBoolean("latency-histogram");
        try {
            s.engine = Engine.parse(c.getString("engine"));
        } catch (IllegalArgumentException e) {
            throw new com.typesafe.config.ConfigException.BadValue(c.origin(), "engine", e.getMessage());
        }
        s.fallbackThreads = c.getInt("fallback-threads");
        final String idle = c.getString("remote-file-idle-timeout");
        s.remoteFileIdleTimeout = "off".equals(idle) ? null : c.getDuration("remote-file-idle-timeout");
        return s.checked();
    }

    /** This library's {@code reference.conf} defaults, for configs that set only some keys. */
    private static final Config DEFAULTS = com.typesafe.config.ConfigFactory
            .defaultReference(RingSettings.class.getClassLoader()).getConfig("io-uring-actor.ring");

    /** Most ops in the kernel at once (1 to 65536). */
    public RingSettings withMaxInFlight(int value) {
        return with(s -> s.maxInFlight = value);
    }

    /** Submission queue entries (2 to 32768). */
    public RingSettings withSqEntries(int value) {
        return with(s -> s.sqEntries = value);
    }

    /** Requests that may wait for an in-flight slot or for memory before new ones are refused. */
    public RingSettings withMaxQueued(int value) {
        return with(s -> s.maxQueued = value);
    }

    /** Largest read or write of one request, up to {@link #MAX_IO_SIZE_LIMIT}. */
    public RingSettings withMaxIoSize(int value) {
        return with(s -> s.maxIoSize = value);
    }

    /**
     * Native memory the ring's requests may hold at once, buffers in use and kept for reuse; at least twice
     * {@code max-io-size} (buffers are rounded up to a power of two, so the largest request always fits).
     * A request that does not fit waits in the queue until memory is released.
     */
    public RingSettings withMaxNativeMemory(long bytes) {
        return with(s -> s.maxNativeMemory = bytes);
    }

    /** Default op timeout; {@code null} for none. */
    public RingSettings withOpTimeout(Duration value) {
        return with(s -> s.opTimeout = value);
    }

    /** How long a stop waits for in-flight ops before answering them with {@link RingStoppedException}. */
    public RingSettings withStopTimeout(Duration value) {
        return with(s -> s.stopTimeout = value);
    }

    /** How long a {@link RingClient} waits for a ring on another node. */
    public RingSettings withAskTimeout(Duration value) {
        return with(s -> s.askTimeout = value);
    }

    /**
     * The config path of the dispatcher to spawn the actor on: a ring event loop (a ring actor spawned on any
     * other dispatcher does not start, see {@link RingActor}).
     */
    public RingSettings withDispatcher(String value) {
        return with(s -> s.dispatcher = value);
    }

    /**
     * Confines every {@link RingCommand.Open} to {@code value}: paths are opened beneath it with
     * {@code openat2(RESOLVE_BENEATH)} relative to a descriptor of the directory taken when the actor starts,
     * so absolute paths, {@code ..} and symlinks that lead out of it are refused by the kernel
     * ({@link io.uringactor.ring.ErrnoException} {@code EXDEV}). {@code null} for no root. Hard links inside
     * the root to files outside it are not detected (see docs/cluster.md, "Confinement").
     */
    public RingSettings withRootDirectory(Path value) {
        return with(s -> s.rootDirectory = value);
    }

    /** With a root: refuse every symlink in an opened path ({@code RESOLVE_NO_SYMLINKS}, {@code ELOOP}). */
    public RingSettings withResolveNoSymlinks(boolean value) {
        return with(s -> s.resolveNoSymlinks = value);
    }

    /** With a root: refuse paths that cross a mount point ({@code RESOLVE_NO_XDEV}, {@code EXDEV}). */
    public RingSettings withResolveNoXdev(boolean value) {
        return with(s -> s.resolveNoXdev = value);
    }

    /**
     * Whether the actor registers with the receptionist under {@link RingActor#SERVICE_KEY}; only a ring
     * with a root directory does, unless {@link #withRegisterWithoutRoot} allows an unconfined one.
     */
    public RingSettings withRegisterWithReceptionist(boolean value) {
        return with(s -> s.registerWithReceptionist = value);
    }

    /**
     * Whether a ring without a root directory may register with the receptionist, offering every cluster
     * member the whole filesystem this process can reach. Off by default; on logs a warning at start.
     */
    public RingSettings withRegisterWithoutRoot(boolean value) {
        return with(s -> s.registerWithoutRoot = value);
    }

    /** Whether a {@link RingCommand.Shutdown} from another node is obeyed (by default it is refused). */
    public RingSettings withAllowRemoteShutdown(boolean value) {
        return with(s -> s.allowRemoteShutdown = value);
    }

    /** Most ops in the kernel at once. */
    public int maxInFlight() {
        return maxInFlight;
    }

    /** Submission queue entries. */
    public int sqEntries() {
        return sqEntries;
    }

    /** Requests that may wait for a slot or memory. */
    public int maxQueued() {
        return maxQueued;
    }

    /** Largest read or write of one request. */
    public int maxIoSize() {
        return maxIoSize;
    }

    /** Native memory the ring's requests may hold at once. */
    public long maxNativeMemory() {
        return maxNativeMemory;
    }

    /** The default op timeout, or {@code null} for none. */
    public Duration opTimeout() {
        return opTimeout;
    }

    /** How long a stop waits for in-flight ops. */
    public Duration stopTimeout() {
        return stopTimeout;
    }

    /** How long a {@link RingClient} waits for a ring on another node. */
    public Duration askTimeout() {
        return askTimeout;
    }

    /** The config path of the dispatcher to spawn the actor on. */
    public String dispatcher() {
        return dispatcher;
    }

    /** The directory every opened path must stay beneath, or {@code null} for none. */
    public Path rootDirectory() {
        return rootDirectory;
    }

    /** Whether opens beneath the root refuse symlinks. */
    public boolean resolveNoSymlinks() {
        return resolveNoSymlinks;
    }

    /** Whether opens beneath the root refuse to cross mount points. */
    public boolean resolveNoXdev() {
        return resolveNoXdev;
    }

    /** Whether the actor registers with the receptionist (see {@link #withRegisterWithReceptionist}). */
    public boolean registerWithReceptionist() {
        return registerWithReceptionist;
    }

    /** Whether a ring without a root may register with the receptionist. */
    public boolean registerWithoutRoot() {
        return registerWithoutRoot;
    }

    /** Whether a Shutdown from another node is obeyed. */
    public boolean allowRemoteShutdown() {
        return allowRemoteShutdown;
    }

    /** Whether the ring records each request's latency for its MBean (see {@link #withLatencyHistogram}). */
    public boolean latencyHistogram() {
        return latencyHistogram;
    }

    /**
     * Whether the ring records each request's latency, from its SQE to its answer, in an HdrHistogram that its
     * {@link RingMXBean} reads ({@code latency-histogram}). It costs two clock reads and a few nanoseconds of
     * the ring's thread per request, and no allocation.
     */
    public RingSettings withLatencyHistogram(boolean value) {
        return with(s -> s.latencyHistogram = value);
    }

    /** What serves the ring's ops (see {@link #withEngine}). */
    public Engine engine() {
        return engine;
    }

    /**
     * What serves the ring's ops ({@code engine}): io_uring, the fallback engine, or io_uring where it can be
     * set up and the fallback elsewhere ({@link Engine#AUTO}, the default).
     */
    public RingSettings withEngine(Engine value) {
        return with(s -> s.engine = java.util.Objects.requireNonNull(value, "engine"));
    }

    /** Threads of the fallback engine that run the ops that may wait (see {@link #withFallbackThreads}). */
    public int fallbackThreads() {
        return fallbackThreads;
    }

    /**
     * How many threads the fallback engine runs a ring's waiting ops on (disk reads, O_DIRECT, opens, fsyncs):
     * the most such ops in the kernel at once ({@code fallback-threads}, 1 to 1024). Made as needed, ended
     * when idle; page-cache hits never use them.
     */
    public RingSettings withFallbackThreads(int value) {
        return with(s -> s.fallbackThreads = value);
    }

    /** How long a file another node opened may go unused before the ring closes it; {@code null}: never. */
    public Duration remoteFileIdleTimeout() {
        return remoteFileIdleTimeout;
    }

    /**
     * Closes a file that another node opened once no op has used it for {@code value}
     * ({@code remote-file-idle-timeout}; {@code null} or "off": never, the default). A safety net for where the
     * ring cannot tell that the opener is gone (remote death watch off outside a cluster, or no downing): the
     * opener's next request on it gets {@code InvalidRequestException}, as for any closed handle.
     */
    public RingSettings withRemoteFileIdleTimeout(Duration value) {
        if (value != null && (value.isZero() || value.isNegative())) {
            throw new IllegalArgumentException("remote-file-idle-timeout=" + value + " must be positive, or off");
        }
        return with(s -> s.remoteFileIdleTimeout = value);
    }

    private RingSettings with(Consumer<RingSettings> change) {
        final RingSettings copy;
        try {
            copy = (RingSettings) clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
        change.accept(copy);
        return copy.checked();
    }

    private RingSettings checked() {
        require(maxInFlight > 0 && maxInFlight <= 1 << 16, "max-in-flight", maxInFlight);
        require(sqEntries >= 2 && sqEntries <= 1 << 15, "sq-entries", sqEntries); // an op and its timeout
        require(maxQueued >= 0, "max-queued", maxQueued);
        require(maxIoSize > 0 && maxIoSize <= MAX_IO_SIZE_LIMIT, "max-io-size", maxIoSize);
        require(fallbackThreads >= 1 && fallbackThreads <= 1024, "fallback-threads", fallbackThreads);
        if (maxNativeMemory < 2L * maxIoSize) {
            throw new IllegalArgumentException("max-native-memory=" + maxNativeMemory
                    + " must be at least twice max-io-size=" + maxIoSize);
        }
        return this;
    }

    private static void require(boolean ok, String name, long value) {
        if (!ok) {
            throw new IllegalArgumentException(name + "=" + value + " is out of range");
        }
    }

    @Override
    public String toString() {
        return "RingSettings[maxInFlight=" + maxInFlight + ", sqEntries=" + sqEntries + ", maxQueued=" + maxQueued
                + ", maxIoSize=" + maxIoSize + ", maxNativeMemory=" + maxNativeMemory + ", opTimeout=" + opTimeout
                + ", stopTimeout=" + stopTimeout + ", askTimeout=" + askTimeout + ", dispatcher=" + dispatcher
                + ", rootDirectory=" + rootDirectory + ", resolveNoSymlinks=" + resolveNoSymlinks
                + ", resolveNoXdev=" + resolveNoXdev + ", registerWithReceptionist=" + registerWithReceptionist
                + ", registerWithoutRoot=" + registerWithoutRoot + ", allowRemoteShutdown=" + allowRemoteShutdown
                + ", latencyHistogram=" + latencyHistogram + ", engine=" + engine + ", fallbackThreads="
                + fallbackThreads + ", remoteFileIdleTimeout=" + remoteFileIdleTimeout + "]";
    }
}
