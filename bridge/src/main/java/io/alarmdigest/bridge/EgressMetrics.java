package io.alarmdigest.bridge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;

/**
 * The egress's meters: digest parts NATS confirmed, publications tried again, re-publications the digest stream
 * dropped as duplicates, and the digest latency. {@link #close()} removes them.
 */
public final class EgressMetrics implements AutoCloseable {
    /** Counter: digest parts published and confirmed by NATS (re-publications dropped as duplicates included). */
    public static final String MESSAGES = "alarm.digest.egress.messages";
    /** Counter: publications that NATS did not confirm in time and that are tried again. */
    public static final String RETRIES = "alarm.digest.egress.retries";
    /** Counter: re-publications the digest stream dropped by their {@code Nats-Msg-Id}. */
    public static final String DUPLICATES_DROPPED = "alarm.digest.egress.duplicates.dropped";
    /**
     * Timer, a histogram: from a digest request's NATS stored time (the digest record's timestamp) to the confirmed
     * publication of a part of its digest.
     */
    public static final String DIGEST_LATENCY = "alarm.digest.digest.latency";

    private final MeterRegistry registry;
    private final Counter messages;
    private final Counter retries;
    private final Counter duplicatesDropped;
    private final Timer latency;

    EgressMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.messages = Counter.builder(MESSAGES).description("Digest parts confirmed by NATS").register(registry);
        this.retries = Counter.builder(RETRIES).description("Digest publications tried again").register(registry);
        this.duplicatesDropped = Counter.builder(DUPLICATES_DROPPED)
            .description("Re-publications the digest stream dropped as duplicates").register(registry);
        this.latency = Timer.builder(DIGEST_LATENCY)
            .description("From a digest request's NATS stored time to the confirmed publication of its digest")
            .publishPercentileHistogram()
            .register(registry);
    }

    /** A part was confirmed, {@code latency} after its request was stored; a duplicate adds no latency. */
    void published(boolean duplicate, Duration latency) {
        messages.increment();
        if (duplicate) {
            duplicatesDropped.increment();
        } else {
            this.latency.record(latency.isNegative() ? Duration.ZERO : latency);
        }
    }

    void retried() {
        retries.increment();
    }

    /** Removes the meters from the registry (a bridge started again registers its own). */
    @Override
    public void close() {
        List.of(messages, retries, duplicatesDropped, latency).forEach(registry::remove);
    }
}
