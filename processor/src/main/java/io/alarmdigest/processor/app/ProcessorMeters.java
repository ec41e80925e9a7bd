package io.alarmdigest.processor.app;

import io.alarmdigest.processor.config.BoundedMemoryRocksDbConfig;
import io.alarmdigest.processor.config.ProcessorConfig;
import io.alarmdigest.processor.topology.ProcessorMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports the processor's metrics, each once: Kafka Streams' own and its clients' (consumer lag, commit and process
 * rates, ...) through Micrometer's Kafka Streams binder, and the processor's own counters and timings
 * ({@link ProcessorMetrics}) as {@code alarm.digest.processor.<name>} with a {@value #TASK} tag, which the binder is
 * kept from exporting a second time under its own names. A counter {@code digests-total} becomes
 * {@code alarm_digest_processor_digests_total}; a timing's {@code digest-build-latency-avg} and {@code -max} become
 * gauges (milliseconds over the metrics sample window; 0 when nothing was timed in it).
 *
 * <p>The registry must deny the binder's copies with {@link #FILTER}, configured before any meter is registered in
 * it (Micrometer applies a filter only to meters registered after it).
 *
 * <p>The processor's sensors come and go with their tasks: {@link #refresh()} registers those of the tasks this
 * instance runs now and removes those of tasks gone or whose sensors were created anew (a task closed and started
 * again). It runs whenever the streams are RUNNING (by then every task's processors have created their sensors)
 * and every {@value #REFRESH_SECONDS} s, for a task restarted while they stay RUNNING.
 */
final class ProcessorMeters implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessorMeters.class);
    static final String PREFIX = "alarm.digest.processor.";
    static final long REFRESH_SECONDS = 10;
    static final String TASK = "task";
    private static final String TOTAL = "-total";
    private static final String LATENCY_AVG = "-latency-avg";
    private static final String LATENCY_MAX = "-latency-max";
    /** How Micrometer's Kafka binder names a metric of our group: {@code kafka.<group, less -metrics, dotted>.}. */
    private static final String BINDER_PREFIX = "kafka."
        + ProcessorMetrics.GROUP.substring(0, ProcessorMetrics.GROUP.length() - "-metrics".length()).replace('-', '.')
        + ".";

    /** Keeps the Kafka Streams binder from exporting the processor's own metrics under its names. */
    static final MeterFilter FILTER = MeterFilter.denyNameStartsWith(BINDER_PREFIX);

    private final Supplier<Map<MetricName, ? extends Metric>> metrics;
    private final MeterRegistry registry;
    /** Kafka Streams' own metrics and its clients'; none where only the processor's are exported (tests). */
    private final KafkaStreamsMetrics binder;
    private final ScheduledExecutorService refresher;
    /** By meter (name and task): the metric it reads and the meter registered for it. */
    private final Map<String, Exported> exported = new HashMap<>();

    private record Exported(Metric metric, Meter meter) {
    }

    /** RocksDB's memory: meters of their own, registered once, removed on close. */
    private final List<Meter> fixed = new ArrayList<>();

    ProcessorMeters(KafkaStreams streams, MeterRegistry registry, ProcessorConfig config) {
        this(streams::metrics, registry, new KafkaStreamsMetrics(streams), true);
        long cacheBytes = config.rocksDbBlockCacheBytes();
        long writeBufferBytes = config.rocksDbWriteBufferBytes();
        // RocksDB's off-heap memory, which the JVM's meters do not see: the shared block cache's use (0 when
        // rocksdb.config.setter replaces the service's own, which then owns the cache) and its size.
        fixed.add(Gauge.builder("alarm.digest.processor.rocksdb.block.cache.usage",
                () -> BoundedMemoryRocksDbConfig.blockCacheUsage(cacheBytes, writeBufferBytes))
            .baseUnit(BaseUnits.BYTES)
            .description("Bytes in RocksDB's shared block cache, memtables included")
            .register(registry));
        fixed.add(Gauge.builder("alarm.digest.processor.rocksdb.block.cache.capacity", () -> cacheBytes)
            .baseUnit(BaseUnits.BYTES)
            .description("The size of RocksDB's shared block cache (rocksdb.block.cache.bytes)")
            .register(registry));
    }

    /**
     * Exports the processor's own metrics of {@code metrics}, and what {@code binder} exports if not null;
     * {@code periodic}: refreshes on a thread of its own as well.
     */
    ProcessorMeters(Supplier<Map<MetricName, ? extends Metric>> metrics, MeterRegistry registry,
                    KafkaStreamsMetrics binder, boolean periodic) {
        this.metrics = metrics;
        this.registry = registry;
        this.binder = binder;
        if (binder != null) {
            binder.bindTo(registry);
        }
        this.refresher = periodic ? Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "alarm-digest-processor-meters");
            thread.setDaemon(true);
            return thread;
        }) : null;
        if (refresher != null) {
            refresher.scheduleWithFixedDelay(this::refresh, REFRESH_SECONDS, REFRESH_SECONDS, TimeUnit.SECONDS);
        }
    }

    /**
     * Registers the meters of the tasks running now; removes those whose task is gone or whose sensor was replaced.
     * Never throws: it runs on a stream thread's state change, which an exception would end.
     */
    synchronized void refresh() {
        try {
            exportCurrent();
        } catch (RuntimeException e) {
            LOG.warn("Could not update the processor's meters: {}", e.toString());
        }
    }

    private void exportCurrent() {
        Map<String, Metric> current = new HashMap<>();
        Map<String, MetricName> names = new HashMap<>();
        metrics.get().forEach((name, metric) -> {
            String meter = meterName(name);
            if (meter != null) {
                String key = meter + "/" + task(name);
                current.put(key, metric);
                names.put(key, name);
            }
        });
        for (Iterator<Map.Entry<String, Exported>> it = exported.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Exported> entry = it.next();
            if (current.get(entry.getKey()) != entry.getValue().metric()) {
                registry.remove(entry.getValue().meter());
                it.remove();
            }
        }
        current.forEach((key, metric) -> exported.computeIfAbsent(key, k -> register(names.get(k), metric)));
    }

    private Exported register(MetricName name, Metric metric) {
        String meter = meterName(name);
        Meter registered = name.name().endsWith(TOTAL)
            ? FunctionCounter.builder(meter, metric, ProcessorMeters::value).tag(TASK, task(name))
                .description(name.description()).register(registry)
            : Gauge.builder(meter, metric, ProcessorMeters::value).tag(TASK, task(name))
                .description(name.description()).register(registry);
        return new Exported(metric, registered);
    }

    /** The meter of one of the processor's metrics ({@code digests-total}: {@code alarm.digest.processor.digests}), or null. */
    static String meterName(MetricName name) {
        if (!name.group().equals(ProcessorMetrics.GROUP)) {
            return null;
        }
        String metric = name.name();
        if (metric.endsWith(TOTAL)) {
            return PREFIX + metric.substring(0, metric.length() - TOTAL.length()).replace('-', '.');
        }
        if (metric.endsWith(LATENCY_AVG) || metric.endsWith(LATENCY_MAX)) {
            return PREFIX + metric.replace('-', '.');
        }
        return null;
    }

    private static String task(MetricName name) {
        return name.tags().getOrDefault(ProcessorMetrics.TASK_TAG, "");
    }

    /** A metric's value; NaN (nothing timed in the window) as 0. */
    private static double value(Metric metric) {
        double value = ((Number) metric.metricValue()).doubleValue();
        return Double.isNaN(value) ? 0 : value;
    }

    @Override
    public synchronized void close() {
        if (refresher != null) {
            refresher.shutdownNow();
        }
        if (binder != null) {
            binder.close();
        }
        exported.values().forEach(e -> registry.remove(e.meter()));
        exported.clear();
        fixed.forEach(registry::remove);
        fixed.clear();
    }
}
