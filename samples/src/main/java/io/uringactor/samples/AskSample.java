package io.uringactor.samples;

import io.uringactor.actor.FileHandle;
import io.uringactor.actor.OpenOptions;
import io.uringactor.actor.RingCommand;
import io.uringactor.actor.RingExtension;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.util.ByteString;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sample 1: an actor that asks the ring actor for IO with {@code ActorContext.askWithStatus}: it opens a
 * file, writes a greeting, reads it back, closes the file, then reads through the closed handle to show a
 * typed failure. Each reply comes back as one of this actor's own messages.
 */
public final class AskSample {
    private AskSample() {
    }

    /** The greeter's protocol: what the ring's replies are turned into. */
    interface Event {
    }

    record Opened(FileHandle file) implements Event {
    }

    record Written(int bytes) implements Event {
    }

    record ReadBack(ByteString bytes) implements Event {
    }

    record Closed() implements Event {
    }

    record Failed(String step, Throwable cause) implements Event {
    }

    static Behavior<Event> greeter(ActorRef<RingCommand> ring, Path path, PrintStream out, CompletableFuture<String> result) {
        return Behaviors.setup(context -> {
            final Duration timeout = Duration.ofSeconds(5);
            context.askWithStatus(FileHandle.class, ring, timeout,
                    replyTo -> new RingCommand.Open(path.toString(), OpenOptions.readWrite().withCreate(), replyTo),
                    (file, failure) -> file != null ? new Opened(file) : new Failed("open", failure));
            return Behaviors.receive(Event.class)
                    .onMessage(Opened.class, opened -> {
                        out.println("opened " + path.getFileName());
                        context.askWithStatus(Integer.class, ring, timeout,
                                replyTo -> new RingCommand.Write(opened.file(), 0, ByteString.fromString("hello, io_uring"), replyTo),
                                (n, failure) -> n != null ? new Written(n) : new Failed("write", failure));
                        return afterOpen(context, ring, opened.file(), out, result, timeout);
                    })
                    .onMessage(Failed.class, failed -> fail(failed, out, result))
                    .build();
        });
    }

    private static Behavior<Event> afterOpen(ActorContext<Event> context, ActorRef<RingCommand> ring, FileHandle file,
                                             PrintStream out, CompletableFuture<String> result, Duration timeout) {
        return Behaviors.receive(Event.class)
                .onMessage(Written.class, written -> {
                    out.println("wrote " + written.bytes() + " bytes");
                    context.askWithStatus(ByteString.class, ring, timeout,
                            replyTo -> new RingCommand.Read(file, 0, 64, replyTo),
                            (bytes, failure) -> bytes != null ? new ReadBack(bytes) : new Failed("read", failure));
                    return Behaviors.same();
                })
                .onMessage(ReadBack.class, read -> {
                    out.println("read back: " + read.bytes().utf8String());
                    context.askWithStatus(Done.class, ring, timeout,
                            replyTo -> new RingCommand.Close(file, replyTo),
                            (done, failure) -> done != null ? new Closed() : new Failed("close", failure));
                    return Behaviors.same();
                })
                .onMessage(Closed.class, closed -> {
                    out.println("closed; now reading through the closed handle on purpose:");
                    context.askWithStatus(ByteString.class, ring, timeout,
                            replyTo -> new RingCommand.Read(file, 0, 64, replyTo),
                            (bytes, failure) -> bytes != null ? new ReadBack(bytes) : new Failed("read after close", failure));
                    return Behaviors.receive(Event.class)
                            .onMessage(Failed.class, failed -> {
                                out.println("  " + failed.step() + " failed as expected: "
                                        + failed.cause().getClass().getSimpleName() + ": " + failed.cause().getMessage());
                                result.complete("hello, io_uring");
                                return Behaviors.stopped();
                            })
                            .build();
                })
                .onMessage(Failed.class, failed -> fail(failed, out, result))
                .build();
    }

    private static Behavior<Event> fail(Failed failed, PrintStream out, CompletableFuture<String> result) {
        out.println(failed.step() + " failed: " + failed.cause());
        result.completeExceptionally(failed.cause());
        return Behaviors.stopped();
    }

    public static int run(String[] args, PrintStream out) throws Exception {
        final Path dir = Files.createTempDirectory("io-uring-ask");
        final CompletableFuture<String> result = new CompletableFuture<>();
        final ActorSystem<Void> system = ActorSystem.create(Behaviors.setup(context -> {
            final ActorRef<RingCommand> ring = RingExtension.get(context.getSystem()).ring();
            context.spawn(greeter(ring, dir.resolve("greeting.txt"), out, result), "greeter");
            return Behaviors.empty();
        }), "ask-sample");
        try {
            return "hello, io_uring".equals(result.get(20, TimeUnit.SECONDS)) ? 0 : 1;
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().join();
            Samples.deleteRecursively(dir);
        }
    }
}
