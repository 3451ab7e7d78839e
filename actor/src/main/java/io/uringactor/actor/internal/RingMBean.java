package io.uringactor.actor.internal;

import io.uringactor.actor.RingMXBean;
import io.uringactor.actor.RingSettings;

import org.HdrHistogram.Histogram;
import org.apache.pekko.actor.ActorPath;

import org.slf4j.Logger;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.function.ToLongFunction;

import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * A ring's {@link RingMXBean}, on the platform MBean server from the ring's start to its release. It reads the
 * ring's {@link RingCounters} and {@link NativeBufferPool} from the JMX thread with opaque loads (see
 * {@link RingCounters}): nothing here runs on, or locks, the ring's thread.
 */
final class RingMBean implements RingMXBean {
    static final String DOMAIN = "io.uringactor";
    /** How many same-named rings (same system name and path, different systems) get a name of their own. */
    private static final int MAX_INSTANCES = 1000;

    private final String actorPath;
    private final RingCounters counters;
    private final NativeBufferPool pool;
    private final int maxInFlight;
    private final String engine;
    private final java.util.function.Supplier<java.util.Map<String, Integer>> remoteFiles;
    private final Logger log;
    private ObjectName registeredAs;

    private RingMBean(ActorPath path, RingCounters counters, NativeBufferPool pool, RingSettings settings,
                      String engine, java.util.function.Supplier<java.util.Map<String, Integer>> remoteFiles, Logger log) {
        this.actorPath = path.toString();
        this.engine = engine;
        this.remoteFiles = remoteFiles;
        this.counters = counters;
        this.pool = pool;
        this.maxInFlight = settings.maxInFlight();
        this.log = log;
    }

    /** Registers the MBean of the ring at {@code path}; on failure logs a warning, and the ring serves without one. */
    static RingMBean register(ActorPath path, RingCounters counters, NativeBufferPool pool, RingSettings settings,
                              String engine, java.util.function.Supplier<java.util.Map<String, Integer>> remoteFiles,
                              Logger log) {
        final RingMBean bean = new RingMBean(path, counters, pool, settings, engine, remoteFiles, log);
        final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            for (int instance = 1; instance <= MAX_INSTANCES; instance++) {
                final ObjectName name = nameOf(path, instance);
                try {
                    server.registerMBean(bean, name);
                    bean.registeredAs = name;
                    return bean;
                } catch (InstanceAlreadyExistsException e) {
                    // the same path in another system of the same name: try the next instance number
                }
            }
            log.warn("Ring actor {} registers no MBean: {} others of its name are registered", path, MAX_INSTANCES);
        } catch (JMException | RuntimeException e) {
            log.warn("Ring actor {} could not register its MBean: {}", path, e.toString());
        }
        return bean;
    }

    /**
     * {@code io.uringactor:type=Ring,system=<system[@host:port]>,name=<path>}, plus {@code instance=<n>} from the
     * second instance on.
     */
    static ObjectName nameOf(ActorPath path, int instance) throws JMException {
        // Built as a string, not from a Hashtable: the keys keep this order, which the Prometheus JMX exporter's
        // rules match against (io.uringactor<type=Ring, system=..., name=...><>Completed).
        return new ObjectName(DOMAIN + ":type=Ring,system=" + value(path.address().hostPort())
                + ",name=" + value(path.toStringWithoutAddress()) + (instance > 1 ? ",instance=" + instance : ""));
    }

    /** {@code s} as an ObjectName value: as it is when it may be, else quoted. */
    private static String value(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (",=:\"*?\\\n".indexOf(s.charAt(i)) >= 0) {
                return ObjectName.quote(s);
            }
        }
        return s.isEmpty() ? ObjectName.quote(s) : s;
    }

    /** Unregisters the MBean; idempotent (every stop path calls it). */
    synchronized void unregister() {
        final ObjectName name = registeredAs;
        registeredAs = null;
        if (name != null) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
            } catch (InstanceNotFoundException e) {
                // someone unregistered it for us
            } catch (JMException | RuntimeException e) {
                log.warn("Ring actor {} could not unregister its MBean {}: {}", actorPath, name, e.toString());
            }
        }
    }

    @Override
    public String getActorPath() {
        return actorPath;
    }

    @Override
    public long getSubmitted() {
        return counters.submittedNow();
    }

    @Override
    public long getCompleted() {
        return counters.completedNow();
    }

    @Override
    public long getBatches() {
        return counters.batchesNow();
    }

    @Override
    public double getSqesPerEnter() {
        final long batches = counters.batchesNow();
        // read after batches: the ratio may be a little high for a moment, never divided by a stale zero
        return batches == 0 ? 0.0 : (double) counters.submittedNow() / batches;
    }

    @Override
    public int getMaxBatch() {
        return counters.maxBatchNow();
    }

    @Override
    public int getInFlight() {
        return counters.inFlightNow();
    }

    @Override
    public int getInFlightMax() {
        return counters.inFlightMaxNow();
    }

    @Override
    public java.util.Map<String, Integer> getRemoteFilesByNode() {
        return remoteFiles.get();
    }

    @Override
    public String getEngine() {
        return engine;
    }

    @Override
    public int getMaxInFlight() {
        return maxInFlight;
    }

    @Override
    public int getQueued() {
        return counters.queuedNow();
    }

    @Override
    public long getRejected() {
        return counters.refusedOverloadedNow();
    }

    @Override
    public long getRefusedInvalid() {
        return counters.refusedInvalidNow();
    }

    @Override
    public long getRefusedOverloaded() {
        return counters.refusedOverloadedNow();
    }

    @Override
    public long getRefusedStopped() {
        return counters.refusedStoppedNow();
    }

    @Override
    public Map<String, Long> getErrorsByErrno() {
        return counters.errorsNow();
    }

    @Override
    public long getErrors() {
        long sum = 0;
        for (long n : counters.errorsNow().values()) {
            sum += n;
        }
        return sum;
    }

    @Override
    public long getTimedOut() {
        return counters.timedOutNow();
    }

    @Override
    public long getNativeMemoryHeld() {
        return pool.heldNow();
    }

    @Override
    public long getNativeMemoryInUse() {
        // idle first: a buffer taken meanwhile makes this a little high for a moment, never negative
        final long idle = pool.idleNow();
        return Math.max(0, pool.heldNow() - idle);
    }

    @Override
    public long getNativeMemoryLimit() {
        return pool.limit();
    }

    @Override
    public long getLatencyCount() {
        return latency(Histogram::getTotalCount);
    }

    @Override
    public long getLatencyP50Nanos() {
        return latency(h -> h.getValueAtPercentile(50.0));
    }

    @Override
    public long getLatencyP99Nanos() {
        return latency(h -> h.getValueAtPercentile(99.0));
    }

    @Override
    public long getLatencyP999Nanos() {
        return latency(h -> h.getValueAtPercentile(99.9));
    }

    @Override
    public long getLatencyMaxNanos() {
        return latency(Histogram::getMaxValue);
    }

    private long latency(ToLongFunction<Histogram> read) {
        final Histogram h = counters.latencyNow();
        return h == null || h.getTotalCount() == 0 ? 0 : read.applyAsLong(h);
    }
}
