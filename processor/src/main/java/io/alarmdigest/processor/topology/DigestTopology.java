package io.alarmdigest.processor.topology;

import io.alarmdigest.processor.config.ProcessorConfig;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The alarm digest topology, built by {@link #build(ProcessorConfig)} alone, so that tests run exactly what
 * production runs.
 *
 * <pre>
 * alarm-digest-input ─▶ input-router ─┬─▶ status-changes ──┬─▶ dead-letters ─▶ alarm-digest-dlq
 *                                     │   │ alarm-state,    │
 *                                     │   │ alarm-expiry    │
 *                                     └─▶ digest-requests ─┴─▶ digests ─▶ alarm-digest
 *                                         │ alarm-state, answered-requests
 * </pre>
 *
 * One input topic holds both kinds of message, keyed by UserID, in NATS stream order per partition: what must stay
 * in order must share a partition. The router hands each record, in offset order, to the logic its
 * {@code message-type} header names, so a request meets its user's state after every earlier event and before any
 * later one (contract rule 3). The two processors share the {@value #ALARM_STORE} store within the task. Why the
 * Processor API and not the DSL: a digest reads a prefix of the store and writes back marks for exactly what it
 * emitted, in the same step; the DSL has no operator for a read-modify-write of many keys triggered by another
 * record.
 */
public final class DigestTopology {
    public static final String INPUT_SOURCE = "input-source";
    public static final String ROUTER = "input-router";
    public static final String STATUS_PROCESSOR = "status-changes";
    public static final String REQUEST_PROCESSOR = "digest-requests";
    public static final String DIGEST_SINK = "digests";
    public static final String DLQ_SINK = "dead-letters";

    /** Per (UserID, AlarmID): the alarm's {@link io.alarmdigest.processor.state.AlarmState}. */
    public static final String ALARM_STORE = "alarm-state";
    /** Per CLEARED alarm: its expiry time, so expired alarms are found without a scan. */
    public static final String EXPIRY_STORE = "alarm-expiry";
    /** Per answered request with a NATS identity, for the dedupe window; old segments drop by themselves. */
    public static final String DEDUPE_STORE = "answered-requests";

    private DigestTopology() {
    }

    public static Topology build(ProcessorConfig config) {
        Serde<String> keys = Serdes.String();
        Serde<byte[]> values = Serdes.ByteArray();
        Topology topology = new Topology(new TopologyConfig(config.streamsConfig()));

        topology.addSource(INPUT_SOURCE, keys.deserializer(), values.deserializer(), config.inputTopic());
        topology.addProcessor(ROUTER, () -> new InputRouter(config), INPUT_SOURCE);
        topology.addProcessor(STATUS_PROCESSOR, () -> new StatusChangeProcessor(config), ROUTER);
        topology.addProcessor(REQUEST_PROCESSOR, () -> new DigestRequestProcessor(config), ROUTER);

        topology.addStateStore(alarmStore(), STATUS_PROCESSOR, REQUEST_PROCESSOR);
        topology.addStateStore(expiryStore(), STATUS_PROCESSOR);
        topology.addStateStore(dedupeStore(config), REQUEST_PROCESSOR);

        topology.addSink(DIGEST_SINK, config.digestTopic(), keys.serializer(), values.serializer(), REQUEST_PROCESSOR);
        topology.addSink(DLQ_SINK, config.deadLetterTopic(), keys.serializer(), values.serializer(),
            ROUTER, STATUS_PROCESSOR, REQUEST_PROCESSOR);
        return topology;
    }

    private static StoreBuilder<KeyValueStore<Bytes, byte[]>> alarmStore() {
        return Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(ALARM_STORE), Serdes.Bytes(), Serdes.ByteArray());
    }

    private static StoreBuilder<KeyValueStore<Bytes, byte[]>> expiryStore() {
        return Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(EXPIRY_STORE), Serdes.Bytes(), Serdes.ByteArray());
    }

    private static StoreBuilder<WindowStore<String, Long>> dedupeStore(ProcessorConfig config) {
        Duration window = Duration.ofMillis(config.requestDedupeWindowMs());
        return Stores.windowStoreBuilder(
            Stores.persistentWindowStore(DEDUPE_STORE, window, window, false), Serdes.String(), Serdes.Long());
    }
}
