package io.uringactor.actor;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.util.ByteString;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The forked program of {@link NativeMemoryBudgetTest}: run with {@code -Xmx256m -XX:MaxDirectMemorySize=256m}.
 * Through the system's default ring (default settings, {@code pekko.jvm-exit-on-fatal-error = on}) it fires
 * bursts far over the direct memory limit: 70 concurrent 16 MiB reads, 70 concurrent 16 MiB writes, 30
 * readv of 2 x 8 MiB and 600 reads of 1 MiB. Every reply must be success (bytes checked against a
 * FileChannel oracle) or RingOverloadedException. Prints one line per burst, the direct memory in use after
 * GC, and exits 0 when every reply was acceptable; 2 on a wrong reply, 3 when replies are missing. A ring
 * thread that throws an Error makes Pekko exit the JVM with another code.
 */
public final class NativeMemoryBurst {
    static final int MIB = 1 << 20;
    static final int SIZE = 16 * MIB;

    private NativeMemoryBurst() {
    }

    /** Outcomes of one burst. */
    static final class Burst {
        final String name;
        final int requests;
        final CountDownLatch latch;
        final AtomicInteger ok = new AtomicInteger();
        final AtomicInteger overloaded = new AtomicInteger();
        final AtomicInteger wrong = new AtomicInteger();
        final AtomicInteger other = new AtomicInteger();
        final AtomicReference<String> sample = new AtomicReference<>();

        Burst(String name, int requests) {
            this.name = name;
            this.requests = requests;
            this.latch = new CountDownLatch(requests);
        }

        void answer(boolean correct, Throwable failure) {
            if (failure == null) {
                (correct ? ok : wrong).incrementAndGet();
                if (!correct) {
                    sample.compareAndSet(null, "wrong bytes");
                }
            } else {
                Throwable cause = failure;
                while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
                    cause = cause.getCause();
                }
                if (cause instanceof RingOverloadedException) {
                    overloaded.incrementAndGet();
                } else {
                    other.incrementAndGet();
                    sample.compareAndSet(null, cause.toString());
                }
            }
            latch.countDown();
        }

        boolean await() throws InterruptedException {
            return latch.await(90, TimeUnit.SECONDS);
        }

        int answered() {
            return ok.get() + overloaded.get() + wrong.get() + other.get();
        }

        boolean acceptable() {
            return answered() == requests && wrong.get() == 0 && other.get() == 0 && ok.get() > 0;
        }

        String summary() {
            return name + " answered=" + answered() + "/" + requests + " ok=" + ok + " overloaded=" + overloaded
                    + " wrong=" + wrong + " other=" + other + (sample.get() == null ? "" : " sample=" + sample.get());
        }
    }

    public static void main(String[] args) throws Exception {
        final Path dir = Path.of(args[0]);
        final Path source = dir.resolve("source.bin");
        final Path target = dir.resolve("target.bin");
        final byte[] generated = new byte[SIZE];
        new Random(42).nextBytes(generated);
        Files.write(source, generated);
        // The oracle is what a FileChannel reads back, not the array written.
        final byte[] oracle = new byte[SIZE];
        try (FileChannel channel = FileChannel.open(source, StandardOpenOption.READ)) {
            final ByteBuffer b = ByteBuffer.wrap(oracle);
            while (b.hasRemaining() && channel.read(b) > 0) {
                // read all
            }
        }
        final ByteBuffer expected = ByteBuffer.wrap(oracle).asReadOnlyBuffer();

        final Config config = ConfigFactory.parseString(String.join("\n",
                "pekko.jvm-exit-on-fatal-error = on",
                "pekko.loglevel = WARNING",
                "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off"))
                .withFallback(ConfigFactory.load());
        final ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "native-memory-burst", config);
        final RingClient ring = RingExtension.get(system).client();
        final boolean configured = config.hasPath("io-uring-actor.ring.max-native-memory");
        final long budget = configured ? config.getBytes("io-uring-actor.ring.max-native-memory") : 64L * MIB;
        System.out.println("max-native-memory=" + budget + (configured ? "" : " (not configured)") + " max-io-size=" + config.getBytes("io-uring-actor.ring.max-io-size"));
        final FileHandle in = ring.open(source, OpenOptions.readOnly()).toCompletableFuture().get(30, TimeUnit.SECONDS);
        final FileHandle out = ring.open(target, OpenOptions.readWrite().withCreate().withTruncate())
                .toCompletableFuture().get(30, TimeUnit.SECONDS);

        boolean allGood = true;
        boolean allAnswered = true;

        // 1. 70 concurrent 16 MiB reads. Replies are compared as they arrive and dropped: 70 copies of 16 MiB
        // would not fit the heap.
        final Burst reads = new Burst("reads", 70);
        for (int i = 0; i < reads.requests; i++) {
            ring.read(in, 0, SIZE).whenComplete((bytes, e) ->
                    reads.answer(e == null && expected.duplicate().equals(bytes.asByteBuffer()), e));
        }
        allAnswered &= reads.await();
        System.out.println(reads.summary());
        allGood &= reads.acceptable();

        // 2. 70 concurrent 16 MiB writes of the same bytes at offset 0.
        final Burst writes = new Burst("writes", 70);
        final ByteString data = ByteString.fromArrayUnsafe(oracle);
        for (int i = 0; i < writes.requests; i++) {
            ring.write(out, 0, data).whenComplete((n, e) -> writes.answer(e == null && n == SIZE, e));
        }
        allAnswered &= writes.await();
        System.out.println(writes.summary());
        allGood &= writes.acceptable();
        if (writes.ok.get() > 0) {
            final byte[] written = Files.readAllBytes(target);
            final boolean same = java.util.Arrays.equals(oracle, written);
            System.out.println("target equals source: " + same);
            allGood &= same;
        }

        // 3. 30 readv of two 8 MiB buffers.
        final Burst readvs = new Burst("readv", 30);
        final int half = SIZE / 2;
        for (int i = 0; i < readvs.requests; i++) {
            ring.readv(in, 0, List.of(half, half)).whenComplete((parts, e) -> readvs.answer(e == null
                    && parts.size() == 2
                    && expected.duplicate().limit(half).equals(parts.get(0).asByteBuffer())
                    && expected.duplicate().position(half).equals(parts.get(1).asByteBuffer()), e));
        }
        allAnswered &= readvs.await();
        System.out.println(readvs.summary());
        allGood &= readvs.acceptable();

        // 4. 600 concurrent 1 MiB reads: enough to give every in-flight slot a 1 MiB buffer.
        final Burst small = new Burst("reads-1MiB", 600);
        for (int i = 0; i < small.requests; i++) {
            final int offset = (i % 16) * MIB;
            ring.read(in, offset, MIB).whenComplete((bytes, e) -> small.answer(e == null
                    && expected.duplicate().position(offset).limit(offset + MIB).equals(bytes.asByteBuffer()), e));
        }
        allAnswered &= small.await();
        System.out.println(small.summary());
        allGood &= small.acceptable();

        // 5. After the pool has filled with 1 MiB buffers, 16 MiB requests still find room.
        final Burst again = new Burst("reads-after", 8);
        for (int i = 0; i < again.requests; i++) {
            ring.read(in, 0, SIZE).whenComplete((bytes, e) ->
                    again.answer(e == null && expected.duplicate().equals(bytes.asByteBuffer()), e));
        }
        allAnswered &= again.await();
        System.out.println(again.summary());
        allGood &= again.acceptable();

        // The ring still serves, and what it holds while idle falls back under the budget.
        final ByteString head = ring.read(in, 0, 4096).toCompletableFuture().get(30, TimeUnit.SECONDS);
        final boolean headOk = ByteBuffer.wrap(oracle, 0, 4096).equals(head.asByteBuffer());
        System.out.println("read after the bursts: " + (headOk ? "ok" : "WRONG"));
        allGood &= headOk;

        long direct = directUsed();
        for (int i = 0; i < 50 && direct > budget + 8L * MIB; i++) {
            System.gc();
            Thread.sleep(100); // poll interval while the cleaner frees collected buffers
            direct = directUsed();
        }
        System.out.println("directAfterGc=" + direct);

        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        System.out.println("summary: allAnswered=" + allAnswered + " allGood=" + allGood);
        System.out.flush();
        System.exit(!allAnswered ? 3 : allGood ? 0 : 2);
    }

    static long directUsed() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if ("direct".equals(pool.getName())) {
                return pool.getMemoryUsed();
            }
        }
        throw new IllegalStateException("no direct buffer pool");
    }
}
