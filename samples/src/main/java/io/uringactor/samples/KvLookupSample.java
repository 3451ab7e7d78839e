package io.uringactor.samples;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingActor;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingExtension;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.util.ByteString;

import java.io.EOFException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * Sample 5: a key-value lookup actor that runs on the ring's own thread. The store is a file of fixed-size
 * records, record {@code k} at offset {@code k * RECORD_SIZE}; the actor answers each {@link Get} by reading
 * the record with {@link RingClient#read} and {@code pipeToSelf}: no temporary ask actor and no timer per
 * request, and the key travels with the read, so a failure answers just the Gets of that key.
 *
 * <p>Why co-location matters: spawned with {@code DispatcherSelector.fromConfig(RingActor.LOOP_DISPATCHER)},
 * the actor shares the ring event loop's single thread with the {@link RingExtension}'s ring. The Read it
 * tells goes to the ring without a thread hand-off, and the ring's reply is handled on that same thread,
 * in the same loop turn that reaped the completion: no wake-up of another thread, per request or per reply.
 * (A tell of a {@link RingCommand.Read} with a long-lived message adapter as {@code replyTo} stays on the loop
 * too, but its replies do not say which read they answer.)
 * Each {@link Found} names the threads that handled its Get and the ring's reply, to show it.
 *
 * <p>Record layout: {@code [key: int32][value length: uint8][value: UTF-8][zero padding]}.
 */
public final class KvLookupSample {
    /** Bytes per record: the key, the value's length, at most {@code RECORD_SIZE - 5} bytes of value. */
    public static final int RECORD_SIZE = 64;

    private KvLookupSample() {
    }

    /** What the lookup actor receives. */
    public sealed interface Command {
    }

    /** Looks up {@code key}; {@code replyTo} gets one {@link Lookup}. */
    public record Get(int key, ActorRef<Lookup> replyTo) implements Command {
    }

    /** The ring's answer to the read of {@code key}'s record: the record, or the failure. */
    private record RecordRead(int key, ByteString record, Throwable failure) implements Command {
    }

    /** The answer to a {@link Get}. */
    public sealed interface Lookup {
        /** The key the {@link Get} asked for. */
        int key();
    }

    /** The key's value, and the threads that handled the Get and the ring's reply to its read. */
    public record Found(int key, String value, String requestThread, String replyThread) implements Lookup {
    }

    /** The store has no such key: it holds keys {@code 0} to {@code records - 1}. Nothing was read. */
    public record KeyOutOfRange(int key, int records) implements Lookup {
    }

    /** The read failed: {@code cause} is the ring's typed failure, e.g. an {@code ErrnoException}. */
    public record ReadFailed(int key, Throwable cause) implements Lookup {
    }

    /** A Get waiting for its record. */
    private record Waiter(ActorRef<Lookup> replyTo, String requestThread) {
    }

    /**
     * The lookup actor over {@code records} records of {@code file}, read through {@code ring}. Spawn it on
     * the ring's loop dispatcher to keep every request and reply on one thread.
     */
    public static Behavior<Command> lookup(RingClient ring, FileHandle file, int records) {
        return Behaviors.setup(context -> {
            final Map<Integer, List<Waiter>> waiting = new HashMap<>();
            return Behaviors.receive(Command.class)
                    .onMessage(Get.class, get -> {
                        if (get.key() < 0 || get.key() >= records) {
                            get.replyTo().tell(new KeyOutOfRange(get.key(), records));
                            return Behaviors.same();
                        }
                        // Gets of a key already being read wait for that read instead of starting another.
                        waiting.computeIfAbsent(get.key(), key -> {
                            // On the loop the ring completes this stage on this same thread: no ask actor, no timer.
                            context.pipeToSelf(ring.read(file, (long) key * RECORD_SIZE, RECORD_SIZE),
                                    (record, failure) -> new RecordRead(key, record, failure));
                            return new ArrayList<>();
                        }).add(new Waiter(get.replyTo(), Thread.currentThread().getName()));
                        return Behaviors.same();
                    })
                    .onMessage(RecordRead.class, read -> {
                        final String replyThread = Thread.currentThread().getName();
                        final List<Waiter> waiters = waiting.remove(read.key());
                        final Lookup answer;
                        if (read.failure() != null) {
                            answer = new ReadFailed(read.key(), read.failure());
                        } else if (read.record().size() != RECORD_SIZE) {
                            answer = new ReadFailed(read.key(), new EOFException("short record: " + read.record().size()
                                    + " bytes"));
                        } else {
                            final ByteBuffer fields = read.record().asByteBuffer();
                            fields.getInt(); // the record's own key, read.key()
                            answer = new Found(read.key(), decodeValue(fields), null, replyThread);
                        }
                        for (Waiter waiter : waiters) {
                            waiter.replyTo().tell(answer instanceof Found found
                                    ? new Found(found.key(), found.value(), waiter.requestThread(), replyThread) : answer);
                        }
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    /** Record {@code key} holding {@code value}, laid out as {@link KvLookupSample} says. */
    static ByteBuffer encodeRecord(int key, String value) {
        final byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > RECORD_SIZE - 5) {
            throw new IllegalArgumentException("value of key " + key + " is longer than " + (RECORD_SIZE - 5) + " bytes");
        }
        final ByteBuffer record = ByteBuffer.allocate(RECORD_SIZE).putInt(key).put((byte) bytes.length).put(bytes);
        return record.position(0);
    }

    /** The value of a record whose key has just been read. */
    private static String decodeValue(ByteBuffer fields) {
        final byte[] bytes = new byte[fields.get() & 0xff];
        fields.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Runs the sample: 1000 lookups over 256 records, checked against the values written. */
    public static int run(String[] args, PrintStream out) throws Exception {
        final int records = 256;
        final int lookups = 1000;
        final Duration timeout = Duration.ofSeconds(10);
        final Path dir = Files.createTempDirectory("io-uring-kv");
        final ActorSystem<SpawnProtocol.Command> system = ActorSystem.create(SpawnProtocol.create(), "kv-sample");
        try {
            // The store, written with plain NIO; the values array is the oracle the lookups are checked against.
            final Random random = new Random(42);
            final String[] values = new String[records];
            final ByteBuffer store = ByteBuffer.allocate(records * RECORD_SIZE);
            for (int key = 0; key < records; key++) {
                values[key] = "value-" + key + "-" + Long.toHexString(random.nextLong());
                store.put(encodeRecord(key, values[key]));
            }
            final Path path = Files.write(dir.resolve("kv-store.bin"), store.array());
            out.println("wrote " + records + " records of " + RECORD_SIZE + " bytes to " + path.getFileName());

            final RingClient ring = RingExtension.get(system).client();
            final FileHandle file = ring.open(path, OpenOptions.readOnly()).toCompletableFuture().join();
            final ActorRef<Command> kv = AskPattern.<SpawnProtocol.Command, ActorRef<Command>>ask(system,
                    replyTo -> new SpawnProtocol.Spawn<>(lookup(ring, file, records), "kv-lookup",
                            DispatcherSelector.fromConfig(RingActor.LOOP_DISPATCHER), replyTo),
                    timeout, system.scheduler()).toCompletableFuture().join();

            // A batch of lookups from outside the loop, all in flight at once; some keys more than once.
            final List<CompletableFuture<Lookup>> answers = new ArrayList<>();
            for (int i = 0; i < lookups; i++) {
                final int key = random.nextInt(records);
                answers.add(AskPattern.<Command, Lookup>ask(kv, replyTo -> new Get(key, replyTo), timeout, system.scheduler())
                        .toCompletableFuture());
            }
            final Set<String> threads = new TreeSet<>();
            for (CompletableFuture<Lookup> answer : answers) {
                if (!(answer.join() instanceof Found found) || !found.value().equals(values[found.key()])) {
                    out.println("wrong answer: " + answer.join());
                    return 1;
                }
                threads.add(found.requestThread());
                threads.add(found.replyThread());
            }
            out.println(lookups + " lookups served, every value as written");
            // The loop dispatcher has one thread, and the ring runs on it: one name here means no hand-off.
            out.println("Gets and ring replies handled on " + threads);
            if (threads.size() != 1 || !threads.iterator().next().contains(RingActor.LOOP_DISPATCHER)) {
                out.println("expected one thread of " + RingActor.LOOP_DISPATCHER);
                return 1;
            }

            final Lookup missing = AskPattern.<Command, Lookup>ask(kv, replyTo -> new Get(records, replyTo), timeout,
                    system.scheduler()).toCompletableFuture().join();
            out.println("key " + records + ": " + missing);
            ring.close(file).toCompletableFuture().join();
            return missing instanceof KeyOutOfRange ? 0 : 1;
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().join();
            Samples.deleteRecursively(dir);
        }
    }
}
