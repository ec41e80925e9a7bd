package io.alarmdigest.bridge;

import io.alarmdigest.logging.RateLimitedLog;
import io.alarmdigest.model.DlqReason;
import io.alarmdigest.model.HeaderNames;
import io.alarmdigest.model.Ids;
import io.alarmdigest.model.InvalidMessageException;
import io.alarmdigest.model.Rfc3339;
import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.FetchConsumeOptions;
import io.nats.client.FetchConsumer;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.api.StreamInfo;
import io.nats.client.impl.NatsJetStreamMetaData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NATS → Kafka, at least once. Takes messages from the input stream's durable pull consumer and writes each to its
 * subject's topic, keyed by UserID, value as received, timestamp = the time NATS stored it, with the contract's
 * {@code nats-*} headers. A message is acknowledged to NATS only after Kafka confirmed it; on a retriable Kafka
 * failure it is not acknowledged but nak'ed with backoff, so NATS delivers it again. A message without a usable
 * UserID, over the size limit, or refused by Kafka for good goes to the dead-letter topic, then is acknowledged:
 * nothing loops for ever, nothing is dropped.
 *
 * <p>At most {@code ingress.max.in.flight} messages are between NATS and a Kafka confirmation at any time (also the
 * consumer's max ack pending): while Kafka is away the ingress waits, its memory bounded, and resumes by itself.
 */
final class Ingress implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Ingress.class);
    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration STREAM_STATE_INTERVAL = Duration.ofSeconds(10);
    /** How long one fetch waits for messages; short, so that a stop or a NATS restart ends it soon. */
    private static final Duration FETCH_EXPIRY = Duration.ofSeconds(1);
    private static final int FETCH_MAX = 500;

    private final BridgeConfig config;
    private final Connection nats;
    private final Producer<String, byte[]> producer;
    private final BridgeMetrics metrics;
    /** Replaced when the stream or consumer had to be provisioned again (deleted, or the stream re-created). */
    private volatile NatsStreams.Input input;
    private ConsumerContext context;
    private final Semaphore inFlight;
    private final ConcurrentLinkedQueue<Refused> refused = new ConcurrentLinkedQueue<>();
    private final RateLimitedLog log = new RateLimitedLog(LOG);
    private final Thread thread;
    private volatile boolean running = true;

    Ingress(BridgeConfig config, Connection nats, Producer<String, byte[]> producer, BridgeMetrics metrics,
            NatsStreams.Input input) {
        this.config = config;
        this.nats = nats;
        this.producer = producer;
        this.metrics = metrics;
        this.input = input;
        this.inFlight = new Semaphore(config.ingressMaxInFlight());
        this.thread = new Thread(this::run, "alarm-digest-ingress");
    }

    void start() {
        thread.start();
        LOG.info("Ingress ready: stream {} (consumer {}) -> {} and {}", input.stream(), input.consumer(),
            config.topics().statusChanged(), config.topics().sendDigest());
    }

    /**
     * Pulls in explicit fetches of at most the free in-flight room, each living {@link #FETCH_EXPIRY}: what a fetch
     * delivers is read to its end before the next one starts, so on a graceful stop nothing fetched is left behind
     * unread (it would wait for the AckWait), and a fetch lost with a NATS restart ends by itself. A fetch ends as soon
     * as messages are there ("no wait" with an expiry): a lone message is not held until the batch fills or the fetch
     * expires, which made the digest latency of a quiet service about half the expiry (BENCHMARK.md).
     */
    private void run() {
        Backoff backoff = new Backoff(config.retryBackoffMax());
        long nextStreamState = 0;
        while (running) {
            try {
                deadLetterRefused();
                if (System.nanoTime() > nextStreamState) {
                    recordStreamState();
                    nextStreamState = System.nanoTime() + STREAM_STATE_INTERVAL.toNanos();
                }
                int room = Math.min(FETCH_MAX, inFlight.availablePermits());
                if (room == 0) {
                    // Kafka is slow or away: wait for confirmations rather than take more.
                    if (inFlight.tryAcquire(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
                        inFlight.release();
                    }
                    continue;
                }
                // The whole fetch is read before anything is sent: a send that blocks (Kafka away) must not keep
                // the client from taking what NATS already delivered, which it would drop once the fetch expired.
                // What was fetched before an error is still forwarded: it holds in-flight places and NATS waits for
                // its acknowledgement.
                List<Message> fetched = new ArrayList<>(room);
                try (FetchConsumer fetch = consumerContext()
                    .fetch(FetchConsumeOptions.builder().maxMessages(room).noWaitExpiresIn(FETCH_EXPIRY.toMillis()).build())) {
                    for (Message message = fetch.nextMessage(); message != null; message = fetch.nextMessage()) {
                        inFlight.acquire();
                        fetched.add(message);
                    }
                } finally {
                    forwardAll(fetched);
                }
                backoff.reset();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                // Not connected, stream or consumer gone, a status error: NATS reconnects by itself; try again.
                context = null;
                Duration wait = backoff.next();
                log.warn("consume", "Ingress could not read from JetStream ({}); trying again in {} ms", e.toString(),
                    wait.toMillis());
                sleep(wait);
                reprovision();
            }
        }
    }

    /**
     * Sends a fetched batch. If Kafka cannot even take a record (the producer's buffer is full or it has no metadata
     * within {@code max.block.ms}), the rest of the batch is handed back to NATS at once instead of each waiting
     * its own {@code max.block.ms}.
     */
    private void forwardAll(List<Message> fetched) {
        for (int i = 0; i < fetched.size(); i++) {
            RuntimeException refused = forward(fetched.get(i));
            if (refused != null) {
                for (Message rest : fetched.subList(i + 1, fetched.size())) {
                    retryLater(rest, refused);
                }
                return;
            }
        }
    }

    /**
     * Sends one message to Kafka; the callback acknowledges, retries or hands it to the dead-letter path.
     *
     * @return the error if the producer refused the record at once (it was handed back to NATS), else {@code null}
     */
    private RuntimeException forward(Message message) {
        NatsJetStreamMetaData meta = message.metaData();
        if (meta.deliveredCount() > 1) {
            metrics.increment(BridgeMetrics.INGRESS_REDELIVERED);
        }
        byte[] payload = message.getData() == null ? new byte[0] : message.getData();
        String topic = topicOf(message.getSubject());
        String userId;
        try {
            if (topic == null) {
                throw new InvalidMessageException(DlqReason.UNKNOWN_SUBJECT,
                    "subject " + message.getSubject() + " is not an input subject of the bridge");
            }
            if (payload.length > config.ingressMaxMessageBytes()) {
                throw new InvalidMessageException(DlqReason.TOO_LARGE, "the message has " + payload.length
                    + " bytes, more than " + BridgeConfig.INGRESS_MAX_MESSAGE_BYTES + "=" + config.ingressMaxMessageBytes());
            }
            userId = Ids.userIdOf(payload);
        } catch (InvalidMessageException e) {
            deadLetter(message, e);
            return null;
        }
        Instant stored = meta.timestamp().toInstant();
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, null, recordTime(topic, stored), userId,
            payload, natsHeaders(message, stored));
        // KafkaProducer reports a record it cannot even take (no metadata, buffer full within max.block.ms) by
        // calling the callback at once, on this thread.
        Thread caller = Thread.currentThread();
        Exception[] refusedAtOnce = new Exception[1];
        try {
            producer.send(record, (metadata, error) -> {
                if (error != null && Thread.currentThread() == caller) {
                    refusedAtOnce[0] = error;
                }
                if (error == null) {
                    acknowledge(message);
                    metrics.increment(BridgeMetrics.INGRESS_IN + message.getSubject());
                } else if (isAboutTheRecord(error)) {
                    // Producing from a producer callback could block its I/O thread: the ingress thread does it.
                    refused.add(new Refused(message, error));
                } else {
                    retryLater(message, error);
                }
            });
        } catch (RuntimeException e) {
            retryLater(message, e);
            return e;
        }
        Exception error = refusedAtOnce[0];
        return error == null ? null
            : error instanceof RuntimeException runtime ? runtime : new IllegalStateException(error);
    }

    /**
     * Whether Kafka refused the record itself, for good: only then is it a dead letter. Every other error — an
     * outage, a timeout, an authorization or producer-state error — is about Kafka, not the message, and the
     * message goes back to NATS to be tried again.
     */
    private static boolean isAboutTheRecord(Exception error) {
        return error instanceof RecordTooLargeException || error instanceof SerializationException;
    }

    /** Acknowledges to NATS and frees the message's in-flight place, whatever the ack does. */
    private void acknowledge(Message message) {
        try {
            message.ack();
        } catch (RuntimeException e) {
            // Connection closing or gone: NATS delivers the message again after the AckWait (a duplicate in Kafka).
            log.warn("ack", "Could not acknowledge a message on {} ({}); NATS delivers it again",
                message.getSubject(), e.toString());
        } finally {
            inFlight.release();
        }
    }

    private void retryLater(Message message, Exception error) {
        try {
            Duration delay = retryDelay(message.metaData().deliveredCount());
            metrics.increment(BridgeMetrics.INGRESS_RETRIES);
            log.warn("kafka", "Kafka did not take a message from {} ({}); NATS redelivers it in {} ms",
                message.getSubject(), error.toString(), delay.toMillis());
            message.nakWithDelay(delay);
        } catch (RuntimeException e) {
            log.warn("nak", "Could not hand a message on {} back to NATS ({}); it comes back after the AckWait",
                message.getSubject(), e.toString());
        } finally {
            inFlight.release();
        }
    }

    /**
     * The record timestamp: the NATS stored time in milliseconds, rounded down for events and up for requests.
     * Kafka Streams orders the two inputs by timestamp and breaks ties arbitrarily; rounding this way keeps an event
     * stored before a request in the same millisecond ahead of it (contract rule 3).
     */
    private long recordTime(String topic, Instant stored) {
        long millis = stored.toEpochMilli();
        boolean fraction = stored.getNano() % 1_000_000 != 0;
        return topic.equals(config.topics().sendDigest()) && fraction ? millis + 1 : millis;
    }

    private Duration retryDelay(long deliveries) {
        long ms = Math.min(config.retryBackoffMax().toMillis(), 100L << Math.min(20, Math.max(0, deliveries - 1)));
        return Duration.ofMillis(ms);
    }

    private void deadLetterRefused() {
        for (Refused next = refused.poll(); next != null; next = refused.poll()) {
            deadLetter(next.message, new InvalidMessageException(DlqReason.KAFKA_REFUSED,
                "Kafka refused the record for good: " + next.error));
        }
    }

    /** Writes the message to the dead-letter topic, then acknowledges it; if that fails too, NATS redelivers it. */
    private void deadLetter(Message message, InvalidMessageException problem) {
        byte[] payload = message.getData() == null ? new byte[0] : message.getData();
        Headers headers = natsHeaders(message, message.metaData().timestamp().toInstant());
        headers.add(HeaderNames.DLQ_REASON, problem.headerValue().getBytes(StandardCharsets.UTF_8));
        headers.add(HeaderNames.DLQ_SOURCE, message.getSubject().getBytes(StandardCharsets.UTF_8));
        if (payload.length > config.ingressMaxMessageBytes()) {
            headers.add(HeaderNames.DLQ_TRUNCATED_FROM,
                Integer.toString(payload.length).getBytes(StandardCharsets.UTF_8));
            payload = Arrays.copyOf(payload, config.ingressMaxMessageBytes());
        }
        log.warn(problem.reason().code(), "Dead-lettered a message on {} (stream seq {}): {}", message.getSubject(),
            message.metaData().streamSequence(), problem.headerValue());
        try {
            producer.send(new ProducerRecord<>(config.topics().deadLetter(), null, null, null, payload, headers),
                (metadata, error) -> {
                    if (error == null) {
                        acknowledge(message);
                        metrics.increment(BridgeMetrics.INGRESS_DEAD_LETTERS);
                    } else {
                        retryLater(message, error);
                    }
                });
        } catch (RuntimeException e) {
            retryLater(message, e);
        }
    }

    private Headers natsHeaders(Message message, Instant stored) {
        NatsJetStreamMetaData meta = message.metaData();
        Headers headers = new RecordHeaders();
        headers.add(HeaderNames.NATS_SUBJECT, message.getSubject().getBytes(StandardCharsets.UTF_8));
        headers.add(HeaderNames.NATS_STREAM, meta.getStream().getBytes(StandardCharsets.UTF_8));
        headers.add(HeaderNames.NATS_STREAM_CREATED, input.created().getBytes(StandardCharsets.UTF_8));
        headers.add(HeaderNames.NATS_STREAM_SEQ,
            Long.toString(meta.streamSequence()).getBytes(StandardCharsets.UTF_8));
        headers.add(HeaderNames.NATS_TIMESTAMP, Rfc3339.format(stored).getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    private String topicOf(String subject) {
        if (subject.equals(config.statusSubject())) {
            return config.topics().statusChanged();
        }
        if (subject.equals(config.requestSubject())) {
            return config.topics().sendDigest();
        }
        return null;
    }

    /** The consumer's context, looked up once (a JetStream API call) and again after an error. */
    private ConsumerContext consumerContext() throws IOException, JetStreamApiException {
        ConsumerContext current = context;
        if (current == null) {
            current = nats.getConsumerContext(input.stream(), input.consumer());
            context = current;
        }
        return current;
    }

    /** Provisions the stream and consumer again, e.g. after someone deleted them; quiet if NATS is away. */
    private void reprovision() {
        try {
            NatsStreams.Input again = NatsStreams.provisionInput(nats.jetStreamManagement(), config);
            if (!again.equals(input)) {
                LOG.warn("Input stream or consumer changed under the ingress: now {} (created {}), was {} (created {})",
                    again.stream(), again.created(), input.stream(), input.created());
                input = again;
                context = null;
            }
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            LOG.debug("Could not provision the input stream yet: {}", e.toString());
        }
    }

    private void recordStreamState() {
        try {
            StreamInfo info = nats.jetStreamManagement().getStreamInfo(input.stream());
            if (!Rfc3339.format(info.getCreateTime().toInstant()).equals(input.created())) {
                // Re-created: its sequences start again, and requests need the new creation time in their identity.
                reprovision();
            }
            metrics.gauge(BridgeMetrics.INPUT_STREAM_MESSAGES, info.getStreamState().getMsgCount());
            metrics.gauge(BridgeMetrics.INPUT_STREAM_BYTES, info.getStreamState().getByteCount());
            metrics.gauge(BridgeMetrics.INPUT_STREAM_MAX_MESSAGES, info.getConfiguration().getMaxMsgs());
            metrics.gauge(BridgeMetrics.INPUT_STREAM_MAX_BYTES, info.getConfiguration().getMaxBytes());
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            log.warn("stream-state", "Could not read the state of stream {}: {}", input.stream(), e.toString());
        }
    }

    private void sleep(Duration wait) {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /**
     * Stops taking messages, waits (up to the shutdown timeout) for those in flight to be confirmed by Kafka and
     * acknowledged to NATS; what is left unacknowledged, NATS delivers again.
     */
    @Override
    public void close() throws InterruptedException {
        running = false;
        long deadline = System.nanoTime() + config.shutdownTimeout().toNanos();
        thread.join(Math.max(1, remainingMs(deadline)));
        deadLetterRefused();
        if (!inFlight.tryAcquire(config.ingressMaxInFlight(), remainingMs(deadline), TimeUnit.MILLISECONDS)) {
            LOG.warn("Ingress stopped with {} messages unacknowledged; NATS will deliver them again",
                config.ingressMaxInFlight() - inFlight.availablePermits());
        } else {
            inFlight.release(config.ingressMaxInFlight());
        }
        // Waits for what is still in the producer, up to what is left of the shutdown timeout.
        producer.close(Duration.ofMillis(remainingMs(deadline)));
        LOG.info("Ingress stopped");
    }

    private static long remainingMs(long deadlineNanos) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }

    /** Stops taking messages at once, without waiting for anything: what a crash leaves behind, for tests. */
    void halt() {
        running = false;
    }

    private record Refused(Message message, Exception error) {
    }
}
