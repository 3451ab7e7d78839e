package io.uringactor.bench.compare;

import io.uringactor.actor.RingExtension;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Pekko messaging, spawned the plain way, in a system on Pekko's default fork-join dispatcher
 * ({@code pekko/fork-join}, the peer) and in one whose default dispatcher is the ring event loops
 * ({@code pekko/on-loops}, {@link RingExtension#systemOnLoops}). The workloads (issue #20's):
 * <ul>
 *   <li>{@link Engine.Kind#PING_PONG}: 4 pairs, one message in flight per pair; an op is a round trip;</li>
 *   <li>{@link Engine.Kind#FAN_OUT}: a coordinator sends a job to each of 64 workers and starts the next
 *       round once all replied; an op is a job;</li>
 *   <li>{@link Engine.Kind#SKEWED}: one actor burning the CPU in 1 ms turns while 16 pairs ping-pong; an op
 *       is a round trip.</li>
 * </ul>
 * Latencies are per op (a round trip, or a job from its send to its reply).
 */
final class MessagingEngines {
    private static final int PAIRS = 4;
    private static final int WORKERS = 64;
    private static final int SKEWED_PAIRS = 16;

    private MessagingEngines() {
    }

    /**
     * A system of its own, quiet, that never ends the JVM: on Pekko's default fork-join dispatcher, or with the
     * ring loops as its default dispatcher ({@link RingExtension#systemOnLoops}).
     */
    static ActorSystem<Void> plainSystem(String name, boolean onLoops) {
        final Config config = ConfigFactory.parseString("pekko.loglevel = WARNING\npekko.log-dead-letters = off\n"
                + "pekko.coordinated-shutdown.exit-jvm = off\n").withFallback(ConfigFactory.load());
        return ActorSystem.create(Behaviors.empty(), name, onLoops ? RingExtension.systemOnLoops(config) : config);
    }

    /** One system, fork-join or on the loops, for one workload. */
    static final class SystemEngine implements Engine {
        private final boolean onLoops;
        private ActorSystem<Void> system;
        private Workload workload;
        private int run;

        SystemEngine(boolean onLoops) {
            this.onLoops = onLoops;
        }

        @Override
        public String name() {
            return onLoops ? "pekko/on-loops" : "pekko/fork-join";
        }

        @Override
        public Group group() {
            return onLoops ? Group.LIBRARY : Group.JAVA_PEER;
        }

        @Override
        public void setup(Workload w) {
            workload = w;
            system = plainSystem("messaging", onLoops);
        }

        @Override
        public Sample run(long windowNanos, Recorder recorder) throws Exception {
            final long started = System.nanoTime();
            final long deadline = started + windowNanos;
            final List<ActorRef<?>> spawned = new ArrayList<>();
            final CountDownLatch done;
            run++;
            switch (workload.kind()) {
                case PING_PONG -> {
                    done = new CountDownLatch(PAIRS);
                    for (int i = 0; i < PAIRS; i++) {
                        spawned.add(pair(i, deadline, recorder, done));
                    }
                }
                case FAN_OUT -> {
                    done = new CountDownLatch(1);
                    spawned.add(system.systemActorOf(coordinator(deadline, recorder, done), "fan-out-" + run,
                            Props.empty()));
                }
                case SKEWED -> {
                    done = new CountDownLatch(SKEWED_PAIRS + 1);
                    spawned.add(system.systemActorOf(burner(deadline, done), "burner-" + run, Props.empty()));
                    for (int i = 0; i < SKEWED_PAIRS; i++) {
                        spawned.add(pair(i, deadline, recorder, done));
                    }
                }
                default -> throw new IllegalArgumentException("not a messaging workload: " + workload);
            }
            if (!done.await(windowNanos / 1_000_000 + 10_000, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the actors did not finish within 10 s of the window's end");
            }
            final long elapsed = System.nanoTime() - started;
            for (ActorRef<?> actor : spawned) {
                actor.unsafeUpcast().tell(Stop.INSTANCE);
            }
            recorder.check();
            final double[] p = recorder.percentiles(50, 99);
            return new Sample(recorder.count(), 0, elapsed / 1e9, p[0], p[1]); // messages move no bytes
        }

        /** A pinger and its ponger: round trips until {@code deadline}, each recorded. */
        private ActorRef<Object> pair(int i, long deadline, Recorder recorder, CountDownLatch done) {
            final ActorRef<Object> ponger = system.systemActorOf(Behaviors.<Object>receiveMessage(message -> {
                if (message == Stop.INSTANCE) {
                    return Behaviors.stopped();
                }
                final Ping ping = (Ping) message;
                ping.replyTo().tell(ping);
                return Behaviors.same();
            }), "pong-" + run + "-" + i, Props.empty());
            return system.systemActorOf(Behaviors.<Object>setup(context -> {
                ponger.tell(new Ping(System.nanoTime(), context.getSelf()));
                return Behaviors.receiveMessage(message -> {
                    if (message == Stop.INSTANCE) {
                        ponger.tell(Stop.INSTANCE);
                        return Behaviors.stopped();
                    }
                    final long now = System.nanoTime();
                    recorder.record(now - ((Ping) message).sentNanos());
                    if (now < deadline) {
                        ponger.tell(new Ping(now, context.getSelf()));
                    } else {
                        done.countDown();
                    }
                    return Behaviors.same();
                });
            }), "ping-" + run + "-" + i, Props.empty());
        }

        /** Rounds of one job to each of {@link #WORKERS} workers until {@code deadline}; each job recorded. */
        private Behavior<Object> coordinator(long deadline, Recorder recorder, CountDownLatch done) {
            return Behaviors.<Object>setup(context -> {
                final List<ActorRef<Object>> workers = new ArrayList<>(WORKERS);
                for (int i = 0; i < WORKERS; i++) {
                    workers.add(context.spawn(Behaviors.<Object>receiveMessage(message -> {
                        if (message instanceof Ping ping) {
                            ping.replyTo().tell(ping);
                        }
                        return Behaviors.same();
                    }), "worker-" + i));
                }
                final int[] outstanding = {0};
                final Runnable round = () -> {
                    final long now = System.nanoTime();
                    for (ActorRef<Object> worker : workers) {
                        worker.tell(new Ping(now, context.getSelf()));
                    }
                    outstanding[0] = WORKERS;
                };
                round.run();
                return Behaviors.receiveMessage(message -> {
                    if (message == Stop.INSTANCE) {
                        return Behaviors.stopped(); // its workers stop with it
                    }
                    final long now = System.nanoTime();
                    recorder.record(now - ((Ping) message).sentNanos());
                    if (--outstanding[0] == 0) {
                        if (now < deadline) {
                            round.run();
                        } else {
                            done.countDown();
                        }
                    }
                    return Behaviors.same();
                });
            });
        }

        /** Burns the CPU in 1 ms turns (a message to itself after each) until {@code deadline}. */
        private Behavior<Object> burner(long deadline, CountDownLatch done) {
            return Behaviors.<Object>setup(context -> {
                context.getSelf().tell(Burn.INSTANCE);
                return Behaviors.receiveMessage(message -> {
                    if (message == Stop.INSTANCE) {
                        return Behaviors.stopped();
                    }
                    final long until = System.nanoTime() + 1_000_000;
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                    if (until < deadline) {
                        context.getSelf().tell(Burn.INSTANCE);
                    } else {
                        done.countDown();
                    }
                    return Behaviors.same();
                });
            });
        }

        @Override
        public void close() throws Exception {
            if (system != null) {
                system.terminate();
                system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** A message out and back, stamped when it was sent. */
    private record Ping(long sentNanos, ActorRef<Object> replyTo) {
    }

    private enum Stop { INSTANCE }

    private enum Burn { INSTANCE }
}
