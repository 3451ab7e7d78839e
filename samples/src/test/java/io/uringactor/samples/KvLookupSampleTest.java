package io.uringactor.samples;

import static io.uringactor.samples.KvLookupSample.RECORD_SIZE;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.InvalidRequestException;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingActor;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingExtension;
import io.uringactor.samples.KvLookupSample.Found;
import io.uringactor.samples.KvLookupSample.Get;
import io.uringactor.samples.KvLookupSample.KeyOutOfRange;
import io.uringactor.samples.KvLookupSample.Lookup;
import io.uringactor.samples.KvLookupSample.ReadFailed;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The lookup actor against a store this test lays out itself (the oracle): every key's value, on the ring's
 * loop thread; a key out of range and a failed read get their typed answers.
 */
class KvLookupSampleTest {
    private static final int RECORDS = 200;
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static ActorTestKit testKit;
    private static RingClient ring;

    @TempDir
    Path dir;

    private final String[] values = new String[RECORDS];
    private FileHandle file;

    @BeforeAll
    static void startSystem() {
        testKit = ActorTestKit.create("kv-test");
        ring = RingExtension.get(testKit.system()).client();
    }

    @AfterAll
    static void stopSystem() {
        testKit.shutdownTestKit();
    }

    /** Values of every length from empty to the most a record holds, some not ASCII, at their documented offsets. */
    @BeforeEach
    void writeStore() throws Exception {
        final Random random = new Random(7);
        final ByteBuffer store = ByteBuffer.allocate(RECORDS * RECORD_SIZE);
        for (int key = 0; key < RECORDS; key++) {
            final int length = key % (RECORD_SIZE - 4); // 0 to 59 bytes: every length a record holds
            final String head = length >= 2 ? "ü" : ""; // two bytes of UTF-8
            values[key] = head + random.ints(length - 2 * head.length(), 'a', 'z' + 1)
                    .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append);
            final byte[] bytes = values[key].getBytes(StandardCharsets.UTF_8);
            store.position(key * RECORD_SIZE).putInt(key).put((byte) bytes.length).put(bytes);
        }
        final Path path = Files.write(dir.resolve("store.bin"), store.array());
        file = ring.open(path, OpenOptions.readOnly()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private ActorRef<KvLookupSample.Command> spawnLookup(String name, Props props) {
        return testKit.spawn(KvLookupSample.lookup(ring, file, RECORDS), name, props);
    }

    /** The one thread of this system's shared loop dispatcher, the thread the extension's ring runs on. */
    private static String ringLoopThread() {
        final List<String> loops = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(name -> name.startsWith("kv-test-" + RingActor.LOOP_DISPATCHER + "-")).toList();
        assertEquals(1, loops.size(), "the loop dispatcher's threads: " + loops);
        return loops.get(0);
    }

    @Test
    void everyKeyGetsTheValueWrittenOnTheRingsLoopThread() {
        final ActorRef<KvLookupSample.Command> kv = spawnLookup("kv-on-loop", DispatcherSelector.fromConfig(RingActor.LOOP_DISPATCHER));
        final TestProbe<Lookup> probe = testKit.createTestProbe(Lookup.class);
        // Every key twice in a row: the second Get usually finds the first one's read in flight and shares it.
        for (int key = 0; key < RECORDS; key++) {
            kv.tell(new Get(key, probe.ref()));
            kv.tell(new Get(key, probe.ref()));
        }
        final String loopThread = ringLoopThread();
        final Map<Integer, Integer> answersPerKey = new HashMap<>();
        for (Lookup answer : probe.receiveSeveralMessages(2 * RECORDS, WAIT)) {
            final Found found = assertInstanceOf(Found.class, answer);
            assertEquals(values[found.key()], found.value(), "key " + found.key());
            assertEquals(loopThread, found.requestThread(), "the Get of key " + found.key());
            assertEquals(loopThread, found.replyThread(), "the ring's reply for key " + found.key());
            answersPerKey.merge(found.key(), 1, Integer::sum);
        }
        for (int key = 0; key < RECORDS; key++) {
            assertEquals(2, answersPerKey.getOrDefault(key, 0), "answers for key " + key);
        }
        probe.expectNoMessage(Duration.ofMillis(100));
    }

    /** The control: the same actor off the loop handles its Gets on a Pekko thread that is not the ring's. */
    @Test
    void offTheLoopTheSameLookupIsHandledOnAnotherThread() {
        final ActorRef<KvLookupSample.Command> kv = spawnLookup("kv-off-loop", Props.empty());
        final TestProbe<Lookup> probe = testKit.createTestProbe(Lookup.class);
        kv.tell(new Get(3, probe.ref()));
        final Found found = probe.expectMessageClass(Found.class, WAIT);
        assertEquals(values[3], found.value());
        assertNotEquals(ringLoopThread(), found.requestThread());
        assertNotEquals(ringLoopThread(), found.replyThread());
    }

    @Test
    void aKeyOutOfRangeIsRefusedWithoutARead() {
        final ActorRef<KvLookupSample.Command> kv = spawnLookup("kv-range", DispatcherSelector.fromConfig(RingActor.LOOP_DISPATCHER));
        final TestProbe<Lookup> probe = testKit.createTestProbe(Lookup.class);
        final long readsBefore = ring.stats().toCompletableFuture().join().submitted();
        kv.tell(new Get(RECORDS, probe.ref()));
        kv.tell(new Get(-1, probe.ref()));
        assertEquals(new KeyOutOfRange(RECORDS, RECORDS), probe.expectMessageClass(KeyOutOfRange.class, WAIT));
        assertEquals(new KeyOutOfRange(-1, RECORDS), probe.expectMessageClass(KeyOutOfRange.class, WAIT));
        assertEquals(readsBefore, ring.stats().toCompletableFuture().join().submitted(), "no read submitted");
        kv.tell(new Get(RECORDS - 1, probe.ref()));
        assertEquals(values[RECORDS - 1], probe.expectMessageClass(Found.class, WAIT).value(), "the last key is in range");
    }

    @Test
    void aFailedReadAnswersWithTheRingsTypedFailure() throws Exception {
        final ActorRef<KvLookupSample.Command> kv = spawnLookup("kv-closed", DispatcherSelector.fromConfig(RingActor.LOOP_DISPATCHER));
        ring.close(file).toCompletableFuture().get(10, TimeUnit.SECONDS);
        final TestProbe<Lookup> probe = testKit.createTestProbe(Lookup.class);
        kv.tell(new Get(5, probe.ref()));
        final ReadFailed failed = probe.expectMessageClass(ReadFailed.class, WAIT);
        assertEquals(5, failed.key());
        assertInstanceOf(InvalidRequestException.class, failed.cause(), "reading through a closed handle");
    }
}
