package docs.javadsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingExtension;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

/** The README's snippets, as a user writes them. */
class RingClientDocTest {
    private static final ActorTestKit testKit = ActorTestKit.create();

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    @Test
    void fromPlainJava() {
        final ActorSystem<?> system = testKit.system();
        final Path path = dir.resolve("hello.txt");
        // #facade
        RingClient ring = RingExtension.get(system).client();
        FileHandle file = ring.open(path, OpenOptions.readWrite().withCreate()).toCompletableFuture().join();
        ring.write(file, 0, ByteString.fromString("hello")).toCompletableFuture().join();
        ByteString bytes = ring.read(file, 0, 5).toCompletableFuture().join();
        ring.close(file);
        // #facade
        assertEquals("hello", bytes.utf8String());
    }

    /** What the reader actor below turns the ring's replies into. */
    record ReadDone(ByteString bytes, Throwable failure) {
    }

    // #ask
    static Behavior<ReadDone> reader(ActorRef<RingCommand> ring, FileHandle file, long offset, ActorRef<String> report) {
        return Behaviors.setup(context -> {
            context.askWithStatus(ByteString.class, ring, Duration.ofSeconds(5),
                    replyTo -> new RingCommand.Read(file, offset, 4096, replyTo),
                    (bytes, failure) -> new ReadDone(bytes, failure));
            return Behaviors.receiveMessage(done -> {
                report.tell(done.failure() == null ? done.bytes().utf8String() : "failed: " + done.failure().getMessage());
                return Behaviors.stopped();
            });
        });
    }
    // #ask

    @Test
    void fromAnActor() {
        final RingClient ring = RingExtension.get(testKit.system()).client();
        final Path path = dir.resolve("actor.txt");
        final FileHandle file = ring.open(path, OpenOptions.readWrite().withCreate()).toCompletableFuture().join();
        ring.write(file, 0, ByteString.fromString("from an actor")).toCompletableFuture().join();
        final TestProbe<String> report = testKit.createTestProbe();
        testKit.spawn(reader(RingExtension.get(testKit.system()).ring(), file, 0, report.getRef()));
        report.expectMessage("from an actor");
        ring.close(file).toCompletableFuture().join();
    }

    /** What the co-located actor below turns the ring's replies into. */
    record Synced(Throwable failure) {
    }

    // #on-the-loop
    static Behavior<Object> colocated(RingClient ring, FileHandle file, ActorRef<String> report) {
        return Behaviors.setup(context -> {
            context.pipeToSelf(ring.read(file, 0, 4096), (bytes, failure) -> new ReadDone(bytes, failure));
            context.pipeToSelf(ring.<org.apache.pekko.Done>ask(replyTo -> new RingCommand.Fsync(file, false, replyTo)),
                    (done, failure) -> new Synced(failure));
            return Behaviors.receiveMessage(msg -> {
                report.tell(msg instanceof ReadDone read ? read.bytes().utf8String() + " on " + Thread.currentThread().getName()
                        : "synced " + (((Synced) msg).failure() == null));
                return Behaviors.same();
            });
        });
    }
    // #on-the-loop

    @Test
    void fromAnActorOnTheRingsLoop() {
        final RingClient ring = RingExtension.get(testKit.system()).client();
        final FileHandle file = ring.open(dir.resolve("loop.txt"), OpenOptions.readWrite().withCreate())
                .toCompletableFuture().join();
        ring.write(file, 0, ByteString.fromString("on the loop")).toCompletableFuture().join();
        final TestProbe<String> report = testKit.createTestProbe();
        testKit.spawn(colocated(ring, file, report.getRef()), "colocated",
                org.apache.pekko.actor.typed.DispatcherSelector.fromConfig(io.uringactor.actor.RingActor.LOOP_DISPATCHER));
        final java.util.Set<String> seen = java.util.Set.of(report.receiveMessage(), report.receiveMessage());
        assertTrue(seen.contains("synced true"), seen.toString());
        assertTrue(seen.stream().anyMatch(m -> m.startsWith("on the loop on ") && m.contains("io-uring-actor.loop-dispatcher")),
                seen.toString());
        ring.close(file).toCompletableFuture().join();
    }
}
