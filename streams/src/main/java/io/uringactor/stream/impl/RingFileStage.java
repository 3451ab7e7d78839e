package io.uringactor.stream.impl;

import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingExtension;
import io.uringactor.stream.javadsl.RingAttribute;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.Shape;
import org.apache.pekko.stream.stage.AbstractGraphStageWithMaterializedValue;
import org.apache.pekko.stream.stage.GraphStageLogic;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The graph stage around a {@link RingStageLogic}, the same for every file stage: one file and its
 * settings, the ring actor's client (a {@link RingAttribute}'s, else the system's default ring), and an
 * {@link IOResult} materialized per run. A stage adds its
 * shape and its logic.
 *
 * @param <S> the stage's shape
 * @param <T> the stage's settings
 */
abstract class RingFileStage<S extends Shape, T>
        extends AbstractGraphStageWithMaterializedValue<S, CompletionStage<IOResult>> {
    private final String name;
    protected final ActorSystem<?> system;
    protected final Path path;
    protected final T settings;

    /** {@code name} names the stage in {@link #toString()}; its attribute name is {@code name} in camelCase. */
    RingFileStage(String name, ActorSystem<?> system, Path path, T settings) {
        this.name = name;
        this.system = system;
        this.path = path;
        this.settings = settings;
    }

    /** A new logic for one run; it completes {@code result}. */
    protected abstract RingStageLogic createLogic(RingClient client, CompletableFuture<IOResult> result);

    @Override
    public final Attributes initialAttributes() {
        return Attributes.name(Character.toLowerCase(name.charAt(0)) + name.substring(1));
    }

    @Override
    public final Pair<GraphStageLogic, CompletionStage<IOResult>> createLogicAndMaterializedValuePair(
            Attributes attributes) {
        final CompletableFuture<IOResult> result = new CompletableFuture<>();
        final RingClient client = attributes.getAttribute(RingAttribute.class)
                .map(RingAttribute::client)
                .orElseGet(() -> RingExtension.get(system).client());
        return Pair.create(createLogic(client, result), result);
    }

    @Override
    public final String toString() {
        return name + "(" + path + ", " + settings + ")";
    }
}
