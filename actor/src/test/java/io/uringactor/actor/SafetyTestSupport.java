package io.uringactor.actor;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Small helpers shared by the safety tests: bounded waits, reply classification, fd counting, FIFOs. */
final class SafetyTestSupport {
    private SafetyTestSupport() {
    }

    /** The value of {@code stage}, failing the test if it fails or is not done within {@code timeout}. */
    static <T> T await(CompletionStage<T> stage, Duration timeout, String what) {
        try {
            return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(what + ": no reply within " + timeout, e);
        } catch (ExecutionException e) {
            throw new AssertionError(what + ": failed with " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(what + ": interrupted", e);
        }
    }

    /**
     * The failure of {@code stage}, failing the test if it succeeds or does not complete within
     * {@code timeout} (a Pekko ask timeout also counts as "no reply").
     */
    static Throwable failureOf(CompletionStage<?> stage, Duration timeout, String what) {
        final Object value;
        try {
            value = stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(what + ": no reply within " + timeout, e);
        } catch (ExecutionException e) {
            final Throwable cause = unwrap(e.getCause());
            if (cause instanceof TimeoutException) {
                throw new AssertionError(what + ": the ask timed out (no reply): " + cause, cause);
            }
            return cause;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(what + ": interrupted", e);
        }
        throw new AssertionError(what + ": expected a failure, got " + value);
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** How a batch of requests was answered. */
    static final class Outcomes {
        final Map<String, Integer> counts = new LinkedHashMap<>();
        final Map<String, Throwable> samples = new LinkedHashMap<>();
        int unanswered;

        void add(String kind, Throwable sample) {
            counts.merge(kind, 1, Integer::sum);
            if (sample != null) {
                samples.putIfAbsent(kind, sample);
            }
        }

        int count(String kind) {
            return counts.getOrDefault(kind, 0);
        }

        int answered() {
            int n = 0;
            for (int c : counts.values()) {
                n += c;
            }
            return n;
        }

        @Override
        public String toString() {
            return "answered=" + answered() + " " + counts + ", unanswered=" + unanswered + ", samples=" + samples;
        }
    }

    /**
     * Waits, until one shared deadline, for every future and classifies its outcome: "ok" (passing
     * {@code check}), the failure's simple class name, "ask-timeout" for a Pekko ask timeout,
     * "recipient-terminated" for an ask Pekko failed at once because it knew the recipient (a local actor)
     * had terminated, or unanswered when the deadline passed first.
     */
    static <T> Outcomes classify(List<? extends CompletableFuture<T>> futures, Duration within,
                                 java.util.function.Predicate<T> check) {
        final Outcomes outcomes = new Outcomes();
        final long deadline = System.nanoTime() + within.toNanos();
        for (CompletableFuture<T> f : futures) {
            final long left = Math.max(0, deadline - System.nanoTime());
            try {
                final T value = f.get(left, TimeUnit.NANOSECONDS);
                outcomes.add(check.test(value) ? "ok" : "wrong-value", null);
            } catch (TimeoutException e) {
                outcomes.unanswered++;
            } catch (ExecutionException e) {
                final Throwable cause = unwrap(e.getCause());
                final String kind = !(cause instanceof TimeoutException) ? cause.getClass().getSimpleName()
                        : String.valueOf(cause.getMessage()).contains("had already been terminated")
                        ? "recipient-terminated" : "ask-timeout";
                outcomes.add(kind, cause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
        return outcomes;
    }

    /** Polls {@code condition} until it holds, failing with {@code message} after {@code within}. */
    static void awaitCondition(Duration within, Supplier<String> message, BooleanSupplier condition) {
        final long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + within + ": " + message.get());
            }
            try {
                Thread.sleep(10); // poll interval only
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** The symlink targets of this process' open fds. */
    static List<String> fdTargets() {
        final List<String> targets = new ArrayList<>();
        for (File fd : Objects.requireNonNull(new File("/proc/self/fd").listFiles())) {
            try {
                targets.add(Files.readSymbolicLink(fd.toPath()).toString());
            } catch (IOException e) {
                // closed while listing
            }
        }
        return targets;
    }

    static int fdsUnder(Path dir) {
        final String prefix = dir.toAbsolutePath().toString() + "/";
        int n = 0;
        for (String target : fdTargets()) {
            if (target.startsWith(prefix)) {
                n++;
            }
        }
        return n;
    }

    /** The soft "Max open files" limit of this process, from /proc/self/limits. */
    static long openFileLimit() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) {
                final String[] parts = line.substring("Max open files".length()).trim().split("\\s+");
                return "unlimited".equals(parts[0]) ? Long.MAX_VALUE : Long.parseLong(parts[0]);
            }
        }
        throw new AssertionError("no 'Max open files' in /proc/self/limits");
    }
}
