package io.alarmdigest.processor.topology;

import io.alarmdigest.logging.RateLimitedLog;
import io.alarmdigest.processor.config.ProcessorConfig;
import io.alarmdigest.model.AlarmStatusChanged;
import io.alarmdigest.model.InvalidMessageException;
import io.alarmdigest.model.Rfc3339;
import io.alarmdigest.processor.state.AlarmState;
import io.alarmdigest.processor.state.StateKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes in {@code AlarmStatusChanged} events: applies each to its alarm's {@link AlarmState} (rules 1 and 2), keeps
 * the expiry index of CLEARED alarms, and purges the expired ones on stream-time punctuation (rule 10). Bad events
 * go to the dead-letter topic (rule 9). Forwards nothing else: digests are built on request.
 */
final class StatusChangeProcessor implements Processor<String, byte[], String, byte[]> {
    private static final Logger LOG = LoggerFactory.getLogger(StatusChangeProcessor.class);
    /** Contract rule 9: an event this far ahead of stream time is processed, but counted and logged. */
    static final Duration CLOCK_SKEW_TOLERANCE = Duration.ofDays(1);

    private final long retentionMs;
    private final long purgeIntervalMs;
    private final int purgeMaxPerRun;
    private final int deadLetterMaxBytes;

    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<Bytes, byte[]> alarms;
    private KeyValueStore<Bytes, byte[]> expiryIndex;
    private ProcessorMetrics metrics;
    private DeadLetters deadLetters;
    private Sensor eventsApplied;
    private Sensor clockSkew;
    private Sensor alarmsPurged;
    private final RateLimitedLog skewLog = new RateLimitedLog(LOG);

    StatusChangeProcessor(ProcessorConfig config) {
        this.retentionMs = config.alarmRetentionMs();
        this.purgeIntervalMs = config.purgeIntervalMs();
        this.purgeMaxPerRun = config.purgeMaxPerRun();
        this.deadLetterMaxBytes = config.deadLetterMaxBytes();
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.alarms = context.getStateStore(DigestTopology.ALARM_STORE);
        this.expiryIndex = context.getStateStore(DigestTopology.EXPIRY_STORE);
        this.metrics = new ProcessorMetrics(context);
        this.deadLetters = new DeadLetters(context, metrics, deadLetterMaxBytes);
        this.eventsApplied = metrics.counter(ProcessorMetrics.STATUS_CHANGES);
        this.clockSkew = metrics.counter(ProcessorMetrics.CLOCK_SKEW);
        this.alarmsPurged = metrics.counter(ProcessorMetrics.ALARMS_PURGED);
        context.schedule(Duration.ofMillis(purgeIntervalMs), PunctuationType.STREAM_TIME, this::purgeExpired);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        AlarmStatusChanged event;
        try {
            event = AlarmStatusChanged.parse(RecordChecks.requireValue(record.value()));
            RecordChecks.requireKeyIsUser(record.key(), event.userId());
        } catch (InvalidMessageException e) {
            deadLetters.send(record, e);
            return;
        }
        warnIfFarAhead(event, record.timestamp());

        Bytes key = StateKeys.alarmKey(event.userId(), event.alarmId());
        byte[] stored = alarms.get(key);
        AlarmState before = stored == null ? null : AlarmState.decode(stored);
        AlarmState after = AlarmState.after(before, event, record.timestamp());
        alarms.put(key, after.encode());
        reindex(key, before, after);
        eventsApplied.record();
    }

    private void warnIfFarAhead(AlarmStatusChanged event, long recordTimestampMs) {
        long streamTimeMs = Math.max(context.currentStreamTimeMs(), recordTimestampMs);
        Instant limit = Instant.ofEpochMilli(streamTimeMs).plus(CLOCK_SKEW_TOLERANCE);
        if (event.changedAt().isAfter(limit)) {
            clockSkew.record();
            skewLog.warn("clock-skew", "Alarm {} of user {} changed at {}, more than {} h ahead of stream time {}; "
                + "processed as usual, but check the sender's clock", event.alarmId(), event.userId(),
                Rfc3339.format(event.changedAt()), CLOCK_SKEW_TOLERANCE.toHours(), Instant.ofEpochMilli(streamTimeMs));
        }
    }

    /**
     * Keeps exactly one index entry per CLEARED alarm, at its expiry time. Entries are removed with a {@code null}
     * put, as everywhere in this class: {@code delete} reads the old value first to return it, a RocksDB lookup
     * per removal that nothing here needs.
     */
    private void reindex(Bytes key, AlarmState before, AlarmState after) {
        Bytes oldEntry = before != null && before.expires()
            ? StateKeys.expiryKey(before.lastTouchedMs() + retentionMs, key) : null;
        Bytes newEntry = after.expires() ? StateKeys.expiryKey(after.lastTouchedMs() + retentionMs, key) : null;
        if (oldEntry != null && oldEntry.equals(newEntry)) {
            return;
        }
        if (oldEntry != null) {
            expiryIndex.put(oldEntry, null);
        }
        if (newEntry != null) {
            expiryIndex.put(newEntry, new byte[0]);
        }
    }

    /**
     * Removes CLEARED alarms that no event has touched for the retention, at most {@code purge.max.per.run} per
     * call: the index is sorted by expiry time, so this reads only entries that are due.
     */
    private void purgeExpired(long streamTimeMs) {
        List<Bytes> due = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> entries =
                 expiryIndex.range(StateKeys.expiryRangeStart(), StateKeys.expiryRangeEnd(streamTimeMs))) {
            while (entries.hasNext() && due.size() < purgeMaxPerRun) {
                due.add(entries.next().key);
            }
        }
        int purged = 0;
        for (Bytes entry : due) {
            expiryIndex.put(entry, null);
            Bytes key = StateKeys.alarmKeyOfExpiryKey(entry);
            byte[] stored = alarms.get(key);
            if (stored == null) {
                continue;
            }
            AlarmState state = AlarmState.decode(stored);
            // The index is kept exact, so this holds; checking again costs little and never removes a live alarm.
            if (state.expires() && state.lastTouchedMs() + retentionMs <= streamTimeMs) {
                alarms.put(key, null);
                alarmsPurged.record();
                purged++;
            }
        }
        if (purged > 0) {
            LOG.debug("Purged {} CLEARED alarms untouched since {} in task {}", purged,
                Instant.ofEpochMilli(streamTimeMs - retentionMs), context.taskId());
        }
    }

    @Override
    public void close() {
        if (metrics != null) {
            metrics.close();
        }
    }
}
