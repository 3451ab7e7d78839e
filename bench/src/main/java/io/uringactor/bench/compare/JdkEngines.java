package io.uringactor.bench.compare;

import static io.uringactor.bench.compare.RandomEngines.drive;
import static io.uringactor.bench.compare.RandomEngines.randomBlocks;
import static io.uringactor.bench.compare.RandomEngines.randomOffset;

import io.uringactor.bench.compare.Engine.Sample;
import io.uringactor.bench.compare.Engine.Skip;
import io.uringactor.bench.compare.Engine.Workload;

import com.sun.nio.file.ExtendedOpenOption;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** The JDK: FileChannel positional IO on a pool of qd threads, and AsynchronousFileChannel. */
final class JdkEngines {
    private JdkEngines() {
    }

    static Set<OpenOption> jdkOptions(Workload w) {
        final Set<OpenOption> options = new HashSet<>();
        options.add(w.write() ? StandardOpenOption.WRITE : StandardOpenOption.READ);
        if (w.direct()) {
            options.add(ExtendedOpenOption.DIRECT);
        }
        return options;
    }

    @SuppressWarnings("try") // see Engine
    static final class FileChannelPoolEngine implements Engine {
        private Workload w;
        private FileChannel channel;
        private ExecutorService pool;
        private ByteBuffer[] buffers;

        @Override
        public String name() {
            return "filechannel-pool";
        }

        @Override
        public Group group() {
            return Group.JAVA_PEER;
        }

        @Override
        public void setup(Workload workload) throws Exception {
            w = workload;
            channel = FileChannel.open(w.file(), jdkOptions(w));
            pool = Executors.newFixedThreadPool(w.qd(), r -> {
                final Thread t = new Thread(r, "compare-filechannel");
                t.setDaemon(true);
                return t;
            });
            buffers = randomBlocks(w.qd());
        }

        @Override
        public Sample run(long windowNanos, Recorder recorder) throws Exception {
            final long start = System.nanoTime();
            final long deadline = start + windowNanos;
            final List<Future<?>> tasks = new ArrayList<>();
            for (int t = 0; t < w.qd(); t++) {
                final ByteBuffer buffer = buffers[t];
                tasks.add(pool.submit(() -> {
                    while (System.nanoTime() < deadline) {
                        final long offset = randomOffset(w.blocks());
                        final long t0 = System.nanoTime();
                        buffer.clear();
                        while (buffer.hasRemaining()) {
                            final int n = w.write() ? channel.write(buffer, offset + buffer.position())
                                    : channel.read(buffer, offset + buffer.position());
                            if (n < 0) {
                                throw new IllegalStateException("end of file at " + offset);
                            }
                        }
                        recorder.record(System.nanoTime() - t0);
                    }
                    return null;
                }));
            }
            for (Future<?> task : tasks) {
                task.get();
            }
            return Sample.of(recorder, System.nanoTime() - start);
        }

        @Override
        public void close() throws Exception {
            if (pool != null) {
                pool.shutdownNow();
            }
            if (channel != null) {
                channel.close();
            }
        }
    }

    @SuppressWarnings("try") // see Engine
    static final class AsyncFileChannelEngine implements Engine {
        private Workload w;
        private AsynchronousFileChannel channel;
        private ExecutorService pool;
        private ByteBuffer[] buffers;

        @Override
        public String name() {
            return "async-filechannel";
        }

        @Override
        public Group group() {
            return Group.JAVA_PEER;
        }

        @Override
        public void setup(Workload workload) throws Exception {
            w = workload;
            pool = Executors.newFixedThreadPool(w.qd(), r -> {
                final Thread t = new Thread(r, "compare-afc");
                t.setDaemon(true);
                return t;
            });
            try {
                channel = AsynchronousFileChannel.open(w.file(), jdkOptions(w), pool);
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                throw new Skip("AsynchronousFileChannel refuses " + jdkOptions(w) + ": " + e);
            }
            buffers = randomBlocks(w.qd());
        }

        @Override
        public Sample run(long windowNanos, Recorder recorder) throws Exception {
            return drive(w.qd(), windowNanos, recorder, w.blocks(), (slot, offset) -> {
                final CompletableFuture<Integer> f = new CompletableFuture<>();
                final ByteBuffer b = buffers[slot].clear();
                final java.nio.channels.CompletionHandler<Integer, Void> handler = new java.nio.channels.CompletionHandler<>() {
                    @Override
                    public void completed(Integer n, Void attachment) {
                        f.complete(n);
                    }

                    @Override
                    public void failed(Throwable e, Void attachment) {
                        f.completeExceptionally(e);
                    }
                };
                if (w.write()) {
                    channel.write(b, offset, null, handler);
                } else {
                    channel.read(b, offset, null, handler);
                }
                return f;
            });
        }

        @Override
        public void close() throws Exception {
            if (channel != null) {
                channel.close();
            }
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }
}
