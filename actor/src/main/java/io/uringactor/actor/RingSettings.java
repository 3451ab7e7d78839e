package io.uringactor.actor;

import com.typesafe.config.Config;

import org.apache.pekko.actor.typed.ActorSystem;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Settings of one ring actor, read from {@code io-uring-actor.ring} (see {@code reference.conf}).
 * Immutable; {@code withX} returns a copy.
 */
public final class RingSettings {
    private final int maxInFlight;
    private final int sqEntries;
    private final int maxQueued;
    private final int maxIoSize;
    private final Duration opTimeout;
    private final Duration stopTimeout;
    private final Duration askTimeout;
    private final String dispatcher;
    private final Path rootDirectory;
    private final boolean registerWithReceptionist;

    private RingSettings(int maxInFlight, int sqEntries, int maxQueued, int maxIoSize, Duration opTimeout,
                         Duration stopTimeout, Duration askTimeout, String dispatcher, Path rootDirectory,
                         boolean registerWithReceptionist) {
        require(maxInFlight > 0 && maxInFlight <= 1 << 16, "max-in-flight", maxInFlight);
        require(sqEntries >= 2 && sqEntries <= 1 << 15, "sq-entries", sqEntries); // an op and its timeout
        require(maxQueued >= 0, "max-queued", maxQueued);
        require(maxIoSize > 0, "max-io-size", maxIoSize);
        this.maxInFlight = maxInFlight;
        this.sqEntries = sqEntries;
        this.maxQueued = maxQueued;
        this.maxIoSize = maxIoSize;
        this.opTimeout = opTimeout;
        this.stopTimeout = stopTimeout;
        this.askTimeout = askTimeout;
        this.dispatcher = dispatcher;
        this.rootDirectory = rootDirectory;
        this.registerWithReceptionist = registerWithReceptionist;
    }

    /** Reads {@code io-uring-actor.ring} from the system's configuration. */
    public static RingSettings create(ActorSystem<?> system) {
        return create(system.settings().config().getConfig("io-uring-actor.ring"));
    }

    /** Reads settings from a config shaped like {@code io-uring-actor.ring}. */
    public static RingSettings create(Config ring) {
        final String timeout = ring.getString("op-timeout");
        final String root = ring.hasPath("root-directory") ? ring.getString("root-directory") : "";
        return new RingSettings(ring.getInt("max-in-flight"), ring.getInt("sq-entries"), ring.getInt("max-queued"),
                (int) Math.min(Integer.MAX_VALUE, ring.getBytes("max-io-size")),
                "off".equals(timeout) ? null : ring.getDuration("op-timeout"),
                ring.getDuration("stop-timeout"), ring.getDuration("ask-timeout"), ring.getString("dispatcher"),
                root.isEmpty() ? null : Path.of(root),
                !ring.hasPath("register-with-receptionist") || ring.getBoolean("register-with-receptionist"));
    }

    public RingSettings withMaxInFlight(int value) {
        return new RingSettings(value, sqEntries, maxQueued, maxIoSize, opTimeout, stopTimeout, askTimeout,
                dispatcher, rootDirectory, registerWithReceptionist);
    }

    public RingSettings withSqEntries(int value) {
        return new RingSettings(maxInFlight, value, maxQueued, maxIoSize, opTimeout, stopTimeout, askTimeout,
                dispatcher, rootDirectory, registerWithReceptionist);
    }

    public RingSettings withMaxQueued(int value) {
        return new RingSettings(maxInFlight, sqEntries, value, maxIoSize, opTimeout, stopTimeout, askTimeout,
                dispatcher, rootDirectory, registerWithReceptionist);
    }

    public RingSettings withMaxIoSize(int value) {
        return new RingSettings(maxInFlight, sqEntries, maxQueued, value, opTimeout, stopTimeout, askTimeout,
                dispatcher, rootDirectory, registerWithReceptionist);
    }

    /** Default op timeout; {@code null} for none. */
    public RingSettings withOpTimeout(Duration value) {
        return new RingSettings(maxInFlight, sqEntries, maxQueued, maxIoSize, value, stopTimeout, askTimeout,
                dispatcher, rootDirectory, registerWithReceptionist);
    }

    public RingSettings withStopTimeout(Duration value) {
        return new RingSettings(maxInFlight, sqEntries, maxQueued, maxIoSize, opTimeout, value, askTimeout,
                dispatcher, rootDirectory, registerWithReceptionist);
    }

    public RingSettings withAskTimeout(Duration value) {
        return new RingSettings(maxInFlight, sqEntries, maxQueued, maxIoSize, opTimeout, stopTimeout, value,
                dispatcher, rootDirectory, registerWithReceptionist);
    }

    /**
     * Confines every {@link RingCommand.Open} to {@code value}: paths are opened beneath it with
     * {@code openat2(RESOLVE_BENEATH)} relative to a descriptor of the directory taken when the actor starts,
     * so absolute paths, {@code ..} and symlinks that lead out of it are refused by the kernel
     * ({@link io.uringactor.ring.ErrnoException} {@code EXDEV}). {@code null} for no root.
     */
    public RingSettings withRootDirectory(Path value) {
        return new RingSettings(maxInFlight, sqEntries, maxQueued, maxIoSize, opTimeout, stopTimeout, askTimeout,
                dispatcher, value, registerWithReceptionist);
    }

    /** Whether the actor registers itself with the receptionist under {@link RingActor#SERVICE_KEY}. */
    public RingSettings withRegisterWithReceptionist(boolean value) {
        return new RingSettings(maxInFlight, sqEntries, maxQueued, maxIoSize, opTimeout, stopTimeout, askTimeout,
                dispatcher, rootDirectory, value);
    }

    public int maxInFlight() {
        return maxInFlight;
    }

    public int sqEntries() {
        return sqEntries;
    }

    public int maxQueued() {
        return maxQueued;
    }

    public int maxIoSize() {
        return maxIoSize;
    }

    /** The default op timeout, or {@code null} for none. */
    public Duration opTimeout() {
        return opTimeout;
    }

    public Duration stopTimeout() {
        return stopTimeout;
    }

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

    /** Whether the actor registers itself with the receptionist under {@link RingActor#SERVICE_KEY}. */
    public boolean registerWithReceptionist() {
        return registerWithReceptionist;
    }

    private static void require(boolean ok, String name, long value) {
        if (!ok) {
            throw new IllegalArgumentException(name + "=" + value + " is out of range");
        }
    }

    @Override
    public String toString() {
        return "RingSettings[maxInFlight=" + maxInFlight + ", sqEntries=" + sqEntries + ", maxQueued=" + maxQueued
                + ", maxIoSize=" + maxIoSize + ", opTimeout=" + opTimeout + ", stopTimeout=" + stopTimeout
                + ", askTimeout=" + askTimeout + ", dispatcher=" + dispatcher + ", rootDirectory=" + rootDirectory
                + ", registerWithReceptionist=" + registerWithReceptionist + "]";
    }
}
