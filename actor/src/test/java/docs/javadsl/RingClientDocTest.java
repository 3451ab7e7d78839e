package docs.javadsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingActor;
import io.uringactor.actor.RingClient;
import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingExtension;
import io.uringactor.actor.RingGroup;
import io.uringactor.actor.RingHandle;
import io.uringactor.actor.RingSettings;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/** The snippets of README.md and docs/actor.md, as a user writes them (DocsSnippetsTest checks they are copied verbatim). */
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

    /** What the actor below turns a completed fsync into. */
    record Synced(Throwable failure) {
    }

    // #in-an-actor
    static Behavior<Object> fileUser(RingClient ring, ActorRef<RingCommand> ringRef, FileHandle file, ActorRef<String> report) {
        return Behaviors.setup(context -> {
            // a RingClient stage, piped back to the actor as one of its own messages
            context.pipeToSelf(ring.read(file, 0, 4096), (bytes, failure) -> new ReadDone(bytes, failure));
            // any RingCommand, ask-shaped, without Pekko's ask machinery (no temporary actor, no timer)
            context.pipeToSelf(ring.<Done>ask(replyTo -> new RingCommand.Fsync(file, false, replyTo)),
                    (done, failure) -> new Synced(failure));
            // or a tell whose replyTo is a message adapter, made once and used for every read
            @SuppressWarnings({"unchecked", "rawtypes"})
            ActorRef<StatusReply<ByteString>> readAdapter = (ActorRef) context.messageAdapter(StatusReply.class,
                    reply -> reply.isSuccess() ? new ReadDone((ByteString) reply.getValue(), null) : new ReadDone(null, reply.getError()));
            ringRef.tell(new RingCommand.Read(file, 0, 4096, readAdapter));
            return Behaviors.receiveMessage(msg -> {
                report.tell(msg instanceof ReadDone read ? read.bytes().utf8String() + " on " + Thread.currentThread().getName()
                        : "synced " + (((Synced) msg).failure() == null));
                return Behaviors.same();
            });
        });
    }
    // #in-an-actor

    static Behavior<Void> app(FileHandle file, ActorRef<String> report) {
        return Behaviors.setup(context -> {
            ActorSystem<?> system = context.getSystem();
            // #spawn-on-the-loop
            RingClient ring = RingExtension.get(system).client();
            ActorRef<RingCommand> ringRef = RingExtension.get(system).ring();
            context.spawn(fileUser(ring, ringRef, file, report), "file-user",
                    DispatcherSelector.fromConfig(RingActor.LOOP_DISPATCHER));
            // #spawn-on-the-loop
            return Behaviors.empty();
        });
    }

    @Test
    void fromAnActorOnTheRingsLoop() {
        final RingClient ring = RingExtension.get(testKit.system()).client();
        final FileHandle file = ring.open(dir.resolve("loop.txt"), OpenOptions.readWrite().withCreate())
                .toCompletableFuture().join();
        ring.write(file, 0, ByteString.fromString("on the loop")).toCompletableFuture().join();
        final TestProbe<String> report = testKit.createTestProbe();
        testKit.spawn(app(file, report.getRef()), "app");
        final Set<String> seen = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            seen.add(report.receiveMessage());
        }
        assertTrue(seen.contains("synced true"), seen.toString());
        assertTrue(seen.stream().filter(m -> m.startsWith("on the loop on ")).allMatch(m -> m.contains("io-uring-actor.loop-dispatcher")),
                seen.toString());
        assertTrue(seen.stream().anyMatch(m -> m.startsWith("on the loop on ")), seen.toString());
        ring.close(file).toCompletableFuture().join();
    }

    // #ring-group-workers
    static Behavior<String> pageReader(RingClient ring, FileHandle file, long offset, ActorRef<String> report) {
        return Behaviors.setup(context -> {
            context.pipeToSelf(ring.read(file, offset, 4), (bytes, failure) -> failure == null ? bytes.utf8String() : "failed");
            return Behaviors.receiveMessage(page -> {
                report.tell(page);
                return Behaviors.stopped();
            });
        });
    }

    static Behavior<Void> workers(RingGroup group, FileHandle file, ActorRef<String> report) {
        return Behaviors.setup(context -> {
            for (int i = 0; i < 4; i++) {
                // each worker runs on the group's loops, and its IO goes to the ring of the loop it runs on
                context.spawn(pageReader(group.client(), file, 4096L * i, report), "worker-" + i, group.dispatcher());
            }
            return Behaviors.empty();
        });
    }
    // #ring-group-workers

    @Test
    void aRingGroup() throws Exception {
        final ActorSystem<?> system = testKit.system();
        final Path path = dir.resolve("pages.bin");
        final byte[] pages = new byte[4 * 4096];
        for (int i = 0; i < 4; i++) {
            System.arraycopy(("pg" + i + "!").getBytes(), 0, pages, i * 4096, 4);
        }
        Files.write(path, pages);
        // #ring-group
        RingGroup group = RingGroup.spawn(system, "data", RingSettings.create(system), 2);   // 2 loops, a ring each
        RingClient client = group.client();            // on a loop of the group its ring, elsewhere one per thread
        FileHandle file = client.open(path, OpenOptions.readOnly()).toCompletableFuture().join();
        ByteString first = client.read(file, 0, 4).toCompletableFuture().join();
        // #ring-group
        assertEquals("pg0!", first.utf8String());
        final TestProbe<String> report = testKit.createTestProbe();
        testKit.spawn(workers(group, file, report.getRef()), "workers");
        final Set<String> seen = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            seen.add(report.receiveMessage());
        }
        assertEquals(Set.of("pg0!", "pg1!", "pg2!", "pg3!"), seen);
        // #ring-group-stop
        client.close(file);                            // closes the file on every ring of the group
        long completed = group.stats().toCompletableFuture().join().completed();   // summed over the rings
        group.stop();                                  // graceful: in-flight ops answered, then each ring stops
        // #ring-group-stop
        assertTrue(completed >= 5, "completed " + completed);
    }

    @Test
    void aRingOfYourOwn() throws Exception {
        final ActorSystem<?> system = testKit.system();
        final Path root = Files.createDirectory(dir.resolve("data"));
        // #ring-handle
        RingHandle disk = RingActor.spawn(system, "data-disk", RingSettings.create(system).withRootDirectory(root));
        RingClient client = disk.client();
        // paths are opened beneath the root; a per-request timeout on the write
        FileHandle file = client.open(Path.of("notes.txt"), OpenOptions.readWrite().withCreate()).toCompletableFuture().join();
        client.withTimeout(Duration.ofSeconds(5)).write(file, 0, ByteString.fromString("beneath the root")).toCompletableFuture().join();
        client.close(file).toCompletableFuture().join();
        disk.stop();   // graceful: in-flight ops answered; stopNow() answers everything with RingStoppedException
        // #ring-handle
        assertEquals("beneath the root", Files.readString(root.resolve("notes.txt")));
    }
}
