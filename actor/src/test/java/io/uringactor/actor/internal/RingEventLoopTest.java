package io.uringactor.actor.internal;

import static org.junit.jupiter.api.Assertions.*;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** The event loop as an executor, without a ring: order, one thread, wake-ups, shutdown, no CPU when idle. */
class RingEventLoopTest {
    private final List<RingEventLoop> loops = new ArrayList<>();

    private RingEventLoop loop(long blockedTaskNanos) {
        return loop(blockedTaskNanos, 0);
    }

    private RingEventLoop loop(long blockedTaskNanos, long spinNanos) {
        final RingEventLoop loop = new RingEventLoop("test-loop", Executors.defaultThreadFactory(), blockedTaskNanos,
                spinNanos, 0);
        loops.add(loop);
        return loop;
    }

    @AfterEach
    void stopLoops() throws InterruptedException {
        for (RingEventLoop loop : loops) {
            loop.shutdown();
            assertTrue(loop.awaitTermination(10, TimeUnit.SECONDS), "the loop ends once its tasks ran");
        }
    }

    @Test
    void runsTasksFromOtherThreadsInOrderOnOneThread() throws Exception {
        final RingEventLoop loop = loop(0);
        final List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        final List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch done = new CountDownLatch(1000);
        for (int i = 0; i < 1000; i++) {
            final int n = i;
            loop.execute(() -> {
                order.add(n);
                threads.add(Thread.currentThread());
                assertTrue(RingEventLoop.onLoopThread());
                done.countDown();
            });
            if (i % 100 == 0) {
                Thread.sleep(5); // let the loop fall asleep now and then: each sleep must be ended by a task
            }
        }
        assertTrue(done.await(10, TimeUnit.SECONDS), "every task ran: " + order.size());
        for (int i = 0; i < 1000; i++) {
            assertEquals(i, order.get(i));
        }
        assertEquals(1, threads.stream().distinct().count(), "one thread runs them all");
        assertFalse(RingEventLoop.onLoopThread(), "the test's thread is no loop");
    }

    @Test
    void tasksSubmittedOnTheLoopRunAfterTheCurrentOneOnTheSameThread() throws Exception {
        final RingEventLoop loop = loop(0);
        final List<String> steps = Collections.synchronizedList(new ArrayList<>());
        final CompletableFuture<Thread> inner = new CompletableFuture<>();
        final AtomicReference<Thread> outer = new AtomicReference<>();
        loop.execute(() -> {
            outer.set(Thread.currentThread());
            loop.execute(() -> {
                steps.add("inner");
                inner.complete(Thread.currentThread());
            });
            steps.add("outer");
        });
        final Thread innerThread = inner.get(10, TimeUnit.SECONDS);
        assertSame(outer.get(), innerThread);
        assertEquals(List.of("outer", "inner"), steps);
    }

    @Test
    void aFailingTaskDoesNotEndTheLoop() throws Exception {
        final RingEventLoop loop = loop(0);
        loop.execute(() -> {
            throw new IllegalStateException("a task's own failure");
        });
        final CompletableFuture<String> after = new CompletableFuture<>();
        loop.execute(() -> after.complete("still running"));
        assertEquals("still running", after.get(10, TimeUnit.SECONDS));
    }

    @Test
    void shutdownRunsWhatIsQueuedThenRefusesOtherThreads() throws Exception {
        final RingEventLoop loop = loop(0);
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch ran = new CountDownLatch(2);
        loop.execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ran.countDown();
        });
        loop.execute(ran::countDown);
        loop.shutdown();
        assertTrue(loop.isShutdown());
        assertThrows(RejectedExecutionException.class, () -> loop.execute(() -> { }));
        assertFalse(loop.isTerminated(), "a task still runs");
        release.countDown();
        assertTrue(loop.awaitTermination(10, TimeUnit.SECONDS));
        assertEquals(0, ran.getCount(), "both queued tasks ran before the loop ended");
    }

    @Test
    void aTaskGivenWhileTheLoopShutsDownRunsOrIsRefused() throws Exception {
        final int senders = 3;
        final int each = 3000;
        for (int round = 0; round < 10; round++) {
            final RingEventLoop loop = loop(0);
            final AtomicInteger ran = new AtomicInteger();
            final AtomicInteger refused = new AtomicInteger();
            final CountDownLatch go = new CountDownLatch(1);
            final List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < senders; t++) {
                final Thread sender = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < each; i++) {
                        try {
                            loop.execute(ran::incrementAndGet);
                        } catch (RejectedExecutionException e) {
                            refused.incrementAndGet();
                        }
                    }
                });
                sender.start();
                threads.add(sender);
            }
            go.countDown();
            // shut down in the middle of the sends
            while (ran.get() + refused.get() < each) {
                Thread.onSpinWait();
            }
            loop.shutdown();
            for (Thread sender : threads) {
                sender.join(10_000);
            }
            assertTrue(loop.awaitTermination(10, TimeUnit.SECONDS));
            assertEquals(senders * each, ran.get() + refused.get(), "round " + round + ": every task ran or was refused ("
                    + ran.get() + " ran, " + refused.get() + " refused)");
        }
    }

    @Test
    void aPoolsIdleLoopsUseNoCpu() throws Exception {
        final LoopPool pool = new LoopPool(2, i -> loop(0));
        final ExecutorService shared = pool.sharedExecutor();
        // Bursts from outside and from the loops themselves, with backlogs that wake the other loop to steal.
        for (int i = 0; i < 100; i++) {
            shared.execute(() -> {
                for (int k = 0; k < 8; k++) {
                    shared.execute(() -> { });
                }
            });
            Thread.sleep(1);
        }
        final long[] ids = new long[2];
        for (int i = 0; i < 2; i++) {
            final CompletableFuture<Long> id = new CompletableFuture<>();
            final ExecutorService pinned = pool.pinnedExecutor(i);
            pinned.execute(() -> id.complete(Thread.currentThread().getId()));
            ids[i] = id.get(10, TimeUnit.SECONDS);
            pinned.shutdown();
        }
        assertNotEquals(ids[0], ids[1]);
        Thread.sleep(100);
        final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        final long[] before = {mx.getThreadCpuTime(ids[0]), mx.getThreadCpuTime(ids[1])};
        Thread.sleep(1000);
        for (int i = 0; i < 2; i++) {
            final long used = mx.getThreadCpuTime(ids[i]) - before[i];
            assertTrue(used < TimeUnit.MILLISECONDS.toNanos(10), "idle loop " + i + " used " + used / 1000 + " µs of CPU in 1 s");
        }
        shared.shutdown();
    }

    /** With and without the spin before sleeping: it spins once after work, never while idle. */
    @ParameterizedTest
    @ValueSource(longs = {0, 50_000})
    void anIdleLoopUsesNoCpu(long spinNanos) throws Exception {
        final RingEventLoop loop = loop(0, spinNanos);
        for (int i = 0; i < 100; i++) {
            loop.execute(() -> { }); // bursts of work, each followed by at most one spin
            Thread.sleep(1);
        }
        final CompletableFuture<Long> threadId = new CompletableFuture<>();
        loop.execute(() -> threadId.complete(Thread.currentThread().getId()));
        final long id = threadId.get(10, TimeUnit.SECONDS);
        Thread.sleep(100);
        final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        final long before = mx.getThreadCpuTime(id);
        Thread.sleep(1000);
        final long used = mx.getThreadCpuTime(id) - before;
        assertTrue(used < TimeUnit.MILLISECONDS.toNanos(10), "the idle loop used " + used / 1000 + " µs of CPU in 1 s");
    }

    @Test
    void aTaskThatHoldsTheLoopTooLongIsLoggedOnce() throws Exception {
        final Logger logger = (Logger) LoggerFactory.getLogger(RingEventLoop.class);
        final ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            final RingEventLoop loop = loop(TimeUnit.MILLISECONDS.toNanos(50));
            final CountDownLatch done = new CountDownLatch(3);
            for (int i = 0; i < 2; i++) {
                loop.execute(() -> {
                    sleep(120);
                    done.countDown();
                });
            }
            loop.execute(done::countDown); // quick: never logged
            assertTrue(done.await(10, TimeUnit.SECONDS));
            final List<ILoggingEvent> warnings = appender.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
            assertEquals(1, warnings.size(), "two slow tasks within a second: one warning, " + warnings);
            assertTrue(warnings.get(0).getFormattedMessage().contains("held the ring event loop test-loop for"),
                    warnings.get(0).getFormattedMessage());
        } finally {
            logger.detachAppender(appender);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
