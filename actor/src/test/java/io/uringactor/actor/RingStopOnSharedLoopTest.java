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
        final ActorRef<ActorRef<Long>> echo = testKit.spawn(Behaviors.receive((context, replyTo) -> {
            replyTo.tell(System.nanoTime());
            return Behaviors.same();
        }), "echo", DispatcherSelector.fromConfig("stop-loop"));
        // An attempt tells only if the write is still in the kernel when the echo is asked; on a busy machine it
        // may be done by then, and the attempt is made again with a new ring.
        for (int attempt = 1; attempt <= 3; attempt++) {
            final long[] times = stopWithAWriteInTheKernel(echo, attempt);
            final long askedAt = times[0];
            final long echoed = times[1];
            final long written = times[2];
            if (written > askedAt) {
                assertTrue(echoed < written, "the loop's other actor was answered while the write was still in the"
                        + " kernel, not after it: echo " + (written - echoed) / 1_000 + " us before the write's answer");
                return;
            }
        }
        org.junit.jupiter.api.Assumptions.abort("in 3 attempts the write was answered before the echo was asked");
    }

    /** Stops a ring with a 64 MiB O_DIRECT write in flight, then asks the echo: when asked, echoed, written. */
    private long[] stopWithAWriteInTheKernel(ActorRef<ActorRef<Long>> echo, int attempt) throws Exception {
        final RingSettings settings = RingSettings.create(testKit.system()).withDispatcher("stop-loop")
                .withMaxNativeMemory(2L * SIZE).withMaxIoSize(SIZE).withStopTimeout(Duration.ofSeconds(10));
        final ActorRef<RingCommand> ref = testKit.spawn(RingActor.create(settings), "ring-" + attempt,
                RingActor.props(settings));
        final RingClient ring = RingClient.create(ref, testKit.system());
        final Path path = dir.resolve("big-" + attempt + ".bin");
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
        final long askedAt = System.nanoTime();
        final long echoed = AskPattern.<ActorRef<Long>, Long>ask(echo, replyTo -> replyTo, Duration.ofSeconds(10),
                testKit.system().scheduler()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        final long written = writeAnswered.get(20, TimeUnit.SECONDS);
        java.lang.ref.Reference.reachabilityFence(buffer);
        return new long[] {askedAt, echoed, written};
    }
}
