package io.uringactor.bench.compare;

import static io.uringactor.ring.IoUringConstants.AT_FDCWD;
import static io.uringactor.ring.IoUringConstants.O_CLOEXEC;
import static io.uringactor.ring.IoUringConstants.O_DIRECT;
import static io.uringactor.ring.IoUringConstants.O_RDONLY;
import static io.uringactor.ring.IoUringConstants.O_WRONLY;

import io.uringactor.actor.BlockIo;
import io.uringactor.bench.compare.Engine.Sample;
import io.uringactor.bench.compare.Engine.Skip;
import io.uringactor.bench.compare.Engine.Workload;
import io.uringactor.actor.FileHandle;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingActor;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingGroup;
import io.uringactor.actor.RingSettings;
import io.uringactor.ring.AlignedBuffer;
import io.uringactor.ring.CompletionHandler;
import io.uringactor.ring.Errno;
import io.uringactor.ring.IoUring;
import io.uringactor.ring.RingOptions;
import io.uringactor.ring.SubmissionQueue;

import com.sun.nio.file.ExtendedOpenOption;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.util.ByteString;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engines of the 4 KiB random read and write workloads. Every engine keeps {@code qd} ops in flight
 * (QD32 from CompletionStage APIs and actors: 4 submitters × 8 outstanding; from blocking APIs: 32
 * threads) and records each op's latency from its issue to its completion.
 */
final class RandomEngines {
    static final int SUBMITTERS = 4;
    /** An op not answered in this long is taken as lost: the engine fails (and is reported) instead of hanging. */
    static final int LOST_AFTER_SECONDS = 10;
    private static final int BLOCK = Compare.BLOCK;
    private static final AtomicInteger NAMES = new AtomicInteger();

    private RandomEngines() {
    }

    static long randomOffset(long blocks) {
        return ThreadLocalRandom.current().nextLong(blocks) * BLOCK;
    }

    /** Submitters and ops per submitter for a CompletionStage/actor engine at this queue depth. */
    static int submitters(int qd) {
        return qd >= SUBMITTERS ? SUBMITTERS : 1;
    }

    static void fillRandom(ByteBuffer buffer) {
        final byte[] bytes = new byte[buffer.remaining()];
        ThreadLocalRandom.current().nextBytes(bytes);
        buffer.duplicate().put(bytes);
    }

    /** A direct buffer of one block, aligned for O_DIRECT. */
    static ByteBuffer alignedBlock() {
        final ByteBuffer b = ByteBuffer.allocateDirect(2 * BLOCK).alignedSlice(BLOCK);
        return b.limit(BLOCK).slice();
    }

    // ----------------------------------------------------------------------------------------------
    // A driver for CompletionStage APIs: submitters × perSubmitter ops outstanding until the deadline.

    interface AsyncOp {
        /** Starts one op on {@code slot} (a buffer index) at {@code offset}; completes with the bytes moved. */
        CompletionStage<Integer> start(int slot, long offset);
    }

    static Sample drive(int qd, long windowNanos, Recorder recorder, long blocks, AsyncOp op) throws Exception {
        final int submitters = submitters(qd);
        final int perSubmitter = qd / submitters;
        final long start = System.nanoTime();
        final long deadline = start + windowNanos;
        final List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < submitters; t++) {
            final int firstSlot = t * perSubmitter;
            final Thread thread = new Thread(() -> {
                final ArrayBlockingQueue<Integer> free = new ArrayBlockingQueue<>(perSubmitter);
                for (int s = 0; s < perSubmitter; s++) {
                    free.add(firstSlot + s);
                }
                try {
                    while (System.nanoTime() < deadline) {
                        final Integer slot = free.poll(LOST_AFTER_SECONDS, TimeUnit.SECONDS);
                        if (slot == null) {
                            recorder.fail(new IllegalStateException("lost completions: " + perSubmitter
                                    + " ops outstanding, none answered in " + LOST_AFTER_SECONDS + " s"));
                            return;
                        }
                        final long t0 = System.nanoTime();
                        op.start(slot, randomOffset(blocks)).whenComplete((bytes, error) -> {
                            recorder.record(System.nanoTime() - t0);
                            if (error != null) {
                                recorder.fail(error instanceof Exception e ? e : new RuntimeException(error));
                            } else if (bytes != BLOCK) {
                                recorder.fail(new IllegalStateException("moved " + bytes + " bytes, not " + BLOCK));
                            }
                            free.add(slot);
                        });
                    }
                    for (int s = 0; s < perSubmitter; s++) { // wait for this submitter's ops to finish
                        if (free.poll(LOST_AFTER_SECONDS, TimeUnit.SECONDS) == null) {
                            recorder.fail(new IllegalStateException("lost completions: ops not answered in "
                                    + LOST_AFTER_SECONDS + " s"));
                            return;
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    recorder.fail(e);
                }
            }, "compare-submitter-" + t);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        final long elapsed = System.nanoTime() - start;
        recorder.check();
        return Sample.of(recorder, elapsed);
    }

    /** How the ring actor engines open a workload's file. */
    static OpenOptions openOptions(Workload w) {
        return switch (w.kind()) {
            case CACHED_READ -> OpenOptions.readOnly();
            case DIRECT_READ -> OpenOptions.readOnly().withDirect();
            case DIRECT_WRITE -> OpenOptions.writeOnly().withDirect();
            case COPY -> throw new IllegalArgumentException("a copy has no random-IO file");
        };
    }

    // ----------------------------------------------------------------------------------------------
    // This library: the RingClient facade.

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
                buffers = new AlignedBuffer[w.qd()];
                for (int i = 0; i < buffers.length; i++) {
                    buffers[i] = AlignedBuffer.forDirectIo(w.file(), BLOCK);
                    fillRandom(buffers[i].byteBuffer());
                }
            }
        }

        @Override
        public Sample run(long windowNanos, Recorder recorder) throws Exception {
            return drive(w.qd(), windowNanos, recorder, w.blocks(), (slot, offset) -> switch (w.kind()) {
                case CACHED_READ -> client.read(file, offset, BLOCK).thenApply(ByteString::size);
                case DIRECT_READ -> client.readBlock(file, offset, buffers[slot]).thenApply(BlockIo::bytes);
                case DIRECT_WRITE -> client.writeBlock(file, offset, buffers[slot]).thenApply(BlockIo::bytes);
                case COPY -> throw new IllegalArgumentException();
            });
        }

        @Override
        public void close() {
            if (file != null) {
                client.close(file).toCompletableFuture().join();
            }
        }
    }

    // ----------------------------------------------------------------------------------------------
    // This library from actors: the ring actor told a RingCommand with a long-lived reply adapter, asked
    // with ActorContext.askWithStatus, or used through RingClient's stages with ActorContext.pipeToSelf; the
    // actors either on the default dispatcher (their requests and replies cross threads) or on the ring's own
    // event loop, RingActor.LOOP_DISPATCHER (they stay on the ring's thread, but for the ask's; see Mode.ASK).

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
        private final ActorSystem<?> system;
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
                final AlignedBuffer[] buffers = new AlignedBuffer[w.qd() / actors];
                if (w.direct()) {
                    for (int b = 0; b < buffers.length; b++) {
                        buffers[b] = AlignedBuffer.forDirectIo(w.file(), BLOCK);
                        fillRandom(buffers[b].byteBuffer());
                    }
                }
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
     * the 4 workers goes to the loop with the fewest actors then), each using the group's client, which sends
     * from a loop to that loop's ring. The group is spawned for the workload and stopped after it, so it idles
     * no loop during the others.
     */
    static final class GroupActorEngine extends ActorEngine {
        private final ActorSystem<?> system;
        private final int rings;
        private RingGroup group;

        GroupActorEngine(ActorSystem<?> system, Mode mode, int rings) {
            super(system, null, mode, true);
            this.system = system;
            this.rings = rings;
        }

        @Override
        public String name() {
            return "uring-group/" + super.name().substring("uring-loop/".length()) + "@" + rings;
        }

        @Override
        public void setup(Workload workload) {
            group = RingGroup.spawn(system, "compare-group-" + NAMES.incrementAndGet(), RingSettings.create(system)
                    .withRegisterWithReceptionist(false), rings);
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

    /** {@link RingClientEngine} on a ring group of {@code rings} rings: the 4 submitter threads spread over it. */
    static final class GroupClientEngine implements Engine {
        private final ActorSystem<?> system;
        private final int rings;
        private RingGroup group;
        private RingClientEngine engine;

        GroupClientEngine(ActorSystem<?> system, int rings) {
            this.system = system;
            this.rings = rings;
        }

        @Override
        public String name() {
            return "uring-group/client@" + rings;
        }

        @Override
        public Group group() {
            return Group.LIBRARY;
        }

        @Override
        public void setup(Workload workload) {
            group = RingGroup.spawn(system, "compare-group-" + NAMES.incrementAndGet(), RingSettings.create(system)
                    .withRegisterWithReceptionist(false), rings);
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

    /**
     * An actor keeping {@code buffers.length} requests outstanding until the deadline of a {@link Start}, made
     * the {@link Mode}'s way. A told request has no future or ask actor to say which op a reply answers: a
     * block reply names the op by its buffer (one per slot), a read reply by its first 8 bytes, which are the
     * block's own offset (every block of {@code Compare}'s data file is stamped so).
     */
    static final class ActorWorker {
        sealed interface Msg {
        }

        record Start(long deadline, Recorder recorder, CompletableFuture<Void> done) implements Msg {
        }

        /** An op answered; {@code slot} -1 when a told op's reply cannot say which op it was (a failure). */
        record OpDone(int slot, long t0, int bytes, Throwable failure) implements Msg {
        }

        record Stop() implements Msg {
        }

        private static final Duration TIMEOUT = Duration.ofSeconds(30);

        static Behavior<Msg> create(RingClient client, Mode mode, boolean onLoop, FileHandle file, Workload w,
                                    AlignedBuffer[] buffers) {
            return Behaviors.setup(ctx -> new ActorWorker(ctx, client, mode, onLoop, file, w, buffers).idle());
        }

        private final ActorContext<Msg> ctx;
        private final RingClient client;
        private final Mode mode;
        private final boolean onLoop;
        private final ActorRef<RingCommand> ring;
        private final FileHandle file;
        private final Workload w;
        private final AlignedBuffer[] buffers;
        /** TELL: when each slot's op was issued, and its offset (-1 when the slot has no op in flight). */
        private final long[] issuedAt;
        private final long[] offsets;
        /** TELL: the one adapter of the ring's replies, as the reply type of the reads and of the block ops. */
        private final ActorRef<StatusReply<ByteString>> readReplies;
        private final ActorRef<StatusReply<BlockIo>> blockReplies;
        private Start current;
        private int inFlight;

        @SuppressWarnings({"unchecked", "rawtypes"})
        private ActorWorker(ActorContext<Msg> ctx, RingClient client, Mode mode, boolean onLoop, FileHandle file,
                            Workload w, AlignedBuffer[] buffers) {
            this.ctx = ctx;
            this.client = client;
            this.mode = mode;
            this.onLoop = onLoop;
            this.ring = client.ring();
            this.file = file;
            this.w = w;
            this.buffers = buffers;
            this.issuedAt = new long[buffers.length];
            this.offsets = new long[buffers.length];
            Arrays.fill(offsets, -1);
            // Pekko keeps one adapter per message class, and StatusReply<ByteString> and StatusReply<BlockIo> are
            // one class: a single adapter serves both (a worker runs one workload, so gets one kind of reply).
            final ActorRef adapter = mode == Mode.TELL ? ctx.messageAdapter(StatusReply.class, this::answered) : null;
            this.readReplies = adapter;
            this.blockReplies = adapter;
        }

        private Behavior<Msg> idle() {
            return Behaviors.receive(Msg.class)
                    .onMessage(Start.class, start -> {
                        current = start;
                        // What the engine's name promises: the loop's workers share the ring's thread, the others
                        // run elsewhere (their requests cross threads).
                        if (RingActor.onRingLoopThread() != onLoop) {
                            start.recorder().fail(new IllegalStateException("the worker runs on "
                                    + Thread.currentThread().getName() + (onLoop ? ", not on the ring event loop"
                                    : ", a ring event loop, not the default dispatcher")));
                            start.done().complete(null);
                            return Behaviors.same();
                        }
                        for (int slot = 0; slot < buffers.length; slot++) {
                            issue(slot);
                        }
                        return Behaviors.same();
                    })
                    .onMessage(OpDone.class, this::onDone)
                    .onMessage(Stop.class, stop -> Behaviors.stopped())
                    .build();
        }

        private Behavior<Msg> onDone(OpDone d) {
            if (d.slot() >= 0) {
                current.recorder().record(System.nanoTime() - d.t0());
            }
            if (d.failure() != null) {
                current.recorder().fail(d.failure());
            } else if (d.bytes() != BLOCK) {
                current.recorder().fail(new IllegalStateException("moved " + d.bytes() + " bytes, not " + BLOCK));
            }
            inFlight--;
            if (System.nanoTime() < current.deadline() && d.failure() == null) {
                issue(d.slot());
            } else if (inFlight == 0) {
                current.done().complete(null);
            }
            return Behaviors.same();
        }

        private void issue(int slot) {
            inFlight++;
            final long offset = randomOffset(w.blocks());
            final long t0 = System.nanoTime();
            switch (mode) {
                case TELL -> tell(slot, offset, t0);
                case PIPE -> pipe(slot, offset, t0);
                case ASK -> ask(slot, offset, t0);
            }
        }

        private void tell(int slot, long offset, long t0) {
            issuedAt[slot] = t0;
            offsets[slot] = offset;
            ring.tell(switch (w.kind()) {
                case CACHED_READ -> new RingCommand.Read(file, offset, BLOCK, readReplies);
                case DIRECT_READ -> new RingCommand.ReadBlock(file, offset, buffers[slot], blockReplies);
                case DIRECT_WRITE -> new RingCommand.WriteBlock(file, offset, buffers[slot], blockReplies);
                case COPY -> throw new IllegalArgumentException();
            });
        }

        /** TELL: the adapter's function (it runs in this actor): which slot a reply answers, and its byte count. */
        private OpDone answered(StatusReply<?> reply) {
            if (reply.isError()) {
                return new OpDone(-1, 0, -1, reply.getError());
            }
            final int slot;
            final int bytes;
            if (reply.getValue() instanceof BlockIo io) {
                slot = Arrays.asList(buffers).indexOf(io.buffer()); // AlignedBuffer has identity equality
                bytes = io.bytes();
            } else {
                final ByteString data = (ByteString) reply.getValue();
                slot = slotReading(data);
                bytes = data.size();
            }
            if (slot < 0) {
                return new OpDone(-1, 0, -1, new IllegalStateException("a reply matching no op in flight: "
                        + reply.getValue() + " (a read's first 8 bytes are not its offset: a data file of an"
                        + " older harness? delete it)"));
            }
            offsets[slot] = -1;
            return new OpDone(slot, issuedAt[slot], bytes, null);
        }

        /** The slot whose read in flight is at the offset stamped in {@code data}'s first 8 bytes, or -1. */
        private int slotReading(ByteString data) {
            if (data.size() < Long.BYTES) {
                return -1;
            }
            long stamp = 0;
            for (int i = 0; i < Long.BYTES; i++) { // big-endian, as Compare.dataFile's putLong wrote it
                stamp = stamp << 8 | (data.apply(i) & 0xFF);
            }
            for (int slot = 0; slot < offsets.length; slot++) {
                if (offsets[slot] == stamp) {
                    return slot; // two reads of one block: either slot, both were issued for it
                }
            }
            return -1;
        }

        private void pipe(int slot, long offset, long t0) {
            switch (w.kind()) {
                case CACHED_READ -> ctx.pipeToSelf(client.read(file, offset, BLOCK),
                        (bytes, failure) -> new OpDone(slot, t0, bytes == null ? -1 : bytes.size(), failure));
                case DIRECT_READ -> ctx.pipeToSelf(client.readBlock(file, offset, buffers[slot]),
                        (io, failure) -> new OpDone(slot, t0, io == null ? -1 : io.bytes(), failure));
                case DIRECT_WRITE -> ctx.pipeToSelf(client.writeBlock(file, offset, buffers[slot]),
                        (io, failure) -> new OpDone(slot, t0, io == null ? -1 : io.bytes(), failure));
                case COPY -> throw new IllegalArgumentException();
            }
        }

        private void ask(int slot, long offset, long t0) {
            switch (w.kind()) {
                case CACHED_READ -> ctx.askWithStatus(ByteString.class, ring, TIMEOUT,
                        replyTo -> new RingCommand.Read(file, offset, BLOCK, replyTo),
                        (bytes, failure) -> new OpDone(slot, t0, bytes == null ? -1 : bytes.size(), failure));
                case DIRECT_READ -> ctx.askWithStatus(BlockIo.class, ring, TIMEOUT,
                        replyTo -> new RingCommand.ReadBlock(file, offset, buffers[slot], replyTo),
                        (io, failure) -> new OpDone(slot, t0, io == null ? -1 : io.bytes(), failure));
                case DIRECT_WRITE -> ctx.askWithStatus(BlockIo.class, ring, TIMEOUT,
                        replyTo -> new RingCommand.WriteBlock(file, offset, buffers[slot], replyTo),
                        (io, failure) -> new OpDone(slot, t0, io == null ? -1 : io.bytes(), failure));
                case COPY -> throw new IllegalArgumentException();
            }
        }
    }

    // ----------------------------------------------------------------------------------------------
    // The native-jna ring without the actor: one thread prepares, submits and reaps (as RawRingBenchmark).

    static final class RawRingEngine implements Engine, CompletionHandler {
        private Workload w;
        private IoUring ring;
        private SubmissionQueue sq;
        private int fd = -1;
        private AlignedBuffer buffers;
        private long[] issuedAt;
        private int inFlight;
        private long deadline;
        private Recorder recorder;
        private String error;

        @Override
        public String name() {
            return "uring-raw";
        }

        @Override
        public Group group() {
            return Group.LIBRARY;
        }

        @Override
        public void setup(Workload workload) {
            w = workload;
            ring = IoUring.open(RingOptions.create(2 * Math.max(2, w.qd())));
            sq = ring.sq();
            final int alignment = w.direct() ? Math.max(BLOCK, AlignedBuffer.directIoAlignment(w.file())) : BLOCK;
            buffers = AlignedBuffer.allocate(w.qd() * BLOCK, alignment);
            fillRandom(buffers.byteBuffer());
            issuedAt = new long[w.qd()];
            fd = open(w.file(), (w.write() ? O_WRONLY : O_RDONLY) | O_CLOEXEC | (w.direct() ? O_DIRECT : 0));
        }

        private int open(Path file, int flags) {
            final AlignedBuffer path = AlignedBuffer.cString(file.toString());
            sq.prepOpenat(AT_FDCWD, path.address(), flags, 0, 0);
            final int[] res = {Integer.MIN_VALUE};
            while (res[0] == Integer.MIN_VALUE) {
                ring.submitAndWait(1);
                ring.cq().drain((userData, r, f) -> res[0] = r);
            }
            Reference.reachabilityFence(path);
            if (res[0] < 0) {
                throw new IllegalStateException("openat(" + file + "): " + Errno.name(-res[0]));
            }
            return res[0];
        }

        private void prep(int slot) {
            final long address = buffers.address(slot * BLOCK);
            final long offset = randomOffset(w.blocks());
            final boolean ok = w.write()
                    ? sq.prepWrite(fd, address, BLOCK, offset, slot)
                    : sq.prepRead(fd, address, BLOCK, offset, slot);
            if (!ok) {
                throw new IllegalStateException("SQ full");
            }
            inFlight++;
            issuedAt[slot] = System.nanoTime();
            if (w.direct()) {
                // fio's pattern, and the actor's: O_DIRECT SQEs go in one per enter as they are made. Batched they
                // are plugged in the kernel and this virtio disk then reaches ~0.8x the IOPS; cached reads complete
                // inside the enter and are best submitted in one batch per wait.
                ring.submit();
            }
        }

        @Override
        public void onCompletion(long userData, int res, int flags) {
            final long now = System.nanoTime();
            final int slot = (int) userData;
            recorder.record(now - issuedAt[slot]);
            inFlight--;
            if (res != BLOCK && error == null) {
                error = "op returned " + res + (res < 0 ? " (" + Errno.name(-res) + ")" : "");
            }
            if (now < deadline && error == null) {
                prep(slot);
            }
        }

        @Override
        public Sample run(long windowNanos, Recorder recorder) {
            this.recorder = recorder;
            error = null;
            final long start = System.nanoTime();
            deadline = start + windowNanos;
            for (int slot = 0; slot < w.qd(); slot++) {
                prep(slot);
            }
            while (inFlight > 0) {
                ring.submitAndWait(1);
                ring.cq().drain(this);
            }
            final long elapsed = System.nanoTime() - start;
            if (error != null) {
                throw new IllegalStateException(error);
            }
            return Sample.of(recorder, elapsed);
        }

        @Override
        public void close() {
            if (ring != null) {
                if (fd >= 0) {
                    sq.prepClose(fd, 0);
                    ring.submitAndWait(1);
                    ring.cq().drain((u, r, f) -> { });
                }
                ring.close();
            }
            Reference.reachabilityFence(buffers);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // jasyncfio 0.0.7: its own io_uring event loop, CompletableFutures.

    @SuppressWarnings("try") // see Engine
    static final class JasyncfioEngine implements Engine {
        private Workload w;
        private one.jasyncfio.EventExecutor executor;
        private one.jasyncfio.AsyncFile file;
        private ByteBuffer[] buffers;

        @Override
        public String name() {
            return "jasyncfio";
        }

        @Override
        public Group group() {
            return Group.JAVA_PEER;
        }

        @Override
        public void setup(Workload workload) throws Exception {
            w = workload;
            try {
                executor = one.jasyncfio.EventExecutor.initDefault();
                final List<one.jasyncfio.OpenOption> options = new ArrayList<>();
                options.add(w.write() ? one.jasyncfio.OpenOption.WRITE_ONLY : one.jasyncfio.OpenOption.READ_ONLY);
                if (w.direct()) {
                    options.add(one.jasyncfio.OpenOption.DIRECT);
                }
                file = one.jasyncfio.AsyncFile.open(w.file(), executor, options.toArray(new one.jasyncfio.OpenOption[0]))
                        .get(10, TimeUnit.SECONDS);
                // a probe op: fails here (not in the measured run) when the library does not work on this kernel
                final ByteBuffer probe = alignedBlock();
                fillRandom(probe);
                final int n = (w.write() ? file.write(probe, 0L) : file.read(probe, 0L)).get(3, TimeUnit.SECONDS);
                if (n != BLOCK) {
                    throw new Skip("jasyncfio: a probe " + (w.write() ? "write" : "read") + " returned " + n);
                }
            } catch (Skip e) {
                throw e;
            } catch (Throwable e) { // UnsatisfiedLinkError, ExceptionInInitializerError, ExecutionException ...
                final String cause = String.valueOf(e.getCause() != null ? e.getCause() : e);
                throw new Skip("jasyncfio failed its probe op: " + cause + (w.direct() && cause.contains("Error code: 95")
                        ? " (jasyncfio sends O_DIRECT files to its IOPOLL ring; this block device has no poll queues)"
                        : e instanceof java.util.concurrent.TimeoutException ? " (no answer from jasyncfio in time)" : ""));
            }
            buffers = new ByteBuffer[w.qd()];
            for (int i = 0; i < buffers.length; i++) {
                buffers[i] = alignedBlock();
                fillRandom(buffers[i]);
            }
        }

        @Override
        public Sample run(long windowNanos, Recorder recorder) throws Exception {
            return drive(w.qd(), windowNanos, recorder, w.blocks(), (slot, offset) -> {
                final ByteBuffer b = buffers[slot].clear();
                return w.write() ? file.write(b, offset) : file.read(b, offset);
            });
        }

        @Override
        public void close() throws Exception {
            if (file != null) {
                file.close().get(10, TimeUnit.SECONDS);
            }
            if (executor != null) {
                executor.close();
            }
        }
    }

    // ----------------------------------------------------------------------------------------------
    // The JDK: FileChannel positional IO on a pool of qd threads, and AsynchronousFileChannel.

    static Set<OpenOption> jdkOptions(Workload w) {
        final Set<OpenOption> options = new HashSet<>();
        options.add(w.write() ? StandardOpenOption.WRITE : StandardOpenOption.READ);
        if (w.direct()) {
            options.add(ExtendedOpenOption.DIRECT);
        }
        return options;
    }

    @SuppressWarnings("try") // see Engine
    static final class FileChannelPoolEngine implements Engine {
        private Workload w;
        private FileChannel channel;
        private ExecutorService pool;
        private ByteBuffer[] buffers;

        @Override
        public String name() {
            return "filechannel-pool";
        }

        @Override
        public Group group() {
            return Group.JAVA_PEER;
        }

        @Override
        public void setup(Workload workload) throws Exception {
            w = workload;
            channel = FileChannel.open(w.file(), jdkOptions(w));
            pool = Executors.newFixedThreadPool(w.qd(), r -> {
                final Thread t = new Thread(r, "compare-filechannel");
                t.setDaemon(true);
                return t;
            });
            buffers = new ByteBuffer[w.qd()];
            for (int i = 0; i < buffers.length; i++) {
                buffers[i] = alignedBlock();
                fillRandom(buffers[i]);
            }
        }

        @Override
        public Sample run(long windowNanos, Recorder recorder) throws Exception {
            final long start = System.nanoTime();
            final long deadline = start + windowNanos;
            final List<Future<?>> tasks = new ArrayList<>();
            for (int t = 0; t < w.qd(); t++) {
                final ByteBuffer buffer = buffers[t];
                tasks.add(pool.submit(() -> {
                    while (System.nanoTime() < deadline) {
                        final long offset = randomOffset(w.blocks());
                        final long t0 = System.nanoTime();
                        buffer.clear();
                        while (buffer.hasRemaining()) {
                            final int n = w.write() ? channel.write(buffer, offset + buffer.position())
                                    : channel.read(buffer, offset + buffer.position());
                            if (n < 0) {
                                throw new IllegalStateException("end of file at " + offset);
                            }
                        }
                        recorder.record(System.nanoTime() - t0);
                    }
                    return null;
                }));
            }
            for (Future<?> task : tasks) {
                task.get();
            }
            return Sample.of(recorder, System.nanoTime() - start);
        }

        @Override
        public void close() throws Exception {
            if (pool != null) {
                pool.shutdownNow();
            }
            if (channel != null) {
                channel.close();
            }
        }
    }

    @SuppressWarnings("try") // see Engine
    static final class AsyncFileChannelEngine implements Engine {
        private Workload w;
        private AsynchronousFileChannel channel;
        private ExecutorService pool;
        private ByteBuffer[] buffers;

        @Override
        public String name() {
            return "async-filechannel";
        }

        @Override
        public Group group() {
            return Group.JAVA_PEER;
        }

        @Override
        public void setup(Workload workload) throws Exception {
            w = workload;
            pool = Executors.newFixedThreadPool(w.qd(), r -> {
                final Thread t = new Thread(r, "compare-afc");
                t.setDaemon(true);
                return t;
            });
            try {
                channel = AsynchronousFileChannel.open(w.file(), jdkOptions(w), pool);
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                throw new Skip("AsynchronousFileChannel refuses " + jdkOptions(w) + ": " + e);
            }
            buffers = new ByteBuffer[w.qd()];
            for (int i = 0; i < buffers.length; i++) {
                buffers[i] = alignedBlock();
                fillRandom(buffers[i]);
            }
        }

        @Override
        public Sample run(long windowNanos, Recorder recorder) throws Exception {
            return drive(w.qd(), windowNanos, recorder, w.blocks(), (slot, offset) -> {
                final CompletableFuture<Integer> f = new CompletableFuture<>();
                final ByteBuffer b = buffers[slot].clear();
                final java.nio.channels.CompletionHandler<Integer, Void> handler = new java.nio.channels.CompletionHandler<>() {
                    @Override
                    public void completed(Integer n, Void attachment) {
                        f.complete(n);
                    }

                    @Override
                    public void failed(Throwable e, Void attachment) {
                        f.completeExceptionally(e);
                    }
                };
                if (w.write()) {
                    channel.write(b, offset, null, handler);
                } else {
                    channel.read(b, offset, null, handler);
                }
                return f;
            });
        }

        @Override
        public void close() throws Exception {
            if (channel != null) {
                channel.close();
            }
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }
}
