package io.uringactor.actor;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import io.uringactor.actor.internal.GroupRouter;
import io.uringactor.actor.internal.RingBehavior;
import io.uringactor.actor.internal.SharedFiles;

import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.MailboxSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.dispatch.Dispatchers;
import org.apache.pekko.dispatch.MessageDispatcher;
import org.apache.pekko.dispatch.MessageDispatcherConfigurator;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Several rings behind one client: a ring per ring event loop, each loop a thread of its own, so that IO
 * scales past the one core a single ring's thread can use. The system's own group is the
 * {@link RingExtension}'s; spawn more with {@link #spawn(ActorSystem, String, RingSettings, int)}.
 *
 * <pre>{@code
 * RingGroup disks = RingGroup.spawn(system, "data", RingSettings.create(system).withRootDirectory(dir), 4);
 * // actors spread over the group's loops; each one's IO goes to its own loop's ring, with no thread hand-off
 * context.spawn(worker, "worker-" + i, disks.dispatcher());
 * disks.client().open(Path.of("log"), OpenOptions.readOnly());
 * }</pre>
 *
 * <p>Routing ({@link #client()}): each thread's requests go to one ring. On a loop of the group that is the
 * loop's own ring; on any other thread (a plain thread, an actor on another dispatcher) a ring chosen by the
 * thread, so the threads of a pool spread over the group. <b>Ordering</b>: as with one ring, the requests one
 * thread makes reach the kernel in the order it made them (a copy, then the close of its target, say);
 * io_uring runs in-flight ops concurrently, so completion order is never promised. Requests made on
 * different threads have no order between them, with one ring or many.
 *
 * <p>Files: a file opened through any ring of the group can be used through every ring of the group (an actor
 * on loop 2 reads a file opened on loop 0: loop 2's ring serves it with a descriptor of its own, made on first
 * use). A handle of another group or ring, or a closed one, is refused as it is by one ring. Closing a file
 * through any ring closes it for the whole group; each ring closes its descriptor once its own ops on it are
 * done, so the reply to the {@code Close} may come before the last descriptor is closed.
 *
 * <p>Failure and stop: a ring that fails answers its own requests with {@link RingStoppedException}, closes
 * the files it opened (for the whole group) and stops; the group logs it and sends the requests of every
 * thread to the rings still running. A request on one of those files through another ring is answered
 * {@link RingStoppedException} too, not refused as a bad handle: the caller did not close it.
 * {@link #stop()} stops every ring gracefully, as CoordinatedShutdown does in its {@code service-stop}
 * phase. The rings stop one by one, each when its own in-flight ops are done, but the promise is the single
 * ring's: every request sent before the stop (or {@link #stopNow()}) gets its result or
 * {@link RingStoppedException}, whichever ring it went to and whichever ring opened its file.
 *
 * <p>A group of one ring ({@code loops = 1}) is a full configuration: it behaves as a single ring actor on a
 * shared loop.
 */
public final class RingGroup {
    /** Most rings in one group. */
    public static final int MAX_RINGS = 128;

    private final ActorSystem<?> system;
    private final String name;
    private final String dispatcherId;
    private final List<ActorRef<RingCommand>> rings;
    private final List<String> loopIds;
    private final GroupRouter router;
    private final RingClient client;
    private final List<CompletableFuture<Done>> terminated;
    private volatile boolean stopping;

    private RingGroup(ActorSystem<?> system, String name, String dispatcherId, RingGroupDispatcherConfigurator loops,
                      RingSettings settings) {
        this.system = system;
        this.name = name;
        this.dispatcherId = dispatcherId;
        final Dispatchers dispatchers = Adapter.toClassic(system).dispatchers();
        final SharedFiles files = new SharedFiles();
        final List<ActorRef<RingCommand>> members = new ArrayList<>(loops.size());
        final List<String> ids = new ArrayList<>(loops.size());
        for (int i = 0; i < loops.size(); i++) {
            final String loopId = loops.loopId(i);
            final MessageDispatcher loop = loops.loop(i);
            // Registered once per loop; a second group on the same loops would find them taken (and be refused).
            dispatchers.registerConfigurator(loopId, new MessageDispatcherConfigurator(loops.config(), loops.prerequisites()) {
                @Override
                public MessageDispatcher dispatcher() {
                    return loop;
                }
            });
            ids.add(loopId);
            members.add(system.systemActorOf(RingBehavior.createMember(settings, files, i), name + "-" + i,
                    DispatcherSelector.fromConfig(loopId).withNext(MailboxSelector.fromConfig(RingActor.MAILBOX))));
        }
        this.rings = List.copyOf(members);
        this.loopIds = List.copyOf(ids);
        this.router = new GroupRouter(files, rings);
        this.client = RingClient.forGroup(rings, router, system, settings.askTimeout());
        this.terminated = new ArrayList<>(rings.size());
        for (int i = 0; i < rings.size(); i++) {
            terminated.add(new CompletableFuture<>());
        }
        watch(settings);
    }

    /**
     * Spawns a group of {@code rings} rings on loops of its own, as system actors named {@code name-0},
     * {@code name-1}, ...; the loops take their settings from {@code io-uring-actor.loop-dispatcher}, and the
     * group's dispatcher ({@link #dispatcher()}) is registered as {@code io-uring-actor.groups.<name>}.
     *
     * @param system   the actor system to run the rings in
     * @param name     the group's name, unique among the system's groups and actors
     * @param settings every ring's settings (its dispatcher setting is not used: each ring runs on its loop)
     * @param rings    the number of rings and loops, 1 to {@link #MAX_RINGS}
     * @return the running group
     * @throws IllegalArgumentException when a group of that name exists or {@code rings} is out of range
     */
    public static RingGroup spawn(ActorSystem<?> system, String name, RingSettings settings, int rings) {
        if (rings < 1 || rings > MAX_RINGS) {
            throw new IllegalArgumentException("a ring group has 1 to " + MAX_RINGS + " rings, got " + rings);
        }
        final Dispatchers dispatchers = Adapter.toClassic(system).dispatchers();
        final String id = "io-uring-actor.groups." + name;
        final Config loopConfig = ConfigFactory.parseString("loops = " + rings)
                .withFallback(system.settings().config().getConfig(RingActor.LOOP_DISPATCHER));
        final RingGroupDispatcherConfigurator loops = new RingGroupDispatcherConfigurator(
                dispatchers.config(id, loopConfig), dispatchers.prerequisites());
        if (!dispatchers.registerConfigurator(id, loops)) {
            throw new IllegalArgumentException("a ring group named " + name + " exists already");
        }
        return new RingGroup(system, name, id, loops, settings);
    }

    /**
     * Spawns a group with as many rings as {@code io-uring-actor.loop-dispatcher.loops} says ({@code auto}:
     * {@link RingGroupDispatcherConfigurator#autoLoops()}); otherwise as
     * {@link #spawn(ActorSystem, String, RingSettings, int)}.
     */
    public static RingGroup spawn(ActorSystem<?> system, String name, RingSettings settings) {
        return spawn(system, name, settings, RingGroupDispatcherConfigurator.loopsOf(
                system.settings().config().getConfig(RingActor.LOOP_DISPATCHER)));
    }

    /** A group of the one ring {@code ring}, already spawned on a dispatcher that is no group's. */
    private RingGroup(ActorSystem<?> system, String name, String dispatcherId, ActorRef<RingCommand> ring,
                      RingSettings settings) {
        this.system = system;
        this.name = name;
        this.dispatcherId = dispatcherId;
        this.rings = List.of(ring);
        this.loopIds = List.of(dispatcherId);
        this.router = new GroupRouter(new SharedFiles(), rings);
        this.client = RingClient.forGroup(rings, router, system, settings.askTimeout());
        this.terminated = List.of(new CompletableFuture<>());
        watch(settings);
    }

    /**
     * The group on the loops of group dispatcher {@code dispatcherId} (the {@link RingExtension}'s), or, when
     * that id names a dispatcher of another type, a group of one ring spawned on it.
     */
    static RingGroup onDispatcher(ActorSystem<?> system, String name, String dispatcherId, RingSettings settings) {
        final MessageDispatcher looked = Adapter.toClassic(system).dispatchers().lookup(dispatcherId);
        if (looked.configurator() instanceof RingGroupDispatcherConfigurator) {
            return new RingGroup(system, name, dispatcherId, (RingGroupDispatcherConfigurator) looked.configurator(),
                    settings);
        }
        final RingSettings one = settings.withDispatcher(dispatcherId);
        return new RingGroup(system, name, dispatcherId,
                system.systemActorOf(RingActor.create(one), name + "-0", RingActor.props(one)), one);
    }

    /**
     * Watches the rings (a ring that stops gets no new requests, and one that stops on its own is reported),
     * and stops the group gracefully in CoordinatedShutdown's {@code service-stop} phase, before the actors go.
     */
    private void watch(RingSettings settings) {
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceStop(), "io-uring-group-" + name + "-stop",
                () -> stop().toCompletableFuture().completeOnTimeout(Done.getInstance(),
                        settings.stopTimeout().plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS));
        system.systemActorOf(Behaviors.<Void>setup(context -> {
            rings.forEach(context::watch);
            return Behaviors.receive(Void.class).onSignal(Terminated.class, signal -> {
                final int ring = rings.indexOf(signal.getRef());
                router.stopped(ring);
                if (!stopping && !system.whenTerminated().isCompleted()) {
                    context.getLog().warn("Ring {} of ring group {} stopped; the group goes on with the others ({} of"
                            + " {} running), which get its threads' requests; the files it opened are closed", ring, name,
                            running(), rings.size());
                }
                terminated.get(ring).complete(Done.getInstance());
                return terminated.stream().allMatch(CompletableFuture::isDone) ? Behaviors.stopped() : Behaviors.same();
            }).build();
        }), "io-uring-group-" + name + "-watch", Props.empty());
        system.getWhenTerminated().thenRun(() -> terminated.forEach(t -> t.complete(Done.getInstance())));
    }

    /** The number of rings (and loops). */
    public int size() {
        return rings.size();
    }

    /** How many of the rings still run. */
    public int running() {
        int n = 0;
        for (int i = 0; i < rings.size(); i++) {
            n += router.isRunning(i) ? 1 : 0;
        }
        return n;
    }

    /** The group's client: see the class comment for where it sends each request. */
    public RingClient client() {
        return client;
    }

    /** Ring number {@code i}, for raw asks and tells; every ring serves every file of the group. */
    public ActorRef<RingCommand> ring(int i) {
        return rings.get(i);
    }

    /** The rings, by ring number. */
    public List<ActorRef<RingCommand>> rings() {
        return rings;
    }

    /**
     * The group's dispatcher: an actor (or stream island) spawned with it runs on the loop that wakes it, so actors
     * that talk to each other gather on one loop, and a loop with nothing to run takes waiting actors from a busy
     * one ({@link RingGroupDispatcherConfigurator}). An actor that uses {@link #client()} talks to the ring of the
     * loop it runs on without leaving its thread.
     */
    public DispatcherSelector dispatcher() {
        return DispatcherSelector.fromConfig(dispatcherId);
    }

    /** The group dispatcher's id, e.g. for a stream's {@code ActorAttributes.dispatcher}. */
    public String dispatcherId() {
        return dispatcherId;
    }

    /** The dispatcher of loop {@code i} alone, whose ring is {@link #ring(int) ring(i)}. */
    public DispatcherSelector loopDispatcher(int i) {
        return DispatcherSelector.fromConfig(loopIds.get(i));
    }

    /**
     * The dispatcher id of loop {@code i} alone: what runs on it never moves to another loop. To choose a
     * stream's loop and keep the whole stream there, give its stages this id:
     * {@code .withAttributes(ActorAttributes.dispatcher(group.loopDispatcherId(i)))}.
     */
    public String loopDispatcherId(int i) {
        return loopIds.get(i);
    }

    /** The counters of the running rings, added up ({@link RingStats#sum}). */
    public CompletionStage<RingStats> stats() {
        return client.stats();
    }

    /** The counters of each running ring. */
    public CompletionStage<List<RingStats>> statsPerRing() {
        return client.statsPerRing();
    }

    /**
     * Stops every ring gracefully ({@link RingCommand.Shutdown}): in-flight ops answered, files closed.
     *
     * @return a stage completed once every ring has stopped
     */
    public CompletionStage<Done> stop() {
        stopping = true;
        client.<Done>ask(RingCommand.Shutdown::new); // the group's client asks every ring
        return whenStopped();
    }

    /**
     * Stops every ring at once: requests in flight and queued are answered with {@link RingStoppedException}.
     *
     * @return a stage completed once every ring has stopped
     */
    public CompletionStage<Done> stopNow() {
        stopping = true;
        for (ActorRef<RingCommand> ring : rings) {
            Adapter.toClassic(system).stop(Adapter.toClassic(ring));
        }
        return whenStopped();
    }

    private CompletionStage<Done> whenStopped() {
        return CompletableFuture.allOf(terminated.toArray(CompletableFuture[]::new)).thenApply(v -> Done.getInstance());
    }

    @Override
    public String toString() {
        return "RingGroup(" + name + ", " + rings.size() + " rings)";
    }
}
