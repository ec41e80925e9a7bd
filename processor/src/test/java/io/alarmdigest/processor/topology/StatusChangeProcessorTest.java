package io.alarmdigest.processor.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.alarmdigest.processor.config.ProcessorConfig;
import io.alarmdigest.processor.state.AlarmState;
import io.alarmdigest.processor.state.StateKeys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedPunctuator;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link StatusChangeProcessor} alone, with its stores and punctuator in a {@link MockProcessorContext}. */
class StatusChangeProcessorTest {
    private static final long RETENTION_MS = 3_600_000;

    private final ProcessorConfig config = new ProcessorConfig(Map.of(
        StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092",
        ProcessorConfig.ALARM_RETENTION_MS, RETENTION_MS,
        ProcessorConfig.PURGE_INTERVAL_MS, 30_000L));
    private final MockProcessorContext<String, byte[]> context = new MockProcessorContext<>();
    private final StatusChangeProcessor processor = new StatusChangeProcessor(config);
    private KeyValueStore<Bytes, byte[]> alarms;
    private KeyValueStore<Bytes, byte[]> expiry;

    @BeforeEach
    void init() {
        alarms = store(DigestTopology.ALARM_STORE);
        expiry = store(DigestTopology.EXPIRY_STORE);
        processor.init(context);
    }

    private KeyValueStore<Bytes, byte[]> store(String name) {
        KeyValueStore<Bytes, byte[]> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name),
            Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        return store;
    }

    private void process(String status, long timestampMs) {
        String json = "{\"UserID\":\"u\",\"AlarmID\":\"a\",\"Status\":\"" + status
            + "\",\"ChangedAt\":\"2021-06-07T20:40:15Z\"}";
        context.setCurrentStreamTimeMs(timestampMs);
        processor.process(new Record<>("u", json.getBytes(StandardCharsets.UTF_8), timestampMs));
    }

    @Test
    void shouldSchedulePurgesInStreamTime() {
        CapturedPunctuator purge = context.scheduledPunctuators().get(0);
        assertEquals(PunctuationType.STREAM_TIME, purge.getType());
        assertEquals(Duration.ofSeconds(30), purge.getInterval());
    }

    @Test
    void shouldStoreTheAlarmAndIndexItOnlyWhileCleared() {
        process("CLEARED", 1_000);
        AlarmState state = AlarmState.decode(alarms.get(StateKeys.alarmKey("u", "a")));
        assertEquals(1_000, state.lastTouchedMs());
        assertNotNull(expiry.get(StateKeys.expiryKey(1_000 + RETENTION_MS, StateKeys.alarmKey("u", "a"))));
        assertTrue(context.forwarded().isEmpty(), "a valid event forwards nothing");

        process("CRITICAL", 2_000); // same ChangedAt, more severe: now active
        assertEquals(0, expiry.approximateNumEntries());
    }

    @Test
    void shouldPurgeOnlyWhatIsDueWhenThePunctuatorRuns() {
        process("CLEARED", 1_000);
        CapturedPunctuator purge = context.scheduledPunctuators().get(0);
        purge.getPunctuator().punctuate(1_000 + RETENTION_MS - 1);
        assertNotNull(alarms.get(StateKeys.alarmKey("u", "a")));
        purge.getPunctuator().punctuate(1_000 + RETENTION_MS);
        assertNull(alarms.get(StateKeys.alarmKey("u", "a")));
        assertEquals(0, expiry.approximateNumEntries());
    }
}
