package io.uringactor.stream.impl;

import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingExtension;
import io.uringactor.stream.javadsl.RingAttribute;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.ActorAttributes;
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
    /** The config path of the dispatcher the stages run on. */
    public static final String DISPATCHER_SETTING = "io-uring-actor.stream.dispatcher";

    private final String name;
    protected final ActorSystem<?> system;
    protected final Path path;
    protected final T settings;

    /** Whether the stage runs on the configured dispatcher (an island of its own) or fused with its neighbours. */
    private final boolean ownIsland;

    /**
     * {@code name} names the stage in {@link #toString()}; its attribute name is {@code name} in camelCase.
     * {@code ownIsland}: on the configured dispatcher, or (false) fused with the stages around it whatever the
     * configuration says, for a graph of this library's own that picks its dispatcher as a whole.
     */
    RingFileStage(String name, ActorSystem<?> system, Path path, T settings, boolean ownIsland) {
        this.name = name;
        this.system = system;
        this.path = path;
        this.settings = settings;
        this.ownIsland = ownIsland;
    }

    /** A new logic for one run; it completes {@code result}. */
    protected abstract RingStageLogic createLogic(RingClient client, CompletableFuture<IOResult> result);

    /**
     * The stage's name and its dispatcher, {@code io-uring-actor.stream.dispatcher}: by default the default
     * ring's event loop, as Pekko's {@code FileIO} stages run on the blocking-IO dispatcher. The stage's IO and
     * its completions then never cross threads; the dispatcher also makes the stage an island of its own, so
     * the hand-off to the user's stages is an ordinary async boundary, amortised over the boundary's element
     * buffer. {@code ""} fuses the stage with its neighbours instead, on whatever runs them.
     */
    @Override
    public final Attributes initialAttributes() {
        final Attributes named = Attributes.name(Character.toLowerCase(name.charAt(0)) + name.substring(1));
        final String dispatcher = ownIsland ? system.settings().config().getString(DISPATCHER_SETTING) : "";
        return dispatcher.isEmpty() ? named : named.and(ActorAttributes.dispatcher(dispatcher));
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
