package io.uringactor.stream.impl;

import com.typesafe.config.Config;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.annotation.InternalApi;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;

/**
 * What a file stage ({@link RingFileStage}) is built from, the same for every stage: its file, its
 * settings or how to find them in the config, its system, and whether it is an island of its own.
 *
 * @param <T> the stage's settings
 */
@InternalApi
public final class StageSetup<T> {
    /** The system given; {@code null}: the materializer's. */
    final ActorSystem<?> system;
    final Path path;
    /** The settings given; {@code null}: {@link #configured} applied to the system's config. */
    final T settings;
    final Function<Config, T> configured;
    /** On the stages' dispatcher (an island of its own), or fused with the stages around it. */
    final boolean ownIsland;

    private StageSetup(ActorSystem<?> system, Path path, T settings, Function<Config, T> configured,
                       boolean ownIsland) {
        this.system = system;
        this.path = Objects.requireNonNull(path, "path");
        this.settings = settings;
        this.configured = configured;
        this.ownIsland = ownIsland;
    }

    /**
     * A stage of the public API with {@code settings}.
     *
     * @param system   the system whose default ring is used unless a {@code RingAttribute} names another;
     *                 {@code null}: the materializer's
     * @param path     the file
     * @param settings the stage's settings
     * @param <T>      the stage's settings
     * @return the setup
     */
    public static <T> StageSetup<T> of(ActorSystem<?> system, Path path, T settings) {
        return new StageSetup<>(system, path, Objects.requireNonNull(settings, "settings"), null, true);
    }

    /**
     * A stage of the public API without settings: {@code configured} applied to the config of the
     * materializer's system when the stage is materialized.
     *
     * @param path       the file
     * @param configured the stage's settings in a config
     * @param <T>        the stage's settings
     * @return the setup
     */
    public static <T> StageSetup<T> configured(Path path, Function<Config, T> configured) {
        return new StageSetup<>(null, path, null, Objects.requireNonNull(configured, "configured"), true);
    }

    /**
     * A stage fused with its neighbours ({@code ownIsland = false}, see {@link RingFileStage}), for a graph of
     * this library's own that picks its dispatcher as a whole.
     */
    static <T> StageSetup<T> fused(ActorSystem<?> system, Path path, T settings) {
        return new StageSetup<>(system, path, Objects.requireNonNull(settings, "settings"), null, false);
    }
}
