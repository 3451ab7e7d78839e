package io.uringactor.stream.impl;

import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingExtension;
import io.uringactor.stream.javadsl.RingAttribute;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.Shape;
import org.apache.pekko.stream.stage.AbstractGraphStageWithMaterializedValue;
import org.apache.pekko.stream.stage.GraphStageLogic;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import scala.Tuple2;

/**
 * The graph stage around a {@link RingStageLogic}, the same for every file stage: one file and its
 * settings ({@link StageSetup}), the ring actor's client (a {@link RingAttribute}'s, else the system's
 * default ring), and an {@link IOResult} materialized per run. A stage adds its shape and its logic.
 *
 * <p>The system is the one given at construction or, without one, the materializer's, found when the stage
 * is materialized (as Pekko's {@code FileIO} needs none); so are the settings: the ones given, or the
 * system's configured ones ({@code io-uring-actor.stream.*}).
 *
 * @param <S> the stage's shape
 * @param <T> the stage's settings
 */
abstract class RingFileStage<S extends Shape, T>
        extends AbstractGraphStageWithMaterializedValue<S, CompletionStage<IOResult>> {
    /**
     * The dispatcher id of the stages: a config key whose value is an alias, the id of the dispatcher they
     * run on ({@code io-uring-actor.extension-dispatcher}, the default ring's loop, by default).
     */
    public static final String DISPATCHER_SETTING = "io-uring-actor.stream.dispatcher";

    private final String name;
    private final S shape;
    private final StageSetup<T> setup;
    protected final Path path;

    /**
     * {@code name} names the stage in {@link #toString()}; its attribute name is {@code name} in camelCase.
     * {@code shape}: the stage's own ports. {@code setup}: its file, settings, system and island.
     */
    RingFileStage(String name, S shape, StageSetup<T> setup) {
        this.name = name;
        this.shape = shape;
        this.setup = setup;
        this.path = setup.path;
    }

    /** A new logic for one {@code run}; it completes {@code run.result()}. */
    protected abstract RingStageLogic<T> createLogic(RingStageLogic.Run<T> run);

    @Override
    public final S shape() {
        return shape;
    }

    /**
     * The stage's name and its dispatcher, {@link #DISPATCHER_SETTING}: by default the default ring's event
     * loop, as Pekko's {@code FileIO} stages run on the blocking-IO dispatcher. The stage's IO and its
     * completions then never cross threads; the dispatcher also makes the stage an island of its own, so the
     * hand-off to the user's stages is an ordinary async boundary, amortised over the boundary's element
     * buffer. {@code withAttributes(ActorAttributes.dispatcher(id))} on the stage's Source, Sink or Flow runs
     * it on another dispatcher. Pekko decides the island from these attributes when the stage is built, so it
     * stays an island of its own whatever attributes replace them (as Pekko's {@code FileIO} stages do); only
     * a graph of this library's own builds its stages fused ({@code ownIsland = false}).
     */
    @Override
    public final Attributes initialAttributes() {
        final Attributes named = Attributes.name(Character.toLowerCase(name.charAt(0)) + name.substring(1));
        return setup.ownIsland ? named.and(ActorAttributes.dispatcher(DISPATCHER_SETTING)) : named;
    }

    @Override
    public final Tuple2<GraphStageLogic, CompletionStage<IOResult>> createLogicAndMaterializedValue(
            Attributes attributes, Materializer materializer) {
        final ActorSystem<?> system = setup.system != null ? setup.system : Adapter.toTyped(materializer.system());
        final Pair<GraphStageLogic, CompletionStage<IOResult>> pair = create(system, attributes);
        return Tuple2.apply(pair.first(), pair.second());
    }

    /** Without a materializer: only for a stage constructed with its system. */
    @Override
    public final Pair<GraphStageLogic, CompletionStage<IOResult>> createLogicAndMaterializedValuePair(
            Attributes attributes) {
        if (setup.system == null) {
            throw new IllegalStateException(this + " finds its ActorSystem through the materializer");
        }
        return create(setup.system, attributes);
    }

    private Pair<GraphStageLogic, CompletionStage<IOResult>> create(ActorSystem<?> system, Attributes attributes) {
        checkDispatcherSetting(system);
        final T settings = setup.settings != null ? setup.settings : setup.configured.apply(system.settings().config());
        final CompletableFuture<IOResult> result = new CompletableFuture<>();
        final RingClient client = attributes.getAttribute(RingAttribute.class)
                .map(RingAttribute::client)
                .orElseGet(() -> RingExtension.get(system).client());
        return Pair.create(createLogic(new RingStageLogic.Run<>(shape, system, client, settings, result)), result);
    }

    /**
     * {@code io-uring-actor.stream.dispatcher = ""} fused the stages with their neighbours in earlier versions;
     * it is now the dispatcher's id, so it must name a dispatcher. Fails clearly rather than with Pekko's
     * "dispatcher not configured".
     */
    static void checkDispatcherSetting(ActorSystem<?> system) {
        final Config config = system.settings().config();
        if (config.hasPath(DISPATCHER_SETTING) && config.getValue(DISPATCHER_SETTING).valueType() == ConfigValueType.STRING
                && config.getString(DISPATCHER_SETTING).isEmpty()) {
            throw new IllegalArgumentException(DISPATCHER_SETTING + " = \"\" is no longer supported: it must name a "
                    + "dispatcher (an alias, by default \"io-uring-actor.extension-dispatcher\"); the stages no longer "
                    + "fuse with their neighbours, each is an island of its own as Pekko's FileIO stages are");
        }
    }

    @Override
    public final String toString() {
        return name + "(" + path + ", " + (setup.settings != null ? setup.settings : "configured settings") + ")";
    }
}
