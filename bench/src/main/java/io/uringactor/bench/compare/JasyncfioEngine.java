package io.uringactor.bench.compare;

import static io.uringactor.bench.compare.RandomEngines.alignedBlock;
import static io.uringactor.bench.compare.RandomEngines.drive;
import static io.uringactor.bench.compare.RandomEngines.fillRandom;
import static io.uringactor.bench.compare.RandomEngines.randomBlocks;

import io.uringactor.bench.compare.Engine.Sample;
import io.uringactor.bench.compare.Engine.Skip;
import io.uringactor.bench.compare.Engine.Workload;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** jasyncfio 0.0.7: its own io_uring event loop, CompletableFutures. */
@SuppressWarnings("try") // see Engine
final class JasyncfioEngine implements Engine {
    private static final int BLOCK = Compare.BLOCK;

    private Workload w;
    private one.jasyncfio.EventExecutor executor;
    private one.jasyncfio.AsyncFile file;
    private ByteBuffer[] buffers;

    @Override
    public String name() {
        return "jasyncfio";
    }

    @Override
    public Group group() {
        return Group.JAVA_PEER;
    }

    @Override
    public void setup(Workload workload) throws Exception {
        w = workload;
        try {
            executor = one.jasyncfio.EventExecutor.initDefault();
            final List<one.jasyncfio.OpenOption> options = new ArrayList<>();
            options.add(w.write() ? one.jasyncfio.OpenOption.WRITE_ONLY : one.jasyncfio.OpenOption.READ_ONLY);
            if (w.direct()) {
                options.add(one.jasyncfio.OpenOption.DIRECT);
            }
            file = one.jasyncfio.AsyncFile.open(w.file(), executor, options.toArray(new one.jasyncfio.OpenOption[0]))
                    .get(10, TimeUnit.SECONDS);
            // a probe op: fails here (not in the measured run) when the library does not work on this kernel
            final ByteBuffer probe = alignedBlock();
            fillRandom(probe);
            final int n = (w.write() ? file.write(probe, 0L) : file.read(probe, 0L)).get(3, TimeUnit.SECONDS);
            if (n != BLOCK) {
                throw new Skip("jasyncfio: a probe " + (w.write() ? "write" : "read") + " returned " + n);
            }
        } catch (Skip e) {
            throw e;
        } catch (Throwable e) { // UnsatisfiedLinkError, ExceptionInInitializerError, ExecutionException ...
            final String cause = String.valueOf(e.getCause() != null ? e.getCause() : e);
            throw new Skip("jasyncfio failed its probe op: " + cause + (w.direct() && cause.contains("Error code: 95")
                    ? " (jasyncfio sends O_DIRECT files to its IOPOLL ring; this block device has no poll queues)"
                    : e instanceof java.util.concurrent.TimeoutException ? " (no answer from jasyncfio in time)" : ""));
        }
        buffers = randomBlocks(w.qd());
    }

    @Override
    public Sample run(long windowNanos, Recorder recorder) throws Exception {
        return drive(w.qd(), windowNanos, recorder, w.blocks(), (slot, offset) -> {
            final ByteBuffer b = buffers[slot].clear();
            return w.write() ? file.write(b, offset) : file.read(b, offset);
        });
    }

    @Override
    public void close() throws Exception {
        if (file != null) {
            file.close().get(10, TimeUnit.SECONDS);
        }
        if (executor != null) {
            executor.close();
        }
    }
}
