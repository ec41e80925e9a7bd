package io.alarmdigest.bridge;

import io.alarmdigest.bridge.InputRecords.Copy;
import io.alarmdigest.bridge.InputRecords.StreamMessage;
import io.alarmdigest.logging.RateLimitedLog;
import io.alarmdigest.model.DlqReason;
import io.alarmdigest.model.Rfc3339;
import io.nats.client.ConsumeOptions;
import io.nats.client.Connection;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.PurgeOptions;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.api.StreamState;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NATS → Kafka, exactly once and in stream order (contract rules 3 and 8), the way Kafka Connect's exactly-once
 * sources work. While {@link IngressElection} elects this ingress, it copies the input stream:
 * <ol>
 *   <li>{@code initTransactions()} under the stream's transactional id: a stale ingress with that id is fenced and
 *       its open transaction aborted;</li>
 *   <li>the committed position is read back from the position topic ({@code read_committed});</li>
 *   <li>an ordered consumer (ephemeral, no acknowledgements) reads the stream from the sequence after it;</li>
 *   <li>each transaction holds a batch of messages — each one an input record keyed by UserID, or a dead letter —
 *       and, last, the position it reaches; it is committed once it has been open for the batch time, or sooner
 *       at the batch's count or byte limit;</li>
 *   <li>after a commit, the stream is purged below the committed position, now and then, and only if the stream is
 *       still the one the position was committed for.</li>
 * </ol>
 * Any error — a send that failed, an abort, a commit whose outcome is unknown, a broker or NATS outage — drops what
 * is held and starts again at step 1, so whatever happened, the records in Kafka are each stream message exactly
 * once, in stream order. A fenced ingress never retries on its own: it stands by until the group elects it again.
 *
 * <p>Each message's sequence must be the one after the last: a gap (messages the stream lost or dropped before they
 * were copied) is logged and counted, and so are a stream found re-created or ending below the committed position.
 */
final class Ingress implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Ingress.class);
    /** Longest wait for the first message of a transaction: how soon a stop or a lost election is noticed. */
    private static final Duration IDLE_WAIT = Duration.ofMillis(200);
    /** The shortest wait for a message (the client's timer resolution). */
    private static final Duration MIN_WAIT = Duration.ofMillis(1);
    private static final Duration STREAM_STATE_INTERVAL = Duration.ofSeconds(10);
    private static final Duration POSITION_READ_TIMEOUT = Duration.ofSeconds(60);
    /** A pull brings at most this many messages; its byte budget also fits the largest message NATS allows. */
    private static final int PULL_MESSAGES = 1_000;
    private static final long PULL_BYTES = 8L * 1024 * 1024;
    /** A pull lives this long; its heartbeats (half of it) tell the ordered consumer that it must start over. */
    private static final long PULL_EXPIRY_MS = 5_000;
    /** The input stream's fill above which the ingress warns that it may soon refuse messages. */
    private static final double FULL_WARNING = 0.9;
    /** The next sequence is not known (a read by stored time): the first message read sets it. */
    private static final long UNKNOWN = -1;

    private final BridgeConfig config;
    private final Connection nats;
    private final JetStreamManagement jsm;
    private final Supplier<Producer<String, byte[]>> producers;
    private final IngressMetrics metrics;
    private final Time time;
    private final IngressElection election;
    private final RateLimitedLog log = new RateLimitedLog(LOG);
    /** Sequences whose input record Kafka refused for good; the next attempt writes them as dead letters. */
    private final Set<Long> refusedByKafka = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private final Object termMonitor = new Object();
    /** Guarded by {@link #termMonitor}: a term (a stretch as the active ingress) is running. */
    private boolean inTerm;
    private volatile boolean running = true;

    /**
     * @param producers makes a transactional producer with the stream's transactional id; a new one for each term
     */
    Ingress(BridgeConfig config, Connection nats, Supplier<Producer<String, byte[]>> producers, IngressMetrics metrics,
            IngressElection election, Time time) throws IOException {
        this.config = config;
        this.nats = nats;
        this.jsm = nats.jetStreamManagement();
        this.producers = producers;
        this.metrics = metrics;
        this.election = election;
        this.time = time;
        this.thread = new Thread(this::run, "alarm-digest-ingress");
    }

    void start() {
        election.start(this::awaitTermEnd);
        thread.start();
        LOG.info("Ingress ready: stream {} -> topic {} (transactional id {}, positions in {})", config.inputStream(),
            config.topics().input(), config.ingressTransactionalId(), config.topics().ingressPosition());
    }

    private void run() {
        Backoff backoff = new Backoff(config.retryBackoffMax());
        while (running) {
            try {
                if (!election.awaitOwnership(IDLE_WAIT)) {
                    continue;
                }
                setInTerm(true);
                new Term().run();
                backoff.reset();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (StreamReplaced e) {
                metrics.restarted();
                LOG.warn("Ingress starts again: {}", e.getMessage());
            } catch (Exception e) {
                if (fenced(e)) {
                    metrics.fenced();
                    LOG.warn("Ingress {} was fenced: another ingress initialised transactional id {} ({}). Nothing it "
                        + "held is written; it stands by until the group elects it again", config.ingressInstanceId(),
                        config.ingressTransactionalId(), e.toString());
                    election.fenced();
                    continue;
                }
                metrics.restarted();
                Duration wait = backoff.next();
                log.warn("term", "Ingress dropped what it held and starts again from the committed position in {} ms, "
                    + "after: {}", wait.toMillis(), describe(e));
                sleep(wait);
            } finally {
                metrics.active(false);
                setInTerm(false);
            }
        }
    }

    /**
     * One stretch as the active ingress: from {@code initTransactions()} until a stop, a lost election or an error.
     * Not reused: an error ends it, and the next one starts from the committed position with a new producer and a
     * new consumer.
     */
    private final class Term {
        private final Producer<String, byte[]> producer;
        private final AtomicReference<Exception> sendError = new AtomicReference<>();
        private NatsStreams.Input input;
        private InputRecords records;
        private StreamPosition committed;
        private IterableConsumer messages;
        private long expected;
        private long lastConsumerSequence;
        private long purgedBelow;
        private long lastPurgeNanos = time.nanoseconds();
        private long lastStateNanos;
        private long reconnectsAtStart;

        private boolean open;
        private int batchMessages;
        private long batchBytes;
        private long batchLast;
        private Instant batchLastStored;
        private long openedNanos;
        private final Map<String, Long> batchBySubject = new HashMap<>();
        private final Map<DlqReason, Long> batchDeadLetters = new EnumMap<>(DlqReason.class);

        Term() {
            this.producer = producers.get();
        }

        void run() throws Exception {
            boolean clean = false;
            try {
                start();
                copy();
                if (open) {
                    commit();
                }
                if (!running) {
                    purge(true);
                }
                clean = true;
            } finally {
                close(clean);
            }
        }

        private void start() throws IOException, JetStreamApiException {
            reconnectsAtStart = nats.getStatistics().getReconnects();
            producer.initTransactions();
            input = NatsStreams.provisionInput(jsm, config);
            records = new InputRecords(config, input);
            Optional<StreamPosition> position = StreamPosition.readCommitted(config.positionConsumerProperties(),
                config.topics().ingressPosition(), input.stream(), POSITION_READ_TIMEOUT);
            StreamInfo info = jsm.getStreamInfo(input.stream());
            Resume resume = resumeAt(position, info.getStreamState());
            committed = resume.base();
            purgedBelow = Math.max(1, info.getStreamState().getFirstSequence());
            metrics.position(committed.lastSequence());
            metrics.purgedUpTo(purgedBelow - 1);
            recordStreamState(info);
            OrderedConsumerConfiguration from = new OrderedConsumerConfiguration();
            if (resume.afterStored() == null) {
                expected = resume.fromSequence();
                from.deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(expected);
            } else {
                expected = UNKNOWN;
                from.deliverPolicy(DeliverPolicy.ByStartTime)
                    .startTime(resume.afterStored().plusNanos(1).atZone(ZoneOffset.UTC));
            }
            messages = openConsumer(from);
            metrics.active(true);
            LOG.info("Ingress {} active: copying stream {} from {} (committed position: {})",
                config.ingressInstanceId(), input.stream(), resume.afterStored() == null ? "sequence " + expected
                    : "the first message stored after " + Rfc3339.format(resume.afterStored()), committed);
        }

        private IterableConsumer openConsumer(OrderedConsumerConfiguration from)
            throws IOException, JetStreamApiException {
            // A pull must have room for the largest message the server takes, or the server refuses the pull.
            long pullBytes = Math.max(PULL_BYTES, 2L * nats.getServerInfo().getMaxPayload());
            lastConsumerSequence = 0;
            return nats.getStreamContext(input.stream()).createOrderedConsumer(from)
                .iterate(ConsumeOptions.builder().batchSize(PULL_MESSAGES).batchBytes(pullBytes)
                    .expiresIn(PULL_EXPIRY_MS).build());
        }

        /**
         * Where to resume: after the committed position, unless the stream is not the one it was committed for
         * (re-created: copied from its start) or lost messages it had acknowledged (it ends below the position, and
         * its new messages reuse copied sequences: copied from the first one stored after the last copied message).
         */
        private Resume resumeAt(Optional<StreamPosition> position, StreamState state) {
            long first = Math.max(1, state.getFirstSequence());
            long last = state.getLastSequence();
            Resume fromStart = new Resume(new StreamPosition(input.stream(), input.created(), first - 1, null), first,
                null);
            if (position.isEmpty()) {
                if (first > 1) {
                    LOG.warn("No position is committed for stream {}, which starts at sequence {}: its earlier "
                        + "messages were purged, so the position topic {} was lost or emptied; copying the stream "
                        + "from its first message (the processor drops re-copied requests as duplicates)",
                        input.stream(), first, config.topics().ingressPosition());
                }
                return fromStart;
            }
            StreamPosition at = position.get();
            if (!at.created().equals(input.created())) {
                metrics.streamRecreated();
                LOG.warn("Stream {} was created at {}, but the committed position ({}) is of a stream created at {}: "
                    + "it was deleted and created anew. Copying the new stream from its first message (sequence {}); "
                    + "what the old one held and had not been copied is gone", input.stream(), input.created(), at,
                    at.created(), first);
                return fromStart;
            }
            if (last < at.lastSequence()) {
                metrics.streamRolledBack();
                LOG.error("Stream {} ends at sequence {}, below the committed position {}: the NATS server lost "
                    + "{} messages it had acknowledged (a crash before they reached the disk: run the stream with 3 "
                    + "replicas or the server with sync: always). New messages take those sequences again; copying "
                    + "{}. A request among them that takes the identity of one answered within "
                    + "request.dedupe.window.ms gets no digest", input.stream(), last, at, at.lastSequence() - last,
                    at.lastStored() == null ? "the stream from its first message"
                        : "the messages stored after " + at.lastStored() + ", the last one copied");
                if (at.lastStored() == null) {
                    return fromStart;
                }
                // Nothing below the first message still in the stream can be purged twice; the next commit moves on.
                return new Resume(at.at(first - 1, at.lastStored()), UNKNOWN,
                    Rfc3339.parse("LastStored", at.lastStored()));
            }
            return new Resume(at, at.lastSequence() + 1, null);
        }

        /**
         * Copies until a stop, a lost election or a reconnection to NATS: a server restart loses the consumer's
         * outstanding pull, which the ordered consumer notices only after missed heartbeats (seconds), so a new
         * term reads on from the committed position at once instead.
         */
        private void copy() throws Exception {
            long maxNanos = TimeUnit.MILLISECONDS.toNanos(config.ingressTransactionMaxMs());
            while (running && election.isOwner()) {
                if (nats.getStatistics().getReconnects() != reconnectsAtStart) {
                    LOG.info("NATS reconnected: the ingress reads stream {} on from the committed position",
                        input.stream());
                    return;
                }
                long left = open ? openedNanos + maxNanos - time.nanoseconds() : IDLE_WAIT.toNanos();
                Message message = left <= 0 ? null
                    : messages.nextMessage(Duration.ofNanos(Math.max(left, MIN_WAIT.toNanos())));
                if (message != null) {
                    take(message);
                }
                if (open && (batchMessages >= config.ingressTransactionMaxMessages()
                    || batchBytes >= config.ingressTransactionMaxBytes()
                    || time.nanoseconds() - openedNanos >= maxNanos)) {
                    commit();
                }
                if (!open) {
                    housekeeping();
                }
            }
        }

        /** Adds a message to the open transaction (opening one if needed): its input record or dead letter. */
        private void take(Message message) throws IOException, JetStreamApiException {
            long consumerSequence = message.metaData().consumerSequence();
            if (consumerSequence <= lastConsumerSequence) {
                // The ordered consumer started over (a NATS restart, missed heartbeats, a deleted stream) with a new
                // server-side consumer: make sure the stream is still the one being copied.
                requireSameStream(jsm.getStreamInfo(input.stream()));
            }
            lastConsumerSequence = consumerSequence;
            StreamMessage next = StreamMessage.of(message);
            long sequence = next.sequence();
            if (expected == UNKNOWN) {
                expected = sequence;
            }
            if (sequence < expected) {
                LOG.debug("Stream {} sequence {} delivered again; already copied", input.stream(), sequence);
                return;
            }
            if (sequence > expected) {
                long missing = sequence - expected;
                metrics.sequenceGap(missing);
                LOG.error("Stream {} skipped {} message(s), sequences {} to {}: they left the stream before they were "
                    + "copied (deleted, purged by someone else, or dropped by a limit) and are lost to the service",
                    input.stream(), missing, expected, sequence - 1);
            }
            expected = sequence + 1;
            batchLastStored = next.storedAt();
            Copy copy = refusedByKafka.contains(sequence)
                ? records.refusedByKafka(next, RecordTooLargeException.class.getSimpleName())
                : records.copyOf(next);
            if (!open) {
                producer.beginTransaction();
                open = true;
                openedNanos = time.nanoseconds();
            }
            producer.send(copy.record(), (metadata, error) -> {
                if (error != null) {
                    if (error instanceof RecordTooLargeException) {
                        refusedByKafka.add(sequence);
                    }
                    sendError.compareAndSet(null, error);
                }
            });
            if (sendError.get() != null) {
                throw new KafkaException("a record of the transaction could not be written", sendError.get());
            }
            batchMessages++;
            batchBytes += next.payload().length;
            batchLast = sequence;
            if (copy.deadLettered() == null) {
                batchBySubject.merge(next.subject(), 1L, Long::sum);
            } else {
                batchDeadLetters.merge(copy.deadLettered().reason(), 1L, Long::sum);
                log.warn(copy.deadLettered().reason().code(), "Dead-lettering the message on {} (stream {} sequence "
                    + "{}): {}", next.subject(), input.stream(), sequence, copy.deadLettered().headerValue());
            }
        }

        /** Writes the position the batch reaches and commits: the batch and its position, or neither. */
        private void commit() {
            StreamPosition reached = committed.at(batchLast, Rfc3339.format(batchLastStored));
            producer.send(records.position(reached), (metadata, error) -> {
                if (error != null) {
                    sendError.compareAndSet(null, error);
                }
            });
            // Throws if any record failed: the transaction is then aborted by the next term's initTransactions.
            producer.commitTransaction();
            Duration took = Duration.ofNanos(time.nanoseconds() - openedNanos);
            committed = reached;
            refusedByKafka.removeIf(sequence -> sequence <= reached.lastSequence());
            metrics.committed(batchBySubject, batchDeadLetters, batchMessages, took, reached.lastSequence());
            open = false;
            batchMessages = 0;
            batchBytes = 0;
            batchBySubject.clear();
            batchDeadLetters.clear();
        }

        /**
         * Between transactions: the stream's state now and then, and a purge when one is due. NATS being away is no
         * reason to stop copying (the ordered consumer resumes by itself once it is back): that is logged and tried
         * again later; a stream created anew is.
         */
        private void housekeeping() {
            try {
                if (time.nanoseconds() - lastStateNanos > STREAM_STATE_INTERVAL.toNanos()) {
                    lastStateNanos = time.nanoseconds();
                    StreamInfo info = jsm.getStreamInfo(input.stream());
                    requireSameStream(info);
                    recordStreamState(info);
                }
                purge(false);
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() == NatsStreams.STREAM_NOT_FOUND) {
                    throw new StreamReplaced("stream " + input.stream() + " was deleted while the ingress copied it");
                }
                log.warn("stream-state", "Ingress could not read or purge stream {} ({}); trying again later",
                    input.stream(), e.toString());
            } catch (IOException e) {
                log.warn("stream-state", "Ingress could not read or purge stream {} ({}); trying again later",
                    input.stream(), e.toString());
            }
        }

        /**
         * Purges the stream below the committed position, when {@link BridgeConfig#INGRESS_PURGE_EVERY_MESSAGES}
         * messages were committed since the last purge or {@link BridgeConfig#INGRESS_PURGE_INTERVAL_MS} passed
         * (or {@code now}), and only after checking that the stream is still the one the position belongs to.
         */
        private void purge(boolean now) throws IOException, JetStreamApiException {
            long upTo = committed.lastSequence();
            if (upTo < purgedBelow) {
                return;
            }
            boolean due = now || upTo - purgedBelow + 1 >= config.ingressPurgeEveryMessages()
                || time.nanoseconds() - lastPurgeNanos >= config.ingressPurgeInterval().toNanos();
            if (!due) {
                return;
            }
            lastPurgeNanos = time.nanoseconds();
            requireSameStream(jsm.getStreamInfo(input.stream()));
            jsm.purgeStream(input.stream(), PurgeOptions.builder().sequence(upTo + 1).build());
            purgedBelow = upTo + 1;
            metrics.purgedUpTo(upTo);
            LOG.debug("Purged stream {} up to sequence {}", input.stream(), upTo);
            if (!running) {
                return;
            }
            // A purge can leave the pull of the consumer that reads the stream unanswered (nats-server 2.9 here:
            // no message and no heartbeat until the client gives up on the pull, after about 10 s). The consumer
            // is replaced, reading on from the next sequence: what the old one had buffered is read again.
            closeConsumer();
            messages = openConsumer(new OrderedConsumerConfiguration().deliverPolicy(DeliverPolicy.ByStartSequence)
                .startSequence(expected));
        }

        /** The stream is still the one being copied: the same creation time, and all that was read still in it. */
        private void requireSameStream(StreamInfo info) {
            String created = Rfc3339.format(info.getCreateTime().toInstant());
            if (!created.equals(input.created())) {
                metrics.streamRecreated();
                throw new StreamReplaced("stream " + input.stream() + " was created anew at " + created + " while "
                    + "the ingress copied the one created at " + input.created());
            }
            long last = info.getStreamState().getLastSequence();
            if (expected != UNKNOWN && last < expected - 1) {
                throw new StreamReplaced("stream " + input.stream() + " ends at sequence " + last + ", below the "
                    + "last one read (" + (expected - 1) + "): it lost messages it had acknowledged");
            }
        }

        private void recordStreamState(StreamInfo info) {
            lastStateNanos = time.nanoseconds();
            Ingress.this.recordStreamState(info);
        }

        private void closeConsumer() {
            if (messages != null) {
                try {
                    messages.close();
                } catch (Exception e) {
                    LOG.debug("Closing the ordered consumer: {}", e.toString());
                }
                messages = null;
            }
        }

        private void close(boolean clean) {
            closeConsumer();
            try {
                // After an error nothing it holds may be written: what is open is aborted by the next term.
                producer.close(clean ? config.shutdownTimeout() : Duration.ZERO);
            } catch (RuntimeException e) {
                LOG.debug("Closing the ingress producer: {}", e.toString());
            }
        }
    }

    private void recordStreamState(StreamInfo info) {
        StreamState state = info.getStreamState();
        long maxBytes = info.getConfiguration().getMaxBytes();
        long maxMessages = info.getConfiguration().getMaxMsgs();
        metrics.streamState(state.getMsgCount(), state.getByteCount(), maxMessages, maxBytes, state.getLastSequence());
        double fill = Math.max(maxBytes > 0 ? (double) state.getByteCount() / maxBytes : 0,
            maxMessages > 0 ? (double) state.getMsgCount() / maxMessages : 0);
        if (fill >= FULL_WARNING) {
            log.warn("stream-full", "Input stream {} is {}% full ({} messages, {} bytes): when full it refuses new "
                + "messages, and plain publishers are not told. The ingress copies more slowly than they publish, "
                + "or Kafka is away", info.getConfiguration().getName(), Math.round(fill * 100), state.getMsgCount(),
                state.getByteCount());
        }
    }

    /** Waits (up to {@code timeout}) until no term runs: for the election, before it gives the partition up. */
    private void awaitTermEnd(Duration timeout) throws InterruptedException {
        try {
            time.waitObject(termMonitor, () -> !inTerm, time.milliseconds() + timeout.toMillis());
        } catch (TimeoutException e) {
            LOG.warn("Ingress did not finish its transaction within {}; the next ingress aborts it", timeout);
        }
    }

    private void setInTerm(boolean now) {
        synchronized (termMonitor) {
            inTerm = now;
            termMonitor.notifyAll();
        }
    }

    /**
     * Whether {@code e} (or what caused it) says that the producer's epoch is no longer the transactional id's:
     * another ingress initialised it, or the broker aborted a transaction that outlived its timeout. Either way this
     * ingress must not initialise the id again on its own, or two ingresses would fence each other in turn.
     */
    private static boolean fenced(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof ProducerFencedException || cause instanceof InvalidProducerEpochException) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Exception e) {
        if (e instanceof TimeoutException) {
            return e + " (Kafka did not answer in time; a commit's outcome is read back from the position topic)";
        }
        return e.getCause() == null || e.getCause() == e ? e.toString() : e + ", caused by " + e.getCause();
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
     * Where a term starts: the position it builds on, and the sequence to read from, or (after the stream lost
     * messages) the stored time after which to read.
     */
    private record Resume(StreamPosition base, long fromSequence, Instant afterStored) {
    }

    /** The stream is not the one the ingress was copying: start again from what is committed for the new one. */
    private static final class StreamReplaced extends RuntimeException {
        StreamReplaced(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Stops: the open transaction is committed (so that the next ingress does not copy it again), the stream purged
     * below the committed position, the producer closed, then the election group left, so that a standby takes over
     * at once. Within {@code shutdown.timeout.ms}.
     */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(Math.max(1, config.shutdownTimeout().toMillis()));
        if (thread.isAlive()) {
            LOG.warn("Ingress did not stop within {}; what it had not committed is copied again by the next one",
                config.shutdownTimeout());
        }
        election.close();
        LOG.info("Ingress stopped");
    }

    /** Why this ingress can never become the active one, or null: for the readiness check. */
    String problem() {
        return election.failure();
    }

}
