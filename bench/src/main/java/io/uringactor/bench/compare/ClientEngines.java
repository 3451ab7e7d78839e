package io.uringactor.bench.compare;

import static io.uringactor.bench.compare.RandomEngines.NAMES;
import static io.uringactor.bench.compare.RandomEngines.drive;
import static io.uringactor.bench.compare.RandomEngines.directBlocks;
import static io.uringactor.bench.compare.RandomEngines.openOptions;

import io.uringactor.actor.BlockIo;
import io.uringactor.actor.FileHandle;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingGroup;
import io.uringactor.actor.RingSettings;
import io.uringactor.bench.compare.Engine.Sample;
import io.uringactor.bench.compare.Engine.Workload;
import io.uringactor.ring.AlignedBuffer;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.util.ByteString;

/** This library from threads: the {@link RingClient} facade, on the system's ring or on a ring group. */
final class ClientEngines {
    private static final int BLOCK = Compare.BLOCK;

    private ClientEngines() {
    }

    static final class RingClientEngine implements Engine {
        private final RingClient client;
        private Workload w;
        private FileHandle file;
        private AlignedBuffer[] buffers;

        RingClientEngine(RingClient client) {
            this.client = client;
        }

        @Override
        public String name() {
            return "uring-actor/client";
        }

        @Override
        public Group group() {
            return Group.LIBRARY;
        }

        @Override
        public void setup(Workload workload) {
            w = workload;
            file = client.open(w.file(), openOptions(w)).toCompletableFuture().join();
            if (w.direct()) {
                buffers = directBlocks(w.file(), w.qd());
            }
        }

        @Override
        public Sample run(long windowNanos, Recorder recorder) throws Exception {
            return drive(w.qd(), windowNanos, recorder, w.blocks(), (slot, offset) -> switch (w.kind()) {
                case CACHED_READ -> client.read(file, offset, BLOCK).thenApply(ByteString::size);
                case DIRECT_READ -> client.readBlock(file, offset, buffers[slot]).thenApply(BlockIo::bytes);
                case DIRECT_WRITE -> client.writeBlock(file, offset, buffers[slot]).thenApply(BlockIo::bytes);
                case COPY, PING_PONG, FAN_OUT, SKEWED -> throw new IllegalArgumentException();
            });
        }

        @Override
        public void close() {
            if (file != null) {
                client.close(file).toCompletableFuture().join();
            }
        }
    }

    /** {@link RingClientEngine} on a ring group of {@code rings} rings: the 4 submitter threads spread over it. */
    static final class GroupClientEngine implements Engine {
        private final ActorSystem<?> system;
        private final int rings;
        private final RingSettings.Engine ringEngine;
        private RingGroup group;
        private RingClientEngine engine;

        GroupClientEngine(ActorSystem<?> system, int rings) {
            this(system, rings, RingSettings.Engine.IO_URING);
        }

        /** With {@code ringEngine} FALLBACK: the same threads on a group whose rings run on the fallback engine. */
        GroupClientEngine(ActorSystem<?> system, int rings, RingSettings.Engine ringEngine) {
            this.system = system;
            this.rings = rings;
            this.ringEngine = ringEngine;
        }

        @Override
        public String name() {
            return ringEngine == RingSettings.Engine.FALLBACK ? "fallback/client" + (rings == 1 ? "" : "@" + rings)
                    : "uring-group/client@" + rings;
        }

        @Override
        public Group group() {
            return Group.LIBRARY;
        }

        @Override
        public void setup(Workload workload) {
            group = RingGroup.spawn(system, "compare-group-" + NAMES.incrementAndGet(), RingSettings.create(system)
                    .withRegisterWithReceptionist(false).withEngine(ringEngine), rings);
            engine = new RingClientEngine(group.client());
            engine.setup(workload);
        }

        @Override
        public Sample run(long windowNanos, Recorder recorder) throws Exception {
            return engine.run(windowNanos, recorder);
        }

        @Override
        public void close() {
            if (engine != null) {
                engine.close();
            }
            if (group != null) {
                group.stop().toCompletableFuture().join();
            }
        }
    }
}
