package io.alarmdigest.bridge;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * The bridges' counters and gauges, read by the metrics endpoint: a name like {@code ingress.in.AlarmStatusChanged}
 * to a monotonic count; the ingress's state (active or standing by, committed position, purged-up-to, the last
 * transaction) and the last seen state of the input stream (messages, bytes, limits) as gauges, so that an operator
 * sees the stream filling while Kafka or the ingress is away.
 */
public final class BridgeMetrics {
    /** Counter per input subject: messages copied into the input topic (committed). */
    public static final String INGRESS_IN = "ingress.in.";
    /** Counter: messages copied to the dead-letter topic (committed). */
    public static final String INGRESS_DEAD_LETTERS = "ingress.dead-letters";
    /** Counter: ingress transactions committed, and the messages and milliseconds (begin to commit) they took. */
    public static final String INGRESS_TRANSACTIONS = "ingress.transactions";
    public static final String INGRESS_TRANSACTION_MESSAGES = "ingress.transaction-messages";
    public static final String INGRESS_TRANSACTION_MILLIS = "ingress.transaction-millis";
    /** Counter: times the ingress dropped what it held and started again from the committed position. */
    public static final String INGRESS_RESTARTS = "ingress.restarts";
    /** Counter: times another ingress fenced this one. */
    public static final String INGRESS_FENCED = "ingress.fenced";
    /** Counter: stream sequences that never reached the ingress (messages the stream lost or dropped). */
    public static final String INGRESS_SEQUENCE_GAPS = "ingress.sequence-gaps";
    /** Counter: the stream was found re-created (another creation time than the committed position's). */
    public static final String INGRESS_STREAM_RECREATED = "ingress.stream-recreated";
    /** Counter: the stream was found to end below the committed position (it lost acknowledged messages). */
    public static final String INGRESS_STREAM_ROLLBACKS = "ingress.stream-rollbacks";
    /** Gauge: 1 while this ingress is the active one of its stream, 0 while it stands by. */
    public static final String INGRESS_ACTIVE = "ingress.active";
    /** Gauge: the last stream sequence committed to Kafka. */
    public static final String INGRESS_POSITION = "ingress.position";
    /** Gauge: the stream is purged up to this sequence. */
    public static final String INGRESS_PURGED_UP_TO = "ingress.purged-up-to";
    /** Gauges: messages and milliseconds (begin to commit) of the last transaction. */
    public static final String INGRESS_LAST_TRANSACTION_MESSAGES = "ingress.last-transaction.messages";
    public static final String INGRESS_LAST_TRANSACTION_MILLIS = "ingress.last-transaction.millis";
    public static final String EGRESS_OUT = "egress.out";
    public static final String EGRESS_RETRIES = "egress.retries";
    public static final String EGRESS_DUPLICATES_DROPPED = "egress.duplicates-dropped";
    public static final String INPUT_STREAM_MESSAGES = "input-stream.messages";
    public static final String INPUT_STREAM_BYTES = "input-stream.bytes";
    public static final String INPUT_STREAM_MAX_MESSAGES = "input-stream.max-messages";
    public static final String INPUT_STREAM_MAX_BYTES = "input-stream.max-bytes";
    public static final String INPUT_STREAM_LAST_SEQUENCE = "input-stream.last-sequence";

    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    private final List<LongConsumer> latencyListeners = new CopyOnWriteArrayList<>();
    private final Map<String, Long> gauges = new ConcurrentHashMap<>();

    void increment(String name) {
        add(name, 1);
    }

    void add(String name, long amount) {
        counters.computeIfAbsent(name, k -> new LongAdder()).add(amount);
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

    /** Whether {@code name} is a gauge (a value that goes up and down), not a counter. */
    public boolean isGauge(String name) {
        return gauges.containsKey(name);
    }

    /** The gauge's last value, or -1 when it was never set. */
    public long gaugeValue(String name) {
        return gauges.getOrDefault(name, -1L);
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
