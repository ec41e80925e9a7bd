package io.alarmdigest.bridge;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * The bridges' counters, read by the metrics endpoint: a name like {@code ingress.in.AlarmStatusChanged} to a
 * monotonic count, plus the last seen state of the input stream (messages, bytes, limits) as gauges, so that an
 * operator sees the stream filling while Kafka or the ingress is away.
 */
public final class BridgeMetrics {
    public static final String INGRESS_IN = "ingress.in.";
    public static final String INGRESS_DEAD_LETTERS = "ingress.dead-letters";
    public static final String INGRESS_RETRIES = "ingress.retries";
    public static final String INGRESS_REDELIVERED = "ingress.redelivered";
    public static final String EGRESS_OUT = "egress.out";
    public static final String EGRESS_RETRIES = "egress.retries";
    public static final String EGRESS_DUPLICATES_DROPPED = "egress.duplicates-dropped";
    public static final String INPUT_STREAM_MESSAGES = "input-stream.messages";
    public static final String INPUT_STREAM_BYTES = "input-stream.bytes";
    public static final String INPUT_STREAM_MAX_MESSAGES = "input-stream.max-messages";
    public static final String INPUT_STREAM_MAX_BYTES = "input-stream.max-bytes";

    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    private final List<LongConsumer> latencyListeners = new CopyOnWriteArrayList<>();
    private final Map<String, Long> gauges = new ConcurrentHashMap<>();

    void increment(String name) {
        counters.computeIfAbsent(name, k -> new LongAdder()).increment();
    }

    /**
     * Digest latency: from the request (its NATS stored time, which the digest record carries as its timestamp) to
     * the confirmed publication of a digest part on NATS, in milliseconds; passed to every listener.
     */
    void digestLatency(long millis) {
        latencyListeners.forEach(listener -> listener.accept(millis));
    }

    /** Receives every digest latency, e.g. for a histogram of the metrics endpoint. */
    public void onDigestLatency(LongConsumer listener) {
        latencyListeners.add(listener);
    }

    void gauge(String name, long value) {
        gauges.put(name, value);
    }

    public long count(String name) {
        LongAdder counter = counters.get(name);
        return counter == null ? 0 : counter.sum();
    }

    /** Every counter and gauge, by name. */
    public Map<String, Long> snapshot() {
        Map<String, Long> all = new TreeMap<>(gauges);
        counters.forEach((name, counter) -> all.put(name, counter.sum()));
        return all;
    }
}
