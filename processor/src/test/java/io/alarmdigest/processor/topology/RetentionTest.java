package io.alarmdigest.processor.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.alarmdigest.processor.config.ProcessorConfig;
import io.alarmdigest.processor.state.StateKeys;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Contract rule 10: CLEARED alarms and answered requests are forgotten in stream time, through an expiry index
 * (CLEARED alarms) and segment expiry (requests), with bounded work per punctuation.
 */
class RetentionTest {
    private static final long MINUTE = 60_000;
    private static final long HOUR = 60 * MINUTE;
    private static final String USER = "u-1";
    private static final String CLOCK_USER = "clock";
    private static final String T1 = "2021-06-07T20:40:15Z";
    private static final String T2 = "2021-06-07T20:50:15Z";

    private final DigestDriver digests = new DigestDriver(Map.of(
        ProcessorConfig.ALARM_RETENTION_MS, HOUR,
        ProcessorConfig.PURGE_INTERVAL_MS, MINUTE,
        ProcessorConfig.PURGE_MAX_PER_RUN, 10,
        ProcessorConfig.REQUEST_DEDUPE_WINDOW_MS, HOUR));

    @AfterEach
    void close() {
        digests.close();
    }

    /** Moves stream time by an event of an unrelated user, which fires due stream-time punctuations. */
    private void tick(long ms) {
        digests.advance(ms).event(CLOCK_USER, "tick", "WARNING", T1);
    }

    @Test
    void shouldForgetAClearedAlarmOnceUntouchedForTheRetention() {
        digests.event(USER, "cleared", "CLEARED", T2).event(USER, "active", "CRITICAL", T1);
        tick(HOUR - 2 * MINUTE);
        assertNotNull(alarm("cleared"), "not yet due");
        tick(3 * MINUTE);
        assertNull(alarm("cleared"), "due and purged");
        assertNotNull(alarm("active"), "an active alarm is never purged");
        assertEquals(1.0, Metrics.total(digests, ProcessorMetrics.ALARMS_PURGED));
        assertEquals(0, count(expiryIndex()), "its index entry went with it");
    }

    @Test
    void shouldCountRetentionFromTheLastEventThatTouchedTheAlarm() {
        digests.event(USER, "a", "CLEARED", T2);
        tick(50 * MINUTE);
        digests.event(USER, "a", "CLEARED", T2); // a redelivery touches it
        tick(30 * MINUTE);
        assertNotNull(alarm("a"), "touched 30 minutes ago");
        assertEquals(1, count(expiryIndex()), "one index entry per CLEARED alarm, moved on touch");
        tick(32 * MINUTE);
        assertNull(alarm("a"));
    }

    @Test
    void shouldDropTheIndexEntryOfAnAlarmRaisedAgain() {
        digests.event(USER, "a", "CLEARED", T1);
        assertEquals(1, count(expiryIndex()));
        digests.event(USER, "a", "WARNING", T2);
        assertEquals(0, count(expiryIndex()));
        tick(2 * HOUR);
        assertEquals(List.of("a=WARNING@" + T2), digests.digestOf(USER));
    }

    @Test
    void shouldBoundThePurgeWorkPerPunctuation() {
        for (int i = 0; i < 25; i++) {
            digests.event(USER, "alarm-" + i, "CLEARED", T1);
        }
        tick(2 * HOUR); // one punctuation: at most 10 removed
        assertEquals(10.0, Metrics.total(digests, ProcessorMetrics.ALARMS_PURGED));
        tick(MINUTE);
        assertEquals(20.0, Metrics.total(digests, ProcessorMetrics.ALARMS_PURGED));
        tick(MINUTE);
        assertEquals(25.0, Metrics.total(digests, ProcessorMetrics.ALARMS_PURGED));
        assertEquals(1, count(alarms()), "only the clock user's alarm is left");
    }

    @Test
    void shouldNotResurrectAPurgedAlarmFromAnEventOlderThanItsClear() {
        digests.event(USER, "a", "CRITICAL", T1);
        assertEquals(List.of("a=CRITICAL@" + T1), digests.digestOf(USER));
        digests.event(USER, "a", "CLEARED", T2);
        tick(30 * MINUTE);
        // Within the retention, a late older event is still recognised as older than the clear.
        digests.event(USER, "a", "CRITICAL", T1);
        assertEquals(List.of(), digests.digestOf(USER));
    }

    @Test
    void shouldForgetAnsweredRequestsAfterTheDedupeWindow() {
        for (int i = 0; i < 5; i++) {
            digests.request(USER);
        }
        digests.readParts();
        assertEquals(5, count(answered()));
        for (int i = 0; i < 4; i++) {
            tick(HOUR);
        }
        digests.request(USER);
        assertEquals(1, count(answered()), "older segments were dropped as stream time passed the window");
    }

    private byte[] alarm(String alarmId) {
        return alarms().get(StateKeys.alarmKey(USER, alarmId));
    }

    private KeyValueStore<Bytes, byte[]> alarms() {
        return digests.driver().getKeyValueStore(DigestTopology.ALARM_STORE);
    }

    private KeyValueStore<Bytes, byte[]> expiryIndex() {
        return digests.driver().getKeyValueStore(DigestTopology.EXPIRY_STORE);
    }

    private WindowStore<String, Long> answered() {
        return digests.driver().getWindowStore(DigestTopology.DEDUPE_STORE);
    }

    private static int count(KeyValueStore<Bytes, byte[]> store) {
        int n = 0;
        try (KeyValueIterator<Bytes, byte[]> all = store.all()) {
            while (all.hasNext()) {
                all.next();
                n++;
            }
        }
        return n;
    }

    private static int count(WindowStore<String, Long> store) {
        int n = 0;
        try (KeyValueIterator<Windowed<String>, Long> all = store.all()) {
            while (all.hasNext()) {
                all.next();
                n++;
            }
        }
        return n;
    }
}
