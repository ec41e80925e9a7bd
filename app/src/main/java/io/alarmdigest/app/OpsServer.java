package io.alarmdigest.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.alarmdigest.bridge.BridgeApp;
import io.alarmdigest.processor.app.ProcessorApp;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's HTTP endpoint, on the JDK's own server: {@code /health} (the process is alive), {@code /ready}
 * (the processor's streams are running, the bridges' NATS connections are up and the ingress can be elected; 503
 * otherwise, with what is not)
 * and {@code /metrics} in Prometheus format via Micrometer: Kafka Streams' own metrics (consumer lag, commit and
 * process rates, the processor's dead-letter, digest and purge counters), the bridges' counters and input-stream
 * gauges, and the JVM's.
 */
final class OpsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OpsServer.class);
    /** Prometheus' text exposition format, as a plain scrape answers. */
    private static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";
    private static final String TOTAL = "_total";

    private final HttpServer server;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Set<String> bridgeMeters = new HashSet<>();
    private final Set<String> processorMeters = new HashSet<>();
    /**
     * Kafka Streams' metrics as of the current scrape: {@link KafkaStreams#metrics()} builds a map of every client's
     * metrics (thousands), so it is read once per scrape, not once per meter.
     */
    private volatile Map<MetricName, ? extends Metric> processorMetrics = Map.of();
    private volatile ProcessorApp processor;
    private volatile BridgeApp bridge;

    private OpsServer(HttpServer server) {
        this.server = server;
    }

    /** Starts serving on {@code port} (0: any free port). */
    static OpsServer start(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        OpsServer ops = new OpsServer(server);
        new JvmMemoryMetrics().bindTo(ops.registry);
        new JvmGcMetrics().bindTo(ops.registry);
        new JvmThreadMetrics().bindTo(ops.registry);
        new ProcessorMetrics().bindTo(ops.registry);
        server.createContext("/health", exchange -> respond(exchange, 200, "ok\n"));
        server.createContext("/ready", ops::ready);
        server.createContext("/metrics", ops::metrics);
        server.setExecutor(Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "alarm-digest-http");
            thread.setDaemon(true);
            return thread;
        }));
        server.start();
        LOG.info("HTTP endpoint on port {}: /health, /ready, /metrics", ops.port());
        return ops;
    }

    int port() {
        return server.getAddress().getPort();
    }

    void watch(ProcessorApp processor) {
        this.processor = processor;
        new KafkaStreamsMetrics(processor.streams()).bindTo(registry);
    }

    void watch(BridgeApp bridge) {
        this.bridge = bridge;
        Timer latency = Timer.builder("alarm_digest_digest_latency")
            .description("From a digest request's NATS stored time to the confirmed publication of its digest")
            .publishPercentileHistogram()
            .register(registry);
        bridge.metrics().onDigestLatency(millis -> latency.record(Math.max(0, millis), TimeUnit.MILLISECONDS));
    }

    private void ready(HttpExchange exchange) throws IOException {
        StringBuilder notReady = new StringBuilder();
        ProcessorApp p = processor;
        if (p != null && p.streams().state() != KafkaStreams.State.RUNNING) {
            notReady.append("processor ").append(p.streams().state()).append('\n');
        }
        BridgeApp b = bridge;
        String problem = b == null ? null : b.problem();
        if (problem != null) {
            notReady.append("bridge: ").append(problem).append('\n');
        }
        if (p == null && b == null) {
            notReady.append("starting\n");
        }
        respond(exchange, notReady.length() == 0 ? 200 : 503, notReady.length() == 0 ? "ready\n" : notReady.toString());
    }

    /**
     * Every meter, or only those named by {@code name[]} query parameters ({@code /metrics?name[]=a&name[]=b}, as
     * Prometheus' own client libraries take them), which spares a frequent reader of a few counters the cost of
     * the rest. A counter may be named with or without its {@code _total} suffix.
     */
    private void metrics(HttpExchange exchange) throws IOException {
        registerBridgeMeters();
        registerProcessorMeters();
        Set<String> names = requestedNames(exchange.getRequestURI().getRawQuery());
        respond(exchange, 200, names.isEmpty() ? registry.scrape() : registry.scrape(TEXT_FORMAT, names));
    }

    static Set<String> requestedNames(String rawQuery) {
        Set<String> names = new HashSet<>();
        if (rawQuery == null) {
            return names;
        }
        for (String parameter : rawQuery.split("&")) {
            int equals = parameter.indexOf('=');
            if (equals < 0 || !URLDecoder.decode(parameter.substring(0, equals), StandardCharsets.UTF_8)
                .equals("name[]")) {
                continue;
            }
            String name = URLDecoder.decode(parameter.substring(equals + 1), StandardCharsets.UTF_8);
            names.add(name);
            if (name.endsWith(TOTAL)) {
                names.add(name.substring(0, name.length() - TOTAL.length()));
            }
        }
        return names;
    }

    /** The bridges' counters appear as they are first counted (one per subject): register the new ones. */
    private void registerBridgeMeters() {
        BridgeApp b = bridge;
        if (b == null) {
            return;
        }
        for (String name : b.metrics().snapshot().keySet()) {
            if (!bridgeMeters.add(name)) {
                continue;
            }
            String meter = "alarm_digest_bridge_" + name.replaceAll("[^A-Za-z0-9]", "_");
            if (b.metrics().isGauge(name)) {
                Gauge.builder(meter, b.metrics(), m -> m.snapshot().getOrDefault(name, 0L)).register(registry);
            } else {
                FunctionCounter.builder(meter, b.metrics(), m -> m.count(name)).register(registry);
            }
        }
    }

    /**
     * The processor's own counters (dead letters, digests, purges, ...) and timings (digest build) appear with their
     * tasks, after Micrometer's Kafka binder took its first look: register the new ones at each scrape, one series
     * per task.
     */
    private void registerProcessorMeters() {
        ProcessorApp p = processor;
        if (p == null) {
            return;
        }
        Map<MetricName, ? extends Metric> current = p.streams().metrics();
        processorMetrics = current;
        current.forEach((name, metric) -> {
            boolean counter = name.name().endsWith("-total");
            boolean timing = name.name().endsWith("-latency-avg") || name.name().endsWith("-latency-max");
            if (!name.group().equals(ProcessorApp.METRICS_GROUP) || !(counter || timing)) {
                return;
            }
            String task = name.tags().getOrDefault("alarm-digest-id", "");
            if (!processorMeters.add(name.name() + "/" + task)) {
                return;
            }
            String meter = "alarm_digest_processor_" + name.name().replace('-', '_');
            if (counter) {
                FunctionCounter.builder(meter, this, ops -> ops.processorValue(name))
                    .tag("task", task)
                    .register(registry);
            } else {
                // Milliseconds over the metrics sample window; NaN (no digest in the window) shows as 0.
                Gauge.builder(meter, this, ops -> ops.processorValue(name))
                    .tag("task", task)
                    .register(registry);
            }
        });
    }

    /** A processor metric's value in this scrape; 0 when its task is gone from this instance. */
    private double processorValue(MetricName name) {
        Metric metric = processorMetrics.get(name);
        double value = metric == null ? 0 : ((Number) metric.metricValue()).doubleValue();
        return Double.isNaN(value) ? 0 : value;
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        registry.close();
    }
}
