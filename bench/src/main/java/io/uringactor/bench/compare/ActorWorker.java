package io.uringactor.bench.compare;

import static io.uringactor.bench.compare.RandomEngines.randomOffset;

import io.uringactor.actor.BlockIo;
import io.uringactor.actor.FileHandle;
import io.uringactor.actor.RingActor;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingCommand;
import io.uringactor.bench.compare.ActorEngines.Mode;
import io.uringactor.bench.compare.Engine.Workload;
import io.uringactor.ring.AlignedBuffer;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.util.ByteString;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * An actor keeping {@code buffers.length} requests outstanding until the deadline of a {@link Start}, made
 * the {@link Mode}'s way. A told request has no future or ask actor to say which op a reply answers: a
 * block reply names the op by its buffer (one per slot), a read reply by its first 8 bytes, which are the
 * block's own offset (every block of the data file is stamped so: {@link DataFiles}).
 */
final class ActorWorker {
    private static final int BLOCK = Compare.BLOCK;

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
        // looked up per command: for a group's client, the ring of the loop this actor runs on now
        client.ring().tell(switch (w.kind()) {
            case CACHED_READ -> new RingCommand.Read(file, offset, BLOCK, readReplies);
            case DIRECT_READ -> new RingCommand.ReadBlock(file, offset, buffers[slot], blockReplies);
            case DIRECT_WRITE -> new RingCommand.WriteBlock(file, offset, buffers[slot], blockReplies);
            case COPY, PING_PONG, FAN_OUT, SKEWED -> throw new IllegalArgumentException();
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
        for (int i = 0; i < Long.BYTES; i++) { // big-endian, as DataFiles.create's putLong wrote it
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
            case COPY, PING_PONG, FAN_OUT, SKEWED -> throw new IllegalArgumentException();
        }
    }

    private void ask(int slot, long offset, long t0) {
        switch (w.kind()) {
            case CACHED_READ -> ctx.askWithStatus(ByteString.class, client.ring(), TIMEOUT,
                    replyTo -> new RingCommand.Read(file, offset, BLOCK, replyTo),
                    (bytes, failure) -> new OpDone(slot, t0, bytes == null ? -1 : bytes.size(), failure));
            case DIRECT_READ -> ctx.askWithStatus(BlockIo.class, client.ring(), TIMEOUT,
                    replyTo -> new RingCommand.ReadBlock(file, offset, buffers[slot], replyTo),
                    (io, failure) -> new OpDone(slot, t0, io == null ? -1 : io.bytes(), failure));
            case DIRECT_WRITE -> ctx.askWithStatus(BlockIo.class, client.ring(), TIMEOUT,
                    replyTo -> new RingCommand.WriteBlock(file, offset, buffers[slot], replyTo),
                    (io, failure) -> new OpDone(slot, t0, io == null ? -1 : io.bytes(), failure));
            case COPY, PING_PONG, FAN_OUT, SKEWED -> throw new IllegalArgumentException();
        }
    }
}
