package io.uringactor.actor;

import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.ring.AlignedBuffer;

import com.typesafe.config.ConfigFactory;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A ring that stops with an op the kernel cannot cancel (a large O_DIRECT write under way at the device) does not
 * hold its loop while the kernel finishes it: the loop's other actors are answered meanwhile, and the write is
 * answered when it is back (or at stop-timeout).
 */
class RingStopOnSharedLoopTest {
    private static final ActorTestKit testKit = ActorTestKit.create("RingStopOnSharedLoopTest", ConfigFactory
            .parseString("stop-loop = ${io-uring-actor.loop-dispatcher} { loops = 1 }")
            .withFallback(ConfigFactory.load()).resolve());
    private static final int SIZE = 64 << 20;

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    @Test
    void aStoppedRingLeavesItsLoopToTheOtherActorsWhileTheKernelFinishesItsWrite() throws Exception {
        final RingSettings settings = RingSettings.create(testKit.system()).withDispatcher("stop-loop")
                .withMaxNativeMemory(2L * SIZE).withMaxIoSize(SIZE).withStopTimeout(Duration.ofSeconds(10));
        final ActorRef<RingCommand> ref = testKit.spawn(RingActor.create(settings), "ring", RingActor.props(settings));
        final RingClient ring = RingClient.create(ref, testKit.system());
        final ActorRef<ActorRef<Long>> echo = testKit.spawn(Behaviors.receive((context, replyTo) -> {
            replyTo.tell(System.nanoTime());
            return Behaviors.same();
        }), "echo", DispatcherSelector.fromConfig("stop-loop"));

        final Path path = dir.resolve("big.bin");
        final FileHandle file = ring.open(path, OpenOptions.writeOnly().withCreate().withDirect())
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        final AlignedBuffer buffer = AlignedBuffer.forDirectIo(path, SIZE);
        final CompletableFuture<Long> writeAnswered = ring.writeBlock(file, 0, buffer).toCompletableFuture()
                .handle((written, failure) -> System.nanoTime());
        while (ring.stats().toCompletableFuture().get(10, TimeUnit.SECONDS).inFlight() == 0) {
            assertFalse(writeAnswered.isDone(), "the write was answered before the test could stop the ring");
            Thread.sleep(1);
        }

        testKit.stop(ref); // PostStop cancels the write, which the kernel cannot take back from the device
        final long echoed = AskPattern.<ActorRef<Long>, Long>ask(echo, replyTo -> replyTo, Duration.ofSeconds(10),
                testKit.system().scheduler()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        final long written = writeAnswered.get(20, TimeUnit.SECONDS);
        assertTrue(echoed < written, "the loop's other actor was answered while the write was still in the kernel,"
                + " not after it: echo " + (written - echoed) / 1_000 + " us before the write's answer");
        java.lang.ref.Reference.reachabilityFence(buffer);
    }
}
