package io.uringactor.bench.compare;

import static io.uringactor.bench.compare.RandomEngines.NAMES;
import static io.uringactor.bench.compare.RandomEngines.directBlocks;
import static io.uringactor.bench.compare.RandomEngines.openOptions;
import static io.uringactor.bench.compare.RandomEngines.submitters;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.RingActor;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingGroup;
import io.uringactor.actor.RingSettings;
import io.uringactor.bench.compare.Engine.Sample;
import io.uringactor.bench.compare.Engine.Workload;
import io.uringactor.ring.AlignedBuffer;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * This library from actors: the ring actor told a RingCommand with a long-lived reply adapter, asked with
 * ActorContext.askWithStatus, or used through RingClient's stages with ActorContext.pipeToSelf; the actors either
 * on the default dispatcher (their requests and replies cross threads) or on the ring's own event loop,
 * RingActor.LOOP_DISPATCHER (they stay on the ring's thread, but for the ask's; see Mode.ASK). Each actor is an
 * {@link ActorWorker}.
 */
final class ActorEngines {
    private ActorEngines() {
    }

    /** How an {@link ActorWorker}'s requests reach the ring actor and its replies come back. */
    enum Mode {
        /** A {@code RingCommand} told to the ring with one message adapter, made once, as its replyTo. */
        TELL,
        /** {@code RingClient}'s stages with {@code pipeToSelf}: a future per request, no ask actor. */
        PIPE,
        /**
         * {@code askWithStatus}: a temporary ask actor and a timeout per request. Pekko's Java DSL pipes the ask's
         * Scala-converted stage to the actor with {@code handle}, which that stage runs as {@code handleAsync}: on
         * CompletableFuture's default executor, a new thread per reply where the common pool's parallelism is 1
         * (2 CPUs). Measured as users get it, so even on the loop every reply crosses threads.
         */
        ASK
    }

    static class ActorEngine implements Engine {
        private ActorSystem<?> system;
        private RingClient client;
        private final Mode mode;
        /** The workers run on the ring's event loop (the RingExtension ring's dispatcher), not the default one. */
        private final boolean onLoop;
        private Workload w;
        private FileHandle file;
        private final List<ActorRef<ActorWorker.Msg>> workers = new ArrayList<>();

        /** {@code client} must be the RingExtension's: with {@code onLoop} its ring shares the workers' thread. */
        ActorEngine(ActorSystem<?> system, RingClient client, Mode mode, boolean onLoop) {
            this.system = system;
            this.client = client;
            this.mode = mode;
            this.onLoop = onLoop;
        }

        @Override
        public String name() {
            return (onLoop ? "uring-loop/" : "uring-actor/") + mode.name().toLowerCase(Locale.ROOT);
        }

        /** Where the workers run: the ring's loop, or the default dispatcher. */
        Props workerProps() {
            return onLoop ? DispatcherSelector.fromConfig(RingActor.LOOP_DISPATCHER) : Props.empty();
        }

        /** The client the workers use, chosen at setup (a group engine's group starts there). */
        void useClient(RingClient client) {
            this.client = client;
        }

        /** The system the workers are spawned in, chosen at setup (a plain-system engine starts its own there). */
        void useSystem(ActorSystem<?> system) {
            this.system = system;
        }

        @Override
        public Group group() {
            return Group.LIBRARY;
        }

        @Override
        public void setup(Workload workload) {
            w = workload;
            file = client.open(w.file(), openOptions(w)).toCompletableFuture().join();
            final int actors = submitters(w.qd());
            final Props props = workerProps();
            for (int i = 0; i < actors; i++) {
                // one buffer a slot; for cached reads the ring's pooled buffers serve, and the slots stay empty
                final AlignedBuffer[] buffers = w.direct() ? directBlocks(w.file(), w.qd() / actors)
                        : new AlignedBuffer[w.qd() / actors];
                workers.add(system.systemActorOf(ActorWorker.create(client, mode, onLoop, file, w, buffers),
                        "compare-actor-" + NAMES.incrementAndGet(), props));
            }
        }

        @Override
        public Sample run(long windowNanos, Recorder recorder) throws Exception {
            final long start = System.nanoTime();
            final List<CompletableFuture<Void>> done = new ArrayList<>();
            for (ActorRef<ActorWorker.Msg> worker : workers) {
                final CompletableFuture<Void> f = new CompletableFuture<>();
                worker.tell(new ActorWorker.Start(start + windowNanos, recorder, f));
                done.add(f);
            }
            CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0])).get(90, TimeUnit.SECONDS);
            final long elapsed = System.nanoTime() - start;
            recorder.check();
            return Sample.of(recorder, elapsed);
        }

        @Override
        public void close() {
            for (ActorRef<ActorWorker.Msg> worker : workers) {
                worker.tell(new ActorWorker.Stop());
            }
            if (file != null) {
                client.close(file).toCompletableFuture().join();
            }
        }
    }

    /**
     * Co-located actors spread over a ring group of {@code rings} rings ({@link RingGroup#dispatcher()}: each of
     * the 4 workers runs on the loop that wakes it), each using the group's client, which sends
     * from a loop to that loop's ring. The group is spawned for the workload and stopped after it, so it idles
     * no loop during the others.
     */
    static final class GroupActorEngine extends ActorEngine {
        private final ActorSystem<?> system;
        private final int rings;
        private final RingSettings.Engine engine;
        private RingGroup group;

        GroupActorEngine(ActorSystem<?> system, Mode mode, int rings) {
            this(system, mode, rings, RingSettings.Engine.IO_URING);
        }

        /** With {@code engine} FALLBACK: the same actors on a group whose rings run on the fallback engine. */
        GroupActorEngine(ActorSystem<?> system, Mode mode, int rings, RingSettings.Engine engine) {
            super(system, null, mode, true);
            this.system = system;
            this.rings = rings;
            this.engine = engine;
        }

        @Override
        public String name() {
            final String mode = super.name().substring("uring-loop/".length());
            return engine == RingSettings.Engine.FALLBACK ? "fallback/loop/" + mode + (rings == 1 ? "" : "@" + rings)
                    : "uring-group/" + mode + "@" + rings;
        }

        @Override
        public void setup(Workload workload) {
            group = RingGroup.spawn(system, "compare-group-" + NAMES.incrementAndGet(), RingSettings.create(system)
                    .withRegisterWithReceptionist(false).withEngine(engine), rings);
            useClient(group.client());
            super.setup(workload);
        }

        @Override
        Props workerProps() {
            return group.dispatcher();
        }

        @Override
        public void close() {
            super.close();
            if (group != null) {
                group.stop().toCompletableFuture().join();
            }
        }
    }

    /**
     * Actors spawned the plain way ({@code Props.empty()}) in a system of their own, reading through the
     * {@link io.uringactor.actor.RingExtension}'s client with {@code pipeToSelf}: on Pekko's default fork-join
     * dispatcher (every request and reply crosses threads), or in a system whose default dispatcher is the ring
     * loops ({@link io.uringactor.actor.RingExtension#systemOnLoops}), where each actor's IO goes to the ring of
     * the loop it runs on. Issue #20's measure of what an application gets without choosing a dispatcher.
     */
    static final class PlainSystemEngine extends ActorEngine {
        private final boolean onLoops;
        private ActorSystem<Void> own;

        PlainSystemEngine(boolean onLoops) {
            super(null, null, Mode.PIPE, onLoops);
            this.onLoops = onLoops;
        }

        @Override
        public String name() {
            return onLoops ? "pekko/on-loops/pipe" : "pekko/fork-join/pipe";
        }

        @Override
        public Group group() {
            return onLoops ? Group.LIBRARY : Group.JAVA_PEER;
        }

        @Override
        public void setup(Workload workload) {
            own = MessagingEngines.plainSystem("plain-readers", onLoops);
            useSystem(own);
            useClient(io.uringactor.actor.RingExtension.get(own).client());
            super.setup(workload);
        }

        @Override
        Props workerProps() {
            return Props.empty();
        }

        @Override
        public void close() {
            super.close();
            if (own != null) {
                own.terminate();
                own.getWhenTerminated().toCompletableFuture().join();
            }
        }
    }
}
