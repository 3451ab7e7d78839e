package io.uringactor.actor.internal;

import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingStoppedException;
import io.uringactor.ring.IoUringException;

import com.typesafe.config.Config;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.annotation.InternalApi;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.util.ByteString;
import org.jctools.queues.MpscUnboundedXaddArrayQueue;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import scala.concurrent.ExecutionContextExecutor;

/**
 * This node's requests to rings on other nodes, batched: a request that finds others of this node in flight
 * to the same ring joins a {@link RequestBatch}, one Artery message for many, and the ring answers them in
 * {@link ReplyBatch}es to this node's receiver, which completes each caller's future. So a busy node pays
 * Artery's per-message cost once per batch rather than twice per request. A request that finds nothing in
 * flight is sent alone at once with Pekko's ask (its reply completes it where it lands, without the
 * receiver's hop), and so is one that cannot be batched: a block request, GetStats, Shutdown, or a read or
 * write over {@code maximum-frame-size} / 8.
 *
 * <p>When batches go: at most {@link #WINDOW} are out to a ring at once, unacknowledged (see {@link Channel});
 * a request made while the window is full waits, and goes with all that waited when the ring acknowledges a
 * batch, as Nagle's algorithm gathers bytes while data is unacknowledged. The ring acknowledges a batch once
 * it has taken every entry, not once each is done, so a slow op holds up no other request. Each batched
 * request has its own ask timeout ({@link TimeoutException}, as an ask's); a batch whose acknowledgement
 * never comes (its ring's node is gone) leaves the window when all its requests have timed out. The
 * {@link ShutdownWatch} answers what is in flight when the system terminates.
 * {@code io-uring-actor.ring.remote-batching = off} sends every request alone.
 */
@InternalApi
public final class RemoteCalls implements Extension {
    private static final Id ID = new Id();
    /** The most requests one batch carries. */
    private static final int MAX_ENTRIES = 256;
    /** The most batches out to one ring at once; see {@link Channel}. */
    private static final int WINDOW = 2;
    private static final int DEFAULT_FRAME = 256 * 1024;

    private final boolean enabled;
    private final int maxEntryBytes;
    private final int maxBatchBytes;
    private final Scheduler scheduler;
    private final ExecutionContextExecutor dispatcher;
    private final ActorRef<ReplyBatch> receiver;
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong batchIds = new AtomicLong();
    /** The batches sent and not acknowledged yet, by id: at most {@link #WINDOW} per ring. */
    private final ConcurrentHashMap<Long, SentBatch> unacknowledged = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<ActorRef<Object>, Channel> channels = new ConcurrentHashMap<>();
    private final LongAdder batchedRequests = new LongAdder();
    private final LongAdder batchesSent = new LongAdder();

    private RemoteCalls(ActorSystem<?> system) {
        final Config config = system.settings().config();
        this.enabled = config.getBoolean("io-uring-actor.ring.remote-batching");
        final int frame = frameSize(config);
        this.maxEntryBytes = frame / 8;
        this.maxBatchBytes = frame / 2;
        this.scheduler = system.scheduler();
        this.dispatcher = system.executionContext();
        // Resumed after a failure, which would otherwise stop it and leave every later batched call to its timeout.
        this.receiver = enabled ? system.systemActorOf(Behaviors.supervise(Behaviors.<ReplyBatch>receiveMessage(batch -> {
            answer(batch);
            return Behaviors.same();
        })).onFailure(SupervisorStrategy.resume()), "io-uring-remote-replies", Props.empty()) : null;
    }

    /** The calls of {@code system}. */
    public static RemoteCalls get(ActorSystem<?> system) {
        return ID.apply(system);
    }

    /** The payload a ring's reply batch holds at most before it is sent: half of Artery's frame. */
    static int replyBatchBytes(ActorSystem<?> system) {
        return frameSize(system.settings().config()) / 2;
    }

    /** The requests this node has sent in batches so far. */
    public long batchedRequests() {
        return batchedRequests.sum();
    }

    /** The batches this node has sent so far: fewer than {@link #batchedRequests()} when batching pays. */
    public long batchesSent() {
        return batchesSent.sum();
    }

    /** The batched requests waiting for their reply now. */
    public int pending() {
        return pending.size();
    }

    /** The counts per ring, for a look while debugging. */
    @Override
    public String toString() {
        final StringBuilder b = new StringBuilder("RemoteCalls[pending=" + pending.size());
        channels.forEach((ring, c) -> b.append(", ").append(ring.path().name()).append(": inFlight=")
                .append(c.inFlight.get()).append(" waiting=").append(c.waiting.size()).append(" batchesOut=")
                .append(c.batchesOut.get()));
        return b.append(']').toString();
    }

    private static int frameSize(Config config) {
        final String path = "pekko.remote.artery.advanced.maximum-frame-size";
        return config.hasPath(path) ? (int) Math.min(Integer.MAX_VALUE, config.getBytes(path)) : DEFAULT_FRAME;
    }

    /**
     * Whether {@code command} goes into a batch: the commands a batch may carry ({@code CommandCodec}), with at
     * most {@link #maxEntryBytes} of data to read or write. Called with the command built for the receiver.
     */
    private boolean batchable(RingCommand command) {
        if (command instanceof RingCommand.Read) {
            return ((RingCommand.Read) command).length() <= maxEntryBytes;
        } else if (command instanceof RingCommand.Write) {
            final ByteString data = ((RingCommand.Write) command).data();
            return data != null && data.size() <= maxEntryBytes;
        } else if (command instanceof RingCommand.ReadV) {
            final List<Integer> lengths = ((RingCommand.ReadV) command).lengths();
            if (lengths == null || lengths.size() > 1024) {
                return false;
            }
            long sum = 0;
            for (Integer length : lengths) {
                sum += length == null ? 0 : Math.max(0, length);
            }
            return sum <= maxEntryBytes;
        } else if (command instanceof RingCommand.WriteV) {
            final List<ByteString> data = ((RingCommand.WriteV) command).data();
            return data != null && data.size() <= 1024 && bytesOf(data) <= maxEntryBytes;
        }
        return command instanceof RingCommand.Open || command instanceof RingCommand.Close
                || command instanceof RingCommand.Stat || command instanceof RingCommand.Fsync
                || command instanceof RingCommand.Trim || command instanceof RingCommand.CopyRange;
    }

    private static long bytesOf(List<ByteString> data) {
        long sum = 0;
        for (ByteString b : data) {
            sum += b == null ? 0 : b.size();
        }
        return sum;
    }

    /** The bytes a command adds to a batch, roughly: its data, and a little for its fields. */
    private static int weightOf(RingCommand command) {
        if (command instanceof RingCommand.Write) {
            return ((RingCommand.Write) command).data().size() + 64;
        } else if (command instanceof RingCommand.WriteV) {
            return (int) bytesOf(((RingCommand.WriteV) command).data()) + 64;
        } else if (command instanceof RingCommand.Open) {
            final String path = ((RingCommand.Open) command).path();
            return (path == null ? 0 : path.length() * 3) + 64;
        }
        return 64;
    }

    /**
     * Sends the command that {@code request} builds to {@code ring}, on another node, in a batch if it goes in
     * one (see the class comment), and returns its reply's value; {@code null} when it must be sent alone, by
     * the caller, who then counts it with {@link #sentAlone}.
     *
     * @param request    builds the command from a {@code replyTo}
     * @param askTimeout after which the returned future fails with a {@link TimeoutException}
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <T> CompletableFuture<T> call(ActorRef<RingCommand> ring,
                                         Function<ActorRef<StatusReply<T>>, RingCommand> request,
                                         Duration askTimeout) {
        if (!enabled) {
            return null;
        }
        final Channel channel = channelTo(ring);
        if (channel.inFlight.get() == 0) {
            return null; // alone: nothing to gather it with
        }
        final RingCommand command = request.apply((ActorRef) receiver);
        if (!batchable(command)) {
            return null;
        }
        final Pending call = new Pending(ids.incrementAndGet(), command, channel);
        pending.put(call.id, call);
        try {
            call.timeout = scheduler.scheduleOnce(askTimeout, () -> timedOut(call.id, ring, askTimeout), dispatcher);
        } catch (IllegalStateException e) { // the scheduler has shut down: the system is terminating
            pending.remove(call.id);
            call.settled();
            return CompletableFuture.failedFuture(new RingStoppedException("the actor system is terminating", e));
        }
        channel.send(call);
        return (CompletableFuture<T>) call.future;
    }

    /**
     * Counts a request sent alone to {@code ring} as in flight, so that the requests made meanwhile are batched;
     * run the returned task when its reply arrives, before completing the caller's future (whose callbacks
     * may make the next request).
     */
    public Runnable sentAlone(ActorRef<RingCommand> ring) {
        if (!enabled) {
            return NOTHING;
        }
        final Channel channel = channelTo(ring);
        channel.inFlight.incrementAndGet();
        return channel.aloneAnswered;
    }

    private static final Runnable NOTHING = () -> { };

    private Channel channelTo(ActorRef<RingCommand> ring) {
        final ActorRef<Object> key = ring.unsafeUpcast();
        final Channel channel = channels.get(key);
        return channel != null ? channel : channels.computeIfAbsent(key, Channel::new);
    }

    private void timedOut(long id, ActorRef<RingCommand> ring, Duration askTimeout) {
        final Pending call = pending.remove(id);
        if (call != null) {
            call.settled();
            // What Pekko's typed ask fails with, so that a request fails alike whether it went alone or not.
            call.future.completeExceptionally(new TimeoutException("Ask timed out on [" + ring + "] after ["
                    + askTimeout.toMillis() + " ms]. Message of type [" + call.command.getClass().getName()
                    + "], sent in a batch of requests to that ring."));
        }
    }

    /**
     * The receiver's turn: completes the calls a ring answered, each once (a timed-out one is gone), then
     * takes the acknowledgements, which send the next batch: last, so that it carries the requests the
     * callers just made in their callbacks.
     */
    private void answer(ReplyBatch batch) {
        final long[] answered = batch.ids();
        final Object[] outcomes = batch.outcomes();
        for (int i = 0; i < answered.length; i++) {
            final Pending call = pending.remove(answered[i]);
            if (call == null) {
                continue; // timed out already, or an id this node never gave out
            }
            try {
                call.timeout.cancel();
                call.settled(); // before the caller's callbacks, which may ask again
            } finally {
                if (outcomes[i] instanceof IoUringException) {
                    call.future.completeExceptionally((IoUringException) outcomes[i]);
                } else {
                    call.future.complete(outcomes[i]);
                }
            }
        }
        for (long ack : batch.acks()) {
            final SentBatch sent = unacknowledged.get(ack);
            if (sent != null) {
                sent.leaveWindow();
            }
        }
    }

    /**
     * A batched call: waiting to be sent, then in a sent batch, then settled (answered or timed out), by
     * whoever took it out of {@link #pending}. {@link #state} decides between the sender and a timeout that
     * comes while the call still waits: a call settled before it is sent is not sent.
     */
    private static final class Pending {
        private static final int WAITING = 0;
        private static final int SENT = 1;
        private static final int SETTLED = 2;

        final long id;
        final RingCommand command;
        final CompletableFuture<Object> future = new CompletableFuture<>();
        final Channel channel;
        private final AtomicInteger state = new AtomicInteger(WAITING);
        /** The batch it went in; written before the call is marked sent, read after it is settled. */
        private SentBatch batch;
        /** Set right after the call is registered, before it is sent: read only once it is answered. */
        volatile Cancellable timeout;

        Pending(long id, RingCommand command, Channel channel) {
            this.id = id;
            this.command = command;
            this.channel = channel;
            channel.inFlight.incrementAndGet();
        }

        /** Puts the call in {@code into}, unless it was settled already; whether it was. */
        boolean sendIn(SentBatch into) {
            batch = into;
            return state.compareAndSet(WAITING, SENT);
        }

        /** The call has its outcome: it is no longer in flight, nor in its batch's count. */
        void settled() {
            channel.inFlight.decrementAndGet();
            if (state.getAndSet(SETTLED) == SENT) {
                batch.entrySettled();
            }
        }
    }

    /**
     * A batch in its channel's window until the ring acknowledges it, or, should no acknowledgement come (the
     * ring's node is gone), until every call in it is settled (answered or timed out). Counts those calls,
     * plus one while the sender fills it.
     */
    private final class SentBatch {
        final long id = batchIds.incrementAndGet();
        private final AtomicInteger unsettled = new AtomicInteger(1);
        private final AtomicBoolean inWindow = new AtomicBoolean(true);
        private final Channel channel;

        SentBatch(Channel channel) {
            this.channel = channel;
        }

        void add() {
            unsettled.incrementAndGet();
        }

        void entrySettled() {
            if (unsettled.decrementAndGet() == 0) {
                leaveWindow();
            }
        }

        void leaveWindow() {
            if (inWindow.compareAndSet(true, false)) {
                unacknowledged.remove(id);
                channel.batchSettled();
            }
        }
    }

    /**
     * The calls to one ring: how many are in flight, the batched ones waiting, and the batches out. At most
     * {@link #WINDOW} batches are out unacknowledged at once: the calls made meanwhile wait, and the next
     * batch goes when one is acknowledged, from the thread that reads the acknowledgement (the receiver's),
     * carrying all that waited. So the busier the node, the bigger the batches, and no thread hands a batch
     * to another to send.
     */
    private final class Channel {
        final ActorRef<Object> ring;
        final AtomicInteger inFlight = new AtomicInteger();
        final Runnable aloneAnswered = inFlight::decrementAndGet;
        /** The calls waiting for a batch; one consumer at a time, the holder of {@link #sending}. */
        private final MpscUnboundedXaddArrayQueue<Pending> waiting = new MpscUnboundedXaddArrayQueue<>(256);
        private final AtomicBoolean sending = new AtomicBoolean();
        private final AtomicInteger batchesOut = new AtomicInteger();

        Channel(ActorRef<Object> ring) {
            this.ring = ring;
        }

        void send(Pending call) {
            waiting.offer(call);
            trySend();
        }

        void batchSettled() {
            batchesOut.decrementAndGet();
            trySend();
        }

        /**
         * Sends batches of what waits while the window has room. Whoever finds the flag clear sends; everyone
         * looks again after letting it go, so a call that came meanwhile is never left behind.
         */
        private void trySend() {
            while (batchesOut.get() < WINDOW && !waiting.isEmpty() && sending.compareAndSet(false, true)) {
                try {
                    if (batchesOut.get() < WINDOW) {
                        sendBatch();
                    }
                } finally {
                    sending.set(false);
                }
            }
        }

        /** Sends what waits, up to a batch's limits: {@link #MAX_ENTRIES} calls and {@code maxBatchBytes}. */
        private void sendBatch() {
            final SentBatch batch = new SentBatch(this);
            batchesOut.incrementAndGet();
            unacknowledged.put(batch.id, batch);
            final long[] entryIds = new long[Math.max(1, Math.min(MAX_ENTRIES, waiting.size()))];
            final RingCommand[] commands = new RingCommand[entryIds.length];
            int n = 0;
            int bytes = 0;
            Pending next;
            while (n < entryIds.length && bytes < maxBatchBytes && (next = waiting.poll()) != null) {
                batch.add();
                if (!next.sendIn(batch)) {
                    batch.entrySettled(); // timed out while it waited
                    continue;
                }
                entryIds[n] = next.id;
                commands[n++] = next.command;
                bytes += weightOf(next.command);
            }
            if (n > 0) {
                batchedRequests.add(n);
                batchesSent.increment();
                ring.tell(new RequestBatch(receiver, batch.id, n == entryIds.length ? entryIds
                        : Arrays.copyOf(entryIds, n), n == commands.length ? commands : Arrays.copyOf(commands, n)));
            } else {
                batch.leaveWindow(); // nothing went: nothing will be acknowledged
            }
            batch.entrySettled(); // the sender's own hold
        }
    }

    /** The extension's id. */
    public static final class Id extends ExtensionId<RemoteCalls> {
        @Override
        public RemoteCalls createExtension(ActorSystem<?> system) {
            return new RemoteCalls(system);
        }
    }
}
