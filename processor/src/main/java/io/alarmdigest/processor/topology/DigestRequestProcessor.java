package io.alarmdigest.processor.topology;

import io.alarmdigest.processor.config.ProcessorConfig;
import io.alarmdigest.model.AlarmDigest.ActiveAlarm;
import io.alarmdigest.model.HeaderNames;
import io.alarmdigest.model.InvalidMessageException;
import io.alarmdigest.model.SendAlarmDigest;
import io.alarmdigest.processor.state.UserAlarms;
import io.alarmdigest.processor.state.UserAlarms.UserAlarm;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@code SendAlarmDigest}: lists the user's due alarms (rule 2) oldest first (rule 4), writes them as one
 * digest in one or more parts (rules 6 and 11), then marks them delivered (rule 5). Parts, marks and the input
 * offset are one Kafka Streams transaction, so a crash leaves either all of them or none. A request already
 * answered within the dedupe window yields nothing (rule 7).
 */
final class DigestRequestProcessor implements Processor<String, byte[], String, byte[]> {
    private static final Logger LOG = LoggerFactory.getLogger(DigestRequestProcessor.class);

    /** Digests of at least this many alarms are logged with their build time (rare, and worth knowing about). */
    static final int LARGE_DIGEST = 1_000;

    private final long dedupeWindowMs;
    private final boolean emptyDigests;
    private final int maxBytes;
    private final int deadLetterMaxBytes;

    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<Bytes, byte[]> alarms;
    private WindowStore<String, Long> answered;
    private ProcessorMetrics metrics;
    /** From reading the user's alarms to the marks written: what answering a request costs the processor. */
    private Sensor digestBuild;
    private DeadLetters deadLetters;
    private Sensor digests;
    private Sensor digestParts;
    private Sensor duplicateRequests;

    DigestRequestProcessor(ProcessorConfig config) {
        this.dedupeWindowMs = config.requestDedupeWindowMs();
        this.emptyDigests = config.emptyDigests();
        this.maxBytes = config.digestMaxBytes();
        this.deadLetterMaxBytes = config.deadLetterMaxBytes();
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.alarms = context.getStateStore(DigestTopology.ALARM_STORE);
        this.answered = context.getStateStore(DigestTopology.DEDUPE_STORE);
        this.metrics = new ProcessorMetrics(context);
        this.deadLetters = new DeadLetters(context, metrics, deadLetterMaxBytes);
        this.digests = metrics.counter(ProcessorMetrics.DIGESTS);
        this.digestParts = metrics.counter(ProcessorMetrics.DIGEST_PARTS);
        this.duplicateRequests = metrics.counter(ProcessorMetrics.DUPLICATE_REQUESTS);
        this.digestBuild = metrics.latency(ProcessorMetrics.DIGEST_BUILD);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        SendAlarmDigest request;
        RequestIdentity identity;
        try {
            request = SendAlarmDigest.parse(RecordChecks.requireValue(record.value()));
            RecordChecks.requireKeyIsUser(record.key(), request.userId());
            identity = RequestIdentity.of(record.headers(), context.recordMetadata().orElseThrow());
        } catch (InvalidMessageException e) {
            deadLetters.send(record, e);
            return;
        }
        if (identity.deduplicated() && alreadyAnswered(identity, record.timestamp())) {
            duplicateRequests.record();
            LOG.debug("Request {} for user {} was answered already; no second digest", identity.digestId(),
                request.userId());
            return;
        }

        long started = System.nanoTime();
        List<UserAlarm> due = UserAlarms.pending(alarms, request.userId());
        if (due.isEmpty() && !emptyDigests) {
            return;
        }
        List<ActiveAlarm> listed = new ArrayList<>(due.size());
        for (UserAlarm alarm : due) {
            listed.add(ActiveAlarm.of(alarm.alarmId(), alarm.state().current().status(),
                alarm.state().current().changedAt()));
        }
        List<byte[]> parts = DigestWriter.write(request.userId(), listed, maxBytes);
        for (int i = 0; i < parts.size(); i++) {
            context.forward(record
                .withValue(parts.get(i))
                .withHeaders(partHeaders(identity.digestId(), i + 1, parts.size())), DigestTopology.DIGEST_SINK);
        }
        // One RocksDB write batch for all marks (a 10,000-alarm digest: one JNI call instead of 10,000).
        List<KeyValue<Bytes, byte[]>> marks = new ArrayList<>(due.size());
        for (UserAlarm alarm : due) {
            marks.add(KeyValue.pair(alarm.key(), alarm.state().delivered().encode()));
        }
        alarms.putAll(marks);
        digests.record();
        for (int i = 0; i < parts.size(); i++) {
            digestParts.record();
        }
        double buildMillis = (System.nanoTime() - started) / 1e6;
        digestBuild.record(buildMillis);
        if (due.size() >= LARGE_DIGEST) {
            LOG.info("Digest {} for user {}: {} alarms in {} parts, built in {} ms", identity.digestId(),
                request.userId(), due.size(), parts.size(), String.format(Locale.ROOT, "%.1f", buildMillis));
        } else {
            LOG.debug("Digest {} for user {}: {} alarms in {} parts", identity.digestId(), request.userId(),
                due.size(), parts.size());
        }
    }

    /**
     * Records the request as answered; returns whether it already was within the window. The answer is recorded at
     * the stream time it was given, not at the request's own (possibly much older) record time, so that the window
     * runs from the answer: a request that waited in its topic is remembered as long as a fresh one.
     */
    private boolean alreadyAnswered(RequestIdentity identity, long timestampMs) {
        long answeredAt = Math.max(timestampMs, context.currentStreamTimeMs());
        try (WindowStoreIterator<Long> seen = answered.fetch(identity.digestId(),
                 Math.max(0, timestampMs - dedupeWindowMs), answeredAt + dedupeWindowMs)) {
            if (seen.hasNext()) {
                return true;
            }
        }
        answered.put(identity.digestId(), timestampMs, answeredAt);
        return false;
    }

    private static Headers partHeaders(String digestId, int part, int parts) {
        Headers headers = new RecordHeaders();
        headers.add(HeaderNames.DIGEST_ID, digestId.getBytes(StandardCharsets.UTF_8));
        headers.add(HeaderNames.DIGEST_PART, Integer.toString(part).getBytes(StandardCharsets.UTF_8));
        headers.add(HeaderNames.DIGEST_PARTS, Integer.toString(parts).getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    @Override
    public void close() {
        if (metrics != null) {
            metrics.close();
        }
    }
}
