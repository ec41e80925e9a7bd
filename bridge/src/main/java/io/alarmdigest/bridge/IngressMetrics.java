package io.alarmdigest.bridge;

import io.alarmdigest.model.DlqReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ingress's meters, each tagged with the input {@code stream} it copies: what it copied (by {@code subject}) and
 * dead-lettered (by {@code reason}), its transactions, its faults (restarts, fencings, gaps, a stream found
 * re-created or rolled back), whether it is the active one, its committed and purged positions, and the input
 * stream's fill against its limits, so that an operator sees the stream filling while Kafka or the ingress is away.
 * Counters count what was committed to Kafka. Every meter exists from the start (a counter of each input subject and
 * of each dead-letter reason), so that a rate over it is defined before its first event; {@link #close()} removes
 * them.
 */
public final class IngressMetrics implements AutoCloseable {
    /** Counter, tag {@code subject}: messages copied into the input topic. */
    public static final String MESSAGES = "alarm.digest.ingress.messages";
    /** Counter, tag {@code reason} (the {@code dlq-reason} code): messages copied to the dead-letter topic. */
    public static final String DEAD_LETTERS = "alarm.digest.ingress.dead.letters";
    /** Timer: transactions committed, from their first message to their commit. */
    public static final String TRANSACTIONS = "alarm.digest.ingress.transactions";
    /** Distribution: messages per committed transaction. */
    public static final String TRANSACTION_MESSAGES = "alarm.digest.ingress.transaction.messages";
    /** Counter: times the ingress dropped what it held and started again from the committed position. */
    public static final String RESTARTS = "alarm.digest.ingress.restarts";
    /** Counter: times another ingress fenced this one. */
    public static final String FENCED = "alarm.digest.ingress.fenced";
    /** Counter: stream sequences that never reached the ingress (messages the stream lost or dropped). */
    public static final String SEQUENCE_GAPS = "alarm.digest.ingress.sequence.gaps";
    /** Counter: the stream was found re-created (another creation time than the committed position's). */
    public static final String STREAM_RECREATED = "alarm.digest.ingress.stream.recreated";
    /** Counter: the stream was found to end below the committed position (it lost acknowledged messages). */
    public static final String STREAM_ROLLBACKS = "alarm.digest.ingress.stream.rollbacks";
    /** Gauge: 1 while this ingress is the active one of its stream, 0 while it stands by. */
    public static final String ACTIVE = "alarm.digest.ingress.active";
    /** Gauge: the last stream sequence committed to Kafka. */
    public static final String POSITION = "alarm.digest.ingress.position";
    /** Gauge: the stream is purged up to this sequence. */
    public static final String PURGED_UP_TO = "alarm.digest.ingress.purged.up.to";
    /** Gauges: the input stream's messages and bytes, its limits (-1: none) and its last sequence. */
    public static final String STREAM_MESSAGES = "alarm.digest.input.stream.messages";
    public static final String STREAM_BYTES = "alarm.digest.input.stream.bytes";
    public static final String STREAM_MAX_MESSAGES = "alarm.digest.input.stream.max.messages";
    public static final String STREAM_MAX_BYTES = "alarm.digest.input.stream.max.bytes";
    public static final String STREAM_LAST_SEQUENCE = "alarm.digest.input.stream.last.sequence";

    public static final String STREAM_TAG = "stream";
    public static final String SUBJECT_TAG = "subject";
    public static final String REASON_TAG = "reason";

    private final MeterRegistry registry;
    private final Tags tags;
    private final List<Meter> meters = new ArrayList<>();
    private final Map<String, Counter> messages = new HashMap<>();
    private final Map<DlqReason, Counter> deadLetters = new EnumMap<>(DlqReason.class);
    private final Timer transactions;
    private final DistributionSummary transactionMessages;
    private final Counter restarts;
    private final Counter fenced;
    private final Counter sequenceGaps;
    private final Counter streamRecreated;
    private final Counter streamRollbacks;
    private final AtomicLong active = new AtomicLong();
    private final AtomicLong position = new AtomicLong();
    private final AtomicLong purgedUpTo = new AtomicLong();
    private final AtomicLong streamMessages = new AtomicLong();
    private final AtomicLong streamBytes = new AtomicLong();
    private final AtomicLong streamMaxMessages = new AtomicLong();
    private final AtomicLong streamMaxBytes = new AtomicLong();
    private final AtomicLong streamLastSequence = new AtomicLong();

    /** @param subjects the input subjects of {@code stream} */
    IngressMetrics(MeterRegistry registry, String stream, List<String> subjects) {
        this.registry = registry;
        this.tags = Tags.of(STREAM_TAG, stream);
        this.transactions = add(Timer.builder(TRANSACTIONS).tags(tags)
            .description("Ingress transactions committed, from their first message to their commit")
            .register(registry));
        this.transactionMessages = add(DistributionSummary.builder(TRANSACTION_MESSAGES).tags(tags)
            .description("Messages per committed ingress transaction").register(registry));
        for (String subject : subjects) {
            messages.put(subject, add(Counter.builder(MESSAGES).tags(tags.and(SUBJECT_TAG, subject))
                .description("Messages copied into the input topic").register(registry)));
        }
        for (DlqReason reason : DlqReason.values()) {
            deadLetters.put(reason, add(Counter.builder(DEAD_LETTERS).tags(tags.and(REASON_TAG, reason.code()))
                .description("Messages copied to the dead-letter topic").register(registry)));
        }
        this.restarts = counter(RESTARTS, "Times the ingress started again from the committed position");
        this.fenced = counter(FENCED, "Times another ingress fenced this one");
        this.sequenceGaps = counter(SEQUENCE_GAPS, "Stream messages lost before the ingress copied them");
        this.streamRecreated = counter(STREAM_RECREATED, "Times the input stream was found created anew");
        this.streamRollbacks = counter(STREAM_ROLLBACKS, "Times the input stream ended below the committed position");
        gauge(ACTIVE, active, "1 while this ingress is the active one of its stream, 0 while it stands by");
        gauge(POSITION, position, "The last stream sequence committed to Kafka");
        gauge(PURGED_UP_TO, purgedUpTo, "The input stream is purged up to this sequence");
        gauge(STREAM_MESSAGES, streamMessages, "Messages in the input stream");
        gauge(STREAM_BYTES, streamBytes, "Bytes in the input stream");
        gauge(STREAM_MAX_MESSAGES, streamMaxMessages, "The input stream's message limit (-1: none)");
        gauge(STREAM_MAX_BYTES, streamMaxBytes, "The input stream's byte limit (-1: none)");
        gauge(STREAM_LAST_SEQUENCE, streamLastSequence, "The input stream's last sequence");
    }

    private <M extends Meter> M add(M meter) {
        meters.add(meter);
        return meter;
    }

    private Counter counter(String name, String description) {
        return add(Counter.builder(name).tags(tags).description(description).register(registry));
    }

    private void gauge(String name, AtomicLong value, String description) {
        add(Gauge.builder(name, value, AtomicLong::get).tags(tags).description(description).register(registry));
    }

    /** A transaction was committed: its messages by subject, its dead letters by reason, its duration. */
    void committed(Map<String, Long> bySubject, Map<DlqReason, Long> deadLettered, int messageCount,
                   Duration took, long lastSequence) {
        bySubject.forEach((subject, count) -> messages.get(subject).increment(count));
        deadLettered.forEach((reason, count) -> deadLetters.get(reason).increment(count));
        transactions.record(took);
        transactionMessages.record(messageCount);
        position.set(lastSequence);
    }

    void restarted() {
        restarts.increment();
    }

    void fenced() {
        fenced.increment();
    }

    void sequenceGap(long missing) {
        sequenceGaps.increment(missing);
    }

    void streamRecreated() {
        streamRecreated.increment();
    }

    void streamRolledBack() {
        streamRollbacks.increment();
    }

    void active(boolean now) {
        active.set(now ? 1 : 0);
    }

    void position(long lastSequence) {
        position.set(lastSequence);
    }

    void purgedUpTo(long sequence) {
        purgedUpTo.set(sequence);
    }

    void streamState(long messages, long bytes, long maxMessages, long maxBytes, long lastSequence) {
        streamMessages.set(messages);
        streamBytes.set(bytes);
        streamMaxMessages.set(maxMessages);
        streamMaxBytes.set(maxBytes);
        streamLastSequence.set(lastSequence);
    }

    /** Removes the meters from the registry (a bridge started again registers its own). */
    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}
