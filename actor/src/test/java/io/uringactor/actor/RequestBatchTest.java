package io.uringactor.actor;

import static io.uringactor.actor.TestRings.*;
import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.actor.internal.ReplyBatch;
import io.uringactor.actor.internal.RequestBatch;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A ring serves a batch of requests from another node entry by entry and answers them in few messages, each
 * entry once with its own outcome; a ring that is not running answers every entry as stopped. Sent here
 * without the wire (the serializer's tests cover the bytes, the cluster test the whole route).
 */
class RequestBatchTest {
    private static final ActorTestKit testKit = ActorTestKit.create("RequestBatchTest");

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    /**
     * Every reply to the {@code n} entries of batch {@code batchId}, by id, once its acknowledgement came too
     * (exactly once); and how many messages brought them.
     */
    private static Map<Long, Object> replies(TestProbe<ReplyBatch> probe, long batchId, int n, int[] messages) {
        final Map<Long, Object> byId = new HashMap<>();
        int acks = 0;
        while (byId.size() < n || acks == 0) {
            final ReplyBatch batch = probe.receiveMessage(Duration.ofSeconds(10));
            messages[0]++;
            for (long ack : batch.acks()) {
                assertEquals(batchId, ack, "the acknowledgement names the batch");
                acks++;
            }
            for (int i = 0; i < batch.ids().length; i++) {
                assertNull(byId.put(batch.ids()[i], batch.outcomes()[i]), "entry " + batch.ids()[i] + " answered twice");
            }
        }
        probe.expectNoMessage(Duration.ofMillis(100));
        assertEquals(1, acks, "the batch is acknowledged once");
        return byId;
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void aRingAnswersEveryEntryWithItsOwnOutcomeInFewMessages() throws Exception {
        final Spawned ring = spawn(testKit, "batched", RingSettings.create(testKit.system()), Duration.ofSeconds(10));
        final Path path = randomFile(dir, "batched.bin", 64 * 1024, 3);
        final FileHandle file = await(ring.client().open(path, OpenOptions.readOnly()));
        final TestProbe<ReplyBatch> probe = testKit.createTestProbe();
        final ActorRef receiver = probe.ref();
        final int n = 48;
        final long[] ids = new long[n];
        final RingCommand[] entries = new RingCommand[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 1000 + 7L * i;
            if (i == 47) {
                entries[i] = null; // only a sender in this JVM can make such a batch; it is refused all the same
            } else if (i % 16 == 3) {
                entries[i] = new RingCommand.Read(new FileHandle(0x5555_0000_0000_0001L), 0, 4096, receiver);
            } else if (i % 16 == 9) {
                entries[i] = new RingCommand.Read(file, -1, 4096, receiver);
            } else {
                entries[i] = new RingCommand.Read(file, (i % 16) * 4096L, 4096, receiver);
            }
        }
        ring.ref().<Object>unsafeUpcast().tell(new RequestBatch(probe.ref(), 77, ids, entries));
        final int[] messages = new int[1];
        final Map<Long, Object> byId = replies(probe, 77, n, messages);
        try (FileChannel oracle = FileChannel.open(path)) {
            for (int i = 0; i < n; i++) {
                final Object outcome = byId.get(ids[i]);
                if (i % 16 == 3 || i % 16 == 9 || i == 47) {
                    assertInstanceOf(InvalidRequestException.class, outcome, "entry " + i);
                } else {
                    final ByteBuffer expected = ByteBuffer.allocate(4096);
                    oracle.read(expected, (i % 16) * 4096L);
                    assertEquals(ByteString.fromArray(expected.array()), outcome, "entry " + i);
                }
            }
        }
        assertTrue(messages[0] <= n / 4, n + " replies came in " + messages[0] + " messages");
        await(ring.client().close(file));
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void aStoppedRingAnswersEveryEntryAsStopped() {
        final Spawned ring = spawnOne(testKit, "stopped", RingSettings.create(testKit.system()), Duration.ofSeconds(10));
        await(ring.client().ask(RingCommand.Shutdown::new));
        final TestProbe<ReplyBatch> probe = testKit.createTestProbe();
        final ActorRef receiver = probe.ref();
        final RingCommand[] entries = {new RingCommand.Stat(FileHandle.BOUND, receiver),
                new RingCommand.Fsync(FileHandle.BOUND, true, receiver)};
        ring.ref().<Object>unsafeUpcast().tell(new RequestBatch(probe.ref(), 3, new long[] {5, 6}, entries));
        final Map<Long, Object> byId = replies(probe, 3, 2, new int[1]);
        assertInstanceOf(RingStoppedException.class, byId.get(5L));
        assertInstanceOf(RingStoppedException.class, byId.get(6L));
    }
}
