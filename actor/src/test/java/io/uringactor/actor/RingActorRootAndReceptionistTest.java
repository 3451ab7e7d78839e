package io.uringactor.actor;

import static org.junit.jupiter.api.Assertions.*;

import io.uringactor.ring.Errno;
import io.uringactor.ring.ErrnoException;

import com.typesafe.config.ConfigFactory;

import org.apache.pekko.Done;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionException;

/** The root directory and the receptionist registration of a local ring actor. */
class RingActorRootAndReceptionistTest {
    private static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.parseString(
            "io-uring-actor.ring.register-with-receptionist = off"));

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static Set<ActorRef<RingCommand>> listed() {
        final TestProbe<Receptionist.Listing> probe = testKit.createTestProbe();
        testKit.system().receptionist().tell(Receptionist.find(RingActor.SERVICE_KEY, probe.ref()));
        return probe.receiveMessage().getServiceInstances(RingActor.SERVICE_KEY);
    }

    /** fds of this process that point at {@code path}. */
    private static long fdsOn(Path path) {
        long n = 0;
        for (File fd : Objects.requireNonNull(new File("/proc/self/fd").listFiles())) {
            try {
                n += Files.readSymbolicLink(fd.toPath()).equals(path) ? 1 : 0;
            } catch (IOException e) {
                // closed while listing
            }
        }
        return n;
    }

    @Test
    void settingsReadRootAndRegistration() {
        final RingSettings fromConfig = RingSettings.create(testKit.system());
        assertNull(fromConfig.rootDirectory());
        assertFalse(fromConfig.registerWithReceptionist());
        assertTrue(RingSettings.create(ConfigFactory.load().getConfig("io-uring-actor.ring")).registerWithReceptionist(),
                "registration is on by default");
        final RingSettings custom = RingSettings.create(ConfigFactory.parseString("root-directory = /srv/data")
                .withFallback(ConfigFactory.load().getConfig("io-uring-actor.ring")));
        assertEquals(Path.of("/srv/data"), custom.rootDirectory());
        assertEquals(dir, fromConfig.withRootDirectory(dir).rootDirectory());
        assertNull(custom.withRootDirectory(null).rootDirectory());
    }

    @Test
    void registersUntilShutdownAndClosesTheRootAtStop() throws Exception {
        final RingSettings settings = RingSettings.create(testKit.system()).withRootDirectory(dir)
                .withRegisterWithReceptionist(true);
        final ActorRef<RingCommand> ring = testKit.spawn(RingActor.create(settings), "registered", RingActor.props(settings));
        final RingClient client = RingClient.create(ring, testKit.system(), Duration.ofSeconds(10));
        final FileHandle file = client.open(Path.of("f"), OpenOptions.writeOnly().withCreate()).toCompletableFuture().join();
        client.write(file, 0, ByteString.fromString("beneath")).toCompletableFuture().join();
        assertEquals("beneath", Files.readString(dir.resolve("f")));
        assertEquals(1, fdsOn(dir.toRealPath()), "the root's descriptor");
        final Throwable escape = assertThrows(CompletionException.class,
                () -> client.open(dir.resolve("f"), OpenOptions.readOnly()).toCompletableFuture().join()).getCause();
        assertEquals(Errno.EXDEV, ((ErrnoException) escape).errno(), "an absolute path, even one inside the root");

        final long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!listed().contains(ring) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(listed().contains(ring));

        final TestProbe<StatusReply<Done>> stopped = testKit.createTestProbe();
        ring.tell(new RingCommand.Shutdown(stopped.ref()));
        assertEquals(Done.getInstance(), stopped.receiveMessage().getValue());
        stopped.expectTerminated(ring);
        assertFalse(listed().contains(ring));
        assertEquals(0, fdsOn(dir.toRealPath()), "the root's descriptor is closed");
    }

    @Test
    void unregisteredAndBoundRingsAreNotListed() throws Exception {
        final RingSettings settings = RingSettings.create(testKit.system());
        final ActorRef<RingCommand> plain = testKit.spawn(RingActor.create(settings), "unregistered", RingActor.props(settings));
        final RingSettings registering = settings.withRegisterWithReceptionist(true).withRootDirectory(dir);
        // registration is asked for, but a ring without a root offers the whole filesystem: not listed
        final ActorRef<RingCommand> unconfined = testKit.spawn(RingActor.create(settings.withRegisterWithReceptionist(true)),
                "unconfined", RingActor.props(settings));
        final ActorRef<RingCommand> bound = testKit.spawn(RingActor.createForFile(
                Files.writeString(dir.resolve("bound"), "x"), OpenOptions.readOnly(), registering), "bound",
                RingActor.props(registering));
        // a registered ring spawned after them is listed: the receptionist has seen the others by then
        final ActorRef<RingCommand> marker = testKit.spawn(RingActor.create(registering), "marker",
                RingActor.props(registering));
        final long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!listed().contains(marker) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        final Set<ActorRef<RingCommand>> rings = listed();
        assertTrue(rings.contains(marker));
        assertFalse(rings.contains(plain));
        assertFalse(rings.contains(bound));
        assertFalse(rings.contains(unconfined), "a ring without root-directory does not register by default");
        for (ActorRef<RingCommand> r : Set.of(plain, bound, marker, unconfined)) {
            final TestProbe<StatusReply<Done>> probe = testKit.createTestProbe();
            r.tell(new RingCommand.Shutdown(probe.ref()));
            assertEquals(Done.getInstance(), probe.receiveMessage().getValue());
        }
    }

    @Test
    void aMissingRootFailsTheStartAndEveryRequestSaysWhy() {
        final RingSettings settings = RingSettings.create(testKit.system()).withRootDirectory(dir.resolve("absent"));
        final ActorRef<RingCommand> ring = testKit.spawn(RingActor.create(settings), "no-root", RingActor.props(settings));
        final RingClient client = RingClient.create(ring, testKit.system(), Duration.ofSeconds(10));
        final Throwable failure = assertThrows(CompletionException.class,
                () -> client.open(Path.of("f"), OpenOptions.readOnly()).toCompletableFuture().join()).getCause();
        assertInstanceOf(RingStoppedException.class, failure);
        final ErrnoException cause = assertInstanceOf(ErrnoException.class, failure.getCause(), "the start's failure");
        assertEquals(Errno.ENOENT, cause.errno());
        assertTrue(failure.getMessage().contains("absent"), failure.getMessage());
        final Throwable noStats = assertThrows(CompletionException.class,
                () -> client.stats().toCompletableFuture().join()).getCause();
        assertInstanceOf(ErrnoException.class, assertInstanceOf(RingStoppedException.class, noStats).getCause(),
                "stats, too, say why the ring is not running");
        final TestProbe<StatusReply<Done>> stopped = testKit.createTestProbe();
        ring.tell(new RingCommand.Shutdown(stopped.ref()));
        assertEquals(Done.getInstance(), stopped.receiveMessage().getValue());
        stopped.expectTerminated(ring);
        final TestProbe<StatusReply<RingStats>> stats = testKit.createTestProbe();
        ring.tell(new RingCommand.GetStats(stats.ref()));
        assertInstanceOf(RingStoppedException.class, stats.receiveMessage().getError(),
                "a stopped ring's GetStats is answered too");
    }

    @Test
    void unconfinedRegistrationIsAnExplicitChoice() throws Exception {
        final RingSettings settings = RingSettings.create(testKit.system()).withRegisterWithReceptionist(true)
                .withRegisterWithoutRoot(true);
        assertFalse(RingSettings.create(ConfigFactory.load().getConfig("io-uring-actor.ring")).registerWithoutRoot(),
                "off by default");
        final ActorRef<RingCommand> ring = testKit.spawn(RingActor.create(settings), "unconfined-on-purpose",
                RingActor.props(settings));
        final long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!listed().contains(ring) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(listed().contains(ring));
        final TestProbe<StatusReply<Done>> stopped = testKit.createTestProbe();
        ring.tell(new RingCommand.Shutdown(stopped.ref()));
        assertEquals(Done.getInstance(), stopped.receiveMessage().getValue());
    }

    @Test
    void resolveNoSymlinksRefusesEvenASymlinkThatStaysInside() throws Exception {
        Files.writeString(dir.resolve("target"), "inside");
        Files.createSymbolicLink(dir.resolve("link"), Path.of("target")); // relative: it stays inside
        final RingSettings base = RingSettings.create(testKit.system()).withRootDirectory(dir);
        final RingSettings strict = base.withResolveNoSymlinks(true);
        final RingClient lenient = RingClient.create(testKit.spawn(RingActor.create(base), "lenient",
                RingActor.props(base)), testKit.system(), Duration.ofSeconds(10));
        final RingClient refusing = RingClient.create(testKit.spawn(RingActor.create(strict), "no-symlinks",
                RingActor.props(strict)), testKit.system(), Duration.ofSeconds(10));
        final FileHandle viaLink = lenient.open(Path.of("link"), OpenOptions.readOnly()).toCompletableFuture().join();
        assertEquals("inside", lenient.read(viaLink, 0, 6).toCompletableFuture().join().utf8String());
        final Throwable refused = assertThrows(CompletionException.class,
                () -> refusing.open(Path.of("link"), OpenOptions.readOnly()).toCompletableFuture().join()).getCause();
        assertEquals(Errno.ELOOP, ((ErrnoException) refused).errno());
        assertTrue(refused.getMessage().contains("resolve-no-symlinks"), refused.getMessage());
        final FileHandle direct = refusing.open(Path.of("target"), OpenOptions.readOnly()).toCompletableFuture().join();
        assertEquals("inside", refusing.read(direct, 0, 6).toCompletableFuture().join().utf8String());
    }
}
