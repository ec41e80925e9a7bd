package io.alarmdigest.bridge;

import io.alarmdigest.logging.RateLimitedLog;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import java.io.IOException;
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
import org.apache.kafka.common.utils.Time;
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
    private final EgressMetrics metrics;
    private final Time time;
    private final JetStream jetStream;
    private final RateLimitedLog log = new RateLimitedLog(LOG);
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param consumers makes the Kafka consumer; a new one after an unexpected error, so that reading resumes from
     *     the last committed offset and nothing polled but unpublished is skipped
     */
    Egress(BridgeConfig config, Connection nats, Supplier<Consumer<String, byte[]>> consumers, EgressMetrics metrics,
           Time time) throws IOException {
        this.config = config;
        this.nats = nats;
        this.consumers = consumers;
        this.metrics = metrics;
        this.time = time;
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
                metrics.retried();
                Duration wait = backoff.next();
                log.warn("publish", "NATS did not confirm digest {} ; publishing it again in {} ms",
                    DigestMessages.digestId(batch.get(confirmed)), wait.toMillis());
                TimeUnit.MILLISECONDS.sleep(wait.toMillis());
            }
        }
        return true;
    }

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
                    metrics.published(ack.isDuplicate(), latency(record));
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
        Headers headers = DigestMessages.headers(record);
        PublishOptions options = PublishOptions.builder()
            .messageId(DigestMessages.messageId(headers))
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
                nats.publish(config.digestSubject(), DigestMessages.headers(record), record.value());
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
        for (int i = from; i < batch.size(); i++) {
            metrics.published(false, latency(batch.get(i)));
        }
        return batch.size();
    }

    /** From the request's NATS stored time, which the digest record carries as its timestamp, to now. */
    private Duration latency(ConsumerRecord<String, byte[]> record) {
        return Duration.ofMillis(time.milliseconds() - record.timestamp());
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
