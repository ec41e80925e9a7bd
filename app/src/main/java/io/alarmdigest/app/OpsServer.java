package io.alarmdigest.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.alarmdigest.bridge.BridgeApp;
import io.alarmdigest.processor.app.ProcessorApp;
import io.alarmdigest.processor.query.UserQueries;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's HTTP endpoint, on the JDK's own server: {@code /health} (the process is alive), {@code /ready}
 * (the processor's streams are running, the bridges' NATS connections are up and the ingress can be elected; 503
 * otherwise, with what is not) and {@code /metrics}: the process's meter registry ({@link #newRegistry()}) in
 * Prometheus' text format, where the processor and the bridges register their meters.
 */
final class OpsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OpsServer.class);
    /** Prometheus' text exposition format, as a plain scrape answers. */
    private static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";
    private static final String TOTAL = "_total";
    private static final int HTTP_THREADS = 16;

    private final HttpServer server;
    private final PrometheusMeterRegistry registry;
    private volatile ProcessorApp processor;
    private volatile BridgeApp bridge;

    /**
     * The threads that answer: a query forwarded to another instance waits up to its timeout for the answer, and
     * two instances asking each other must not take every thread of both, nor make a probe wait behind them.
     */
    private final ExecutorService executor;

    private OpsServer(HttpServer server, PrometheusMeterRegistry registry) {
        this.server = server;
        this.registry = registry;
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(HTTP_THREADS, runnable -> {
            Thread thread = new Thread(runnable, "alarm-digest-http-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * The process's meter registry, with the JVM's meters (memory, GC, threads, CPU); configured as the processor
     * needs it ({@link ProcessorApp#METER_FILTER}) before any meter is registered.
     */
    static PrometheusMeterRegistry newRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().meterFilter(ProcessorApp.METER_FILTER);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        return registry;
    }

    /** Starts serving {@code registry} on {@code address}, {@code port} (0: any free port). */
    static OpsServer start(String address, int port, PrometheusMeterRegistry registry) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(address, port), 0);
        OpsServer ops = new OpsServer(server, registry);
        server.createContext("/health", exchange -> respond(exchange, 200, "ok\n"));
        server.createContext("/ready", ops::ready);
        server.createContext("/metrics", ops::metrics);
        server.createContext("/users/", ops::users);
        server.setExecutor(ops.executor);
        server.start();
        LOG.info("HTTP endpoint on {}:{}: /health, /ready, /metrics, /users/<UserID>/pending, /users/<UserID>/alarms",
            address, ops.port());
        return ops;
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** The address it listens on. */
    InetSocketAddress address() {
        return server.getAddress();
    }

    /** Makes {@code /ready} answer for the processor too. */
    void watch(ProcessorApp processor) {
        this.processor = processor;
    }

    /** Makes {@code /ready} answer for the bridges too. */
    void watch(BridgeApp bridge) {
        this.bridge = bridge;
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
        Set<String> names = requestedNames(exchange.getRequestURI().getRawQuery());
        respond(exchange, 200, names.isEmpty() ? registry.scrape() : registry.scrape(TEXT_FORMAT, names));
    }

    /**
     * {@code GET /users/<UserID>/pending} and {@code /users/<UserID>/alarms}: the processor's interactive queries
     * ({@link UserQueries}), the UserID percent-encoded as one path segment.
     */
    private void users(HttpExchange exchange) throws IOException {
        String[] segments = exchange.getRequestURI().getRawPath().split("/", -1);
        UserQueries.Kind kind = segments.length == 4 ? UserQueries.Kind.ofPath(segments[3]) : null;
        if (kind == null || segments[2].isEmpty()) {
            respondJson(exchange, UserQueries.Answer.error(404, "ask /users/<UserID>/pending or /users/<UserID>/alarms"));
            return;
        }
        if (!"GET".equals(exchange.getRequestMethod())) {
            respondJson(exchange, UserQueries.Answer.error(405, "GET only"));
            return;
        }
        ProcessorApp p = processor;
        if (p == null) {
            respondJson(exchange, UserQueries.Answer.error(404, "no processor runs in this process; ask a processor's "
                + "endpoint"));
            return;
        }
        String userId = pathSegment(segments[2]);
        boolean forwarded = requested(exchange.getRequestURI().getRawQuery(), UserQueries.FORWARDED).contains("true");
        respondJson(exchange, p.queries().answer(kind, userId, forwarded));
    }

    /** A percent-encoded path segment, decoded ({@code +} is a plus sign in a path, not a space). */
    static String pathSegment(String raw) {
        return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The values of the query parameter {@code name} in {@code rawQuery}. */
    static List<String> requested(String rawQuery, String name) {
        List<String> values = new ArrayList<>();
        if (rawQuery == null) {
            return values;
        }
        for (String parameter : rawQuery.split("&")) {
            int equals = parameter.indexOf('=');
            if (equals >= 0 && URLDecoder.decode(parameter.substring(0, equals), StandardCharsets.UTF_8).equals(name)) {
                values.add(URLDecoder.decode(parameter.substring(equals + 1), StandardCharsets.UTF_8));
            }
        }
        return values;
    }

    static Set<String> requestedNames(String rawQuery) {
        Set<String> names = new HashSet<>();
        for (String name : requested(rawQuery, "name[]")) {
            names.add(name);
            if (name.endsWith(TOTAL)) {
                names.add(name.substring(0, name.length() - TOTAL.length()));
            }
        }
        return names;
    }

    private static void respondJson(HttpExchange exchange, UserQueries.Answer answer) throws IOException {
        respond(exchange, answer.status(), answer.body(), "application/json");
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        respond(exchange, status, body, "text/plain; charset=utf-8");
    }

    private static void respond(HttpExchange exchange, int status, String body, String contentType)
        throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
