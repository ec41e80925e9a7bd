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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka → NATS, at least once. Reads committed digests from {@code alarm-digest} in a consumer group and publishes
 * each part, in partition order for each user, on the digest subject with the contract's headers ({@code Digest-Id},
 * {@code Digest-Part}, {@code Digest-Parts}, {@code Nats-Msg-Id}). The offset is committed only after NATS confirmed:
 * a JetStream acknowledgement when the digest stream is provisioned (the stream drops a re-publication by its
 * {@code Nats-Msg-Id}), otherwise a core publish followed by a flush round trip. A failed publication is retried,
 * with exponential backoff, for ever: a digest is never skipped.
 */
final class Egress implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Egress.class);
    private static final Duration POLL = Duration.ofMillis(500);
    /** Most JetStream publications awaiting their acknowledgement at once. */
    private static final int WAVE = 256;

    private final BridgeConfig config;
    private final Connection nats;
    private final Supplier<Consumer<String, byte[]>> consumers;
    private final BridgeMetrics metrics;
    private final JetStream jetStream;
    private final RateLimitedLog log = new RateLimitedLog(LOG);
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param consumers makes the Kafka consumer; a new one after an unexpected error, so that reading resumes from
     *     the last committed offset and nothing polled but unpublished is skipped
     */
    Egress(BridgeConfig config, Connection nats, Supplier<Consumer<String, byte[]>> consumers, BridgeMetrics metrics)
        throws IOException {
        this.config = config;
        this.nats = nats;
        this.consumers = consumers;
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
        Backoff backoff = new Backoff(config.retryBackoffMax());
        while (running) {
            try (Consumer<String, byte[]> consumer = consumers.get()) {
                consumer.subscribe(List.of(config.topics().digest()));
                while (running) {
                    ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
                    backoff.reset();
                    if (records.isEmpty()) {
                        continue;
                    }
                    List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>(records.count());
                    records.forEach(batch::add);
                    if (publishAll(batch)) {
                        commit(consumer, batch);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // The consumer is closed and a new one resumes from the last commit: nothing polled is skipped.
                Duration wait = backoff.next();
                log.warn("consumer", "Egress restarts its Kafka consumer in {} ms after: {}", wait.toMillis(),
                    e.toString());
                try {
                    TimeUnit.MILLISECONDS.sleep(wait.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Publishes the batch until NATS confirmed every record; returns false only when stopping first. */
    private boolean publishAll(List<ConsumerRecord<String, byte[]>> batch) throws InterruptedException {
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedException();
        }
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

    /**
     * JetStream publications, one at a time, each confirmed before the next, so that the stream holds the parts in
     * partition order even when one has to be published again; returns the index of the first record not
     * confirmed.
     */
    /**
     * Publishes in waves: each wave sends, without waiting, the next records up to one of a user who already has a
     * record in the wave (at most {@value #WAVE} records), then waits for all their acknowledgements. One user's
     * parts and digests are thus stored one after the other in partition order, as if published one at a time,
     * while the acknowledgements of different users' digests overlap (one at a time, the egress waited a round
     * trip per part and fell behind under load; BENCHMARK.md). Returns the index of the first record of a wave that
     * NATS did not confirm; its later records that were stored come back as duplicates when published again, and
     * none of them belongs to the same user.
     */
    private int publishJetStream(List<ConsumerRecord<String, byte[]>> batch, int from) throws InterruptedException {
        int next = from;
        while (next < batch.size()) {
            Set<String> users = new HashSet<>();
            List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
            int waveStart = next;
            while (next < batch.size() && acks.size() < WAVE && users.add(String.valueOf(batch.get(next).key()))) {
                try {
                    acks.add(publishAsync(batch.get(next)));
                } catch (RuntimeException e) {
                    // Not connected and the reconnect buffer is full, a record over the server's max_payload: not
                    // confirmed, so tried again; an operator must fix the last one.
                    log.warn("jetstream", "JetStream publication failed: {}", e.toString());
                    acks.add(CompletableFuture.failedFuture(e));
                    next++;
                    break;
                }
                next++;
            }
            for (int i = 0; i < acks.size(); i++) {
                ConsumerRecord<String, byte[]> record = batch.get(waveStart + i);
                try {
                    PublishAck ack = acks.get(i).get(config.egressPublishTimeout().toMillis(), TimeUnit.MILLISECONDS);
                    if (ack.isDuplicate()) {
                        metrics.increment(BridgeMetrics.EGRESS_DUPLICATES_DROPPED);
                    } else {
                        metrics.digestLatency(System.currentTimeMillis() - record.timestamp());
                    }
                    metrics.increment(BridgeMetrics.EGRESS_OUT);
                } catch (ExecutionException | TimeoutException e) {
                    // No acknowledgement in time, or an error (wrong stream, not connected): tried again from here.
                    log.warn("jetstream", "JetStream publication failed: {}",
                        (e instanceof ExecutionException ? e.getCause() : e).toString());
                    return waveStart + i;
                }
            }
        }
        return batch.size();
    }

    private CompletableFuture<PublishAck> publishAsync(ConsumerRecord<String, byte[]> record) {
        Headers headers = natsHeaders(record);
        PublishOptions options = PublishOptions.builder()
            .messageId(headers.getFirst("Nats-Msg-Id"))
            .expectedStream(config.digestStream())
            .streamTimeout(config.egressPublishTimeout())
            .build();
        return jetStream.publishAsync(config.digestSubject(), headers, record.value(), options);
    }

    /** Core publications, then one flush round trip that confirms them all; returns how many are confirmed. */
    private int publishCore(List<ConsumerRecord<String, byte[]>> batch, int from) throws InterruptedException {
        for (int i = from; i < batch.size(); i++) {
            ConsumerRecord<String, byte[]> record = batch.get(i);
            try {
                nats.publish(config.digestSubject(), natsHeaders(record), record.value());
            } catch (RuntimeException e) {
                log.warn("core", "NATS publication failed: {}", e.toString());
                return from;
            }
        }
        try {
            nats.flush(config.egressPublishTimeout());
        } catch (TimeoutException | RuntimeException e) {
            log.warn("flush", "NATS did not answer the flush: {}", e.toString());
            return from;
        }
        long now = System.currentTimeMillis();
        for (int i = from; i < batch.size(); i++) {
            metrics.increment(BridgeMetrics.EGRESS_OUT);
            metrics.digestLatency(now - batch.get(i).timestamp());
        }
        return batch.size();
    }

    private void commit(Consumer<String, byte[]> consumer, List<ConsumerRecord<String, byte[]>> batch) {
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
        } catch (RetriableException e) {
            // Kafka is slow or away: the next commit covers these offsets, or a restart publishes them again.
            log.warn("commit", "Egress could not commit yet ({}); the next commit covers it", e.toString());
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

    /**
     * Stops after the batch in hand, published and committed, within the shutdown timeout; a batch still waiting
     * for NATS by then is interrupted and left uncommitted, to be published again on the next start.
     */
    @Override
    public void close() throws InterruptedException {
        running = false;
        // No wakeup() at first: the loop leaves after at most one poll interval, having committed what it published.
        thread.join(config.shutdownTimeout().toMillis());
        if (thread.isAlive()) {
            thread.interrupt();
            thread.join(config.shutdownTimeout().toMillis());
        }
        LOG.info("Egress stopped");
    }
}
