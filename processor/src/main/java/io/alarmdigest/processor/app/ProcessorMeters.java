package io.alarmdigest.processor.app;

import io.alarmdigest.processor.topology.ProcessorMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

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
 * instance runs now and removes those of tasks gone, and is called whenever the streams are RUNNING (by then every
 * task's processors have created their sensors).
 */
final class ProcessorMeters implements AutoCloseable {
    static final String PREFIX = "alarm.digest.processor.";
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
    /** By meter (name and task): the metric it reads and the meter registered for it. */
    private final Map<String, Exported> exported = new HashMap<>();

    private record Exported(Metric metric, Meter meter) {
    }

    ProcessorMeters(KafkaStreams streams, MeterRegistry registry) {
        this(streams::metrics, registry, new KafkaStreamsMetrics(streams));
    }

    /** Exports the processor's own metrics of {@code metrics}, and what {@code binder} exports if not null. */
    ProcessorMeters(Supplier<Map<MetricName, ? extends Metric>> metrics, MeterRegistry registry,
                    KafkaStreamsMetrics binder) {
        this.metrics = metrics;
        this.registry = registry;
        this.binder = binder;
        if (binder != null) {
            binder.bindTo(registry);
        }
    }

    /** Registers the meters of the tasks running now; removes those whose task is gone or whose sensor was replaced. */
    synchronized void refresh() {
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
        if (binder != null) {
            binder.close();
        }
        exported.values().forEach(e -> registry.remove(e.meter()));
        exported.clear();
    }
}
