package io.alarmdigest.bridge;

import io.alarmdigest.logging.RateLimitedLog;
import io.alarmdigest.model.HeaderNames;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka → NATS, at least once. Reads committed digests from {@code alarm-digest} in a consumer group and publishes
 * each part, in partition order, on the digest subject with the contract's headers ({@code Digest-Id},
 * {@code Digest-Part}, {@code Digest-Parts}, {@code Nats-Msg-Id}). The offset is committed only after NATS confirmed:
 * a JetStream acknowledgement when the digest stream is provisioned (the stream drops a re-publication by its
 * {@code Nats-Msg-Id}), otherwise a core publish followed by a flush round trip. A failed publication is retried,
 * with exponential backoff, for ever: a digest is never skipped.
 */
final class Egress implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Egress.class);
    private static final Duration POLL = Duration.ofMillis(500);

    private final BridgeConfig config;
    private final Connection nats;
    private final Consumer<String, byte[]> consumer;
    private final BridgeMetrics metrics;
    private final JetStream jetStream;
    private final RateLimitedLog log = new RateLimitedLog(LOG);
    private final Thread thread;
    private volatile boolean running = true;

    Egress(BridgeConfig config, Connection nats, Consumer<String, byte[]> consumer, BridgeMetrics metrics)
        throws IOException {
        this.config = config;
        this.nats = nats;
        this.consumer = consumer;
        this.metrics = metrics;
        this.jetStream = config.digestStreamEnabled() ? nats.jetStream() : null;
        this.thread = new Thread(this::run, "alarm-digest-egress");
    }

    void start() {
        thread.start();
        LOG.info("Egress ready: {} -> NATS {} ({})", config.topics().digest(), config.digestSubject(),
            jetStream == null ? "core publish + flush" : "JetStream stream " + config.digestStream());
    }

    private void run() {
        try {
            consumer.subscribe(List.of(config.topics().digest()));
            while (running) {
                ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
                if (records.isEmpty()) {
                    continue;
                }
                List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>(records.count());
                records.forEach(batch::add);
                if (publishAll(batch)) {
                    commit(batch);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("Egress stopped on an unexpected error; uncommitted digests are published again on restart", e);
        } finally {
            consumer.close(Duration.ofMillis(config.shutdownTimeout().toMillis()));
        }
    }

    /** Publishes the batch until NATS confirmed every record; returns false only when stopping first. */
    private boolean publishAll(List<ConsumerRecord<String, byte[]>> batch) throws InterruptedException {
        Backoff backoff = new Backoff(config.retryBackoffMax());
        int confirmed = 0;
        while (confirmed < batch.size()) {
            confirmed = jetStream == null ? publishCore(batch, confirmed) : publishJetStream(batch, confirmed);
            if (confirmed < batch.size()) {
                if (!running) {
                    return false;
                }
                metrics.increment(BridgeMetrics.EGRESS_RETRIES);
                Duration wait = backoff.next();
                log.warn("publish", "NATS did not confirm digest {} ; publishing it again in {} ms",
                    digestId(batch.get(confirmed)), wait.toMillis());
                TimeUnit.MILLISECONDS.sleep(wait.toMillis());
            }
        }
        return true;
    }

    /** JetStream publications, pipelined; returns the index of the first record not confirmed. */
    private int publishJetStream(List<ConsumerRecord<String, byte[]>> batch, int from) throws InterruptedException {
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>(batch.size() - from);
        for (int i = from; i < batch.size(); i++) {
            ConsumerRecord<String, byte[]> record = batch.get(i);
            Headers headers = natsHeaders(record);
            PublishOptions options = PublishOptions.builder()
                .messageId(headers.getFirst("Nats-Msg-Id"))
                .expectedStream(config.digestStream())
                .streamTimeout(config.egressPublishTimeout())
                .build();
            acks.add(jetStream.publishAsync(config.digestSubject(), headers, record.value(), options));
        }
        for (int i = 0; i < acks.size(); i++) {
            try {
                PublishAck ack = acks.get(i).get(config.egressPublishTimeout().toMillis(), TimeUnit.MILLISECONDS);
                if (ack.isDuplicate()) {
                    metrics.increment(BridgeMetrics.EGRESS_DUPLICATES_DROPPED);
                }
                metrics.increment(BridgeMetrics.EGRESS_OUT);
            } catch (ExecutionException | TimeoutException e) {
                log.warn("jetstream", "JetStream publication failed: {}", String.valueOf(e.getCause() == null
                    ? e : e.getCause()));
                return from + i;
            }
        }
        return batch.size();
    }

    /** Core publications, then one flush round trip that confirms them all; returns how many are confirmed. */
    private int publishCore(List<ConsumerRecord<String, byte[]>> batch, int from) throws InterruptedException {
        for (int i = from; i < batch.size(); i++) {
            ConsumerRecord<String, byte[]> record = batch.get(i);
            try {
                nats.publish(config.digestSubject(), natsHeaders(record), record.value());
            } catch (IllegalStateException e) {
                log.warn("core", "NATS publication failed: {}", e.toString());
                return from;
            }
        }
        try {
            nats.flush(config.egressPublishTimeout());
        } catch (TimeoutException | IllegalStateException e) {
            log.warn("flush", "NATS did not answer the flush: {}", e.toString());
            return from;
        }
        for (int i = from; i < batch.size(); i++) {
            metrics.increment(BridgeMetrics.EGRESS_OUT);
        }
        return batch.size();
    }

    private void commit(List<ConsumerRecord<String, byte[]>> batch) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (ConsumerRecord<String, byte[]> record : batch) {
            offsets.put(new TopicPartition(record.topic(), record.partition()),
                new OffsetAndMetadata(record.offset() + 1));
        }
        try {
            consumer.commitSync(offsets);
        } catch (CommitFailedException | RebalanceInProgressException e) {
            // The partitions moved meanwhile: their new owner publishes these digests again (same Nats-Msg-Id).
            log.warn("commit", "Egress could not commit after publishing ({}); the digests will be published again",
                e.toString());
        }
    }

    /** The contract's NATS headers, from the record's digest headers (or its Kafka position, lacking those). */
    static Headers natsHeaders(ConsumerRecord<String, byte[]> record) {
        String id = digestId(record);
        String part = header(record, HeaderNames.DIGEST_PART, "1");
        String parts = header(record, HeaderNames.DIGEST_PARTS, "1");
        return new Headers()
            .put(HeaderNames.NATS_DIGEST_ID, id)
            .put(HeaderNames.NATS_DIGEST_PART, part)
            .put(HeaderNames.NATS_DIGEST_PARTS, parts)
            .put("Nats-Msg-Id", id + "#" + part);
    }

    private static String digestId(ConsumerRecord<String, byte[]> record) {
        return header(record, HeaderNames.DIGEST_ID,
            "kafka:" + record.topic() + ":" + record.partition() + ":" + record.offset());
    }

    private static String header(ConsumerRecord<String, byte[]> record, String key, String fallback) {
        Header header = record.headers().lastHeader(key);
        return header == null || header.value() == null ? fallback : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Stops after the batch in hand (published and committed, or left for the next start), within the timeout. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        // No wakeup(): the loop leaves after at most one poll interval, having committed what it published.
        thread.join(config.shutdownTimeout().toMillis());
        LOG.info("Egress stopped");
    }
}
