package io.alarmdigest.processor.config;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The processor's settings, each declared once with its type, default, validation and description, and validated
 * when the object is built: a bad value fails start-up with a {@link ConfigException} naming the setting.
 *
 * <p>Any other key is passed to Kafka Streams (and through it to its clients: SASL, TLS, ...). Kafka Streams
 * settings that the contract depends on get safe defaults here: {@code processing.guarantee=exactly_once_v2}
 * and {@code max.task.idle.ms}, the time a task waits for its other input before processing a record by time
 * (contract rule 3).
 */
public final class ProcessorConfig extends AbstractConfig {
    public static final String STATUS_TOPIC = "topic.alarm-status-changed";
    public static final String REQUEST_TOPIC = "topic.send-alarm-digest";
    public static final String DIGEST_TOPIC = "topic.alarm-digest";
    public static final String DLQ_TOPIC = "topic.dead-letter";
    public static final String PARTITIONS = "topic.partitions";
    public static final String REPLICATION_FACTOR = "topic.replication.factor";
    public static final String ALARM_RETENTION_MS = "alarm.retention.ms";
    public static final String REQUEST_DEDUPE_WINDOW_MS = "request.dedupe.window.ms";
    public static final String EMPTY_DIGESTS = "digest.empty.enabled";
    public static final String DIGEST_MAX_BYTES = "digest.max.bytes";
    public static final String PURGE_INTERVAL_MS = "purge.interval.ms";
    public static final String PURGE_MAX_PER_RUN = "purge.max.per.run";
    public static final String ROCKSDB_BLOCK_CACHE_BYTES = "rocksdb.block.cache.bytes";
    public static final String ROCKSDB_WRITE_BUFFER_BYTES = "rocksdb.write.buffer.bytes";

    public static final String DEFAULT_APPLICATION_ID = "alarm-digest-processor";
    /** Long enough for a bridge's in-flight batch of the other input to land; short against the latency target. */
    public static final long DEFAULT_MAX_TASK_IDLE_MS = 100;

    /** The smallest part we can always build: one alarm with two 256-byte IDs, escaped, plus the envelope. */
    private static final int MIN_DIGEST_BYTES = 16 * 1024;
    /** Room left in a producer request for a part's key, headers and record overhead. */
    private static final int RECORD_OVERHEAD_BYTES = 16 * 1024;

    /** The producer's own default for {@code max.request.size}. */
    private static final int DEFAULT_MAX_REQUEST_SIZE = 1024 * 1024;

    private static final long MINUTE_MS = 60_000L;
    private static final long HOUR_MS = 60 * MINUTE_MS;
    private static final long DAY_MS = 24 * HOUR_MS;

    public static final ConfigDef DEFINITION = new ConfigDef()
        .define(STATUS_TOPIC, Type.STRING, "alarm-status-changed", TopicName.VALID, Importance.MEDIUM,
            "Kafka topic of AlarmStatusChanged events, keyed by UserID.")
        .define(REQUEST_TOPIC, Type.STRING, "send-alarm-digest", TopicName.VALID, Importance.MEDIUM,
            "Kafka topic of SendAlarmDigest requests, keyed by UserID.")
        .define(DIGEST_TOPIC, Type.STRING, "alarm-digest", TopicName.VALID, Importance.MEDIUM,
            "Kafka topic the digests are written to, one record per part, keyed by UserID.")
        .define(DLQ_TOPIC, Type.STRING, "alarm-digest-dlq", TopicName.VALID, Importance.MEDIUM,
            "Dead-letter topic: bad input, with the reason in the dlq-reason header.")
        .define(PARTITIONS, Type.INT, 6, Range.between(1, 10_000), Importance.HIGH,
            "Partitions of every topic the service creates. Processor instances scale up to this count; "
                + "both input topics must have the same count.")
        .define(REPLICATION_FACTOR, Type.SHORT, (short) -1, Importance.MEDIUM,
            "Replication factor of the topics the service creates and of Kafka Streams' internal topics; "
                + "-1 takes the broker's default.")
        .define(ALARM_RETENTION_MS, Type.LONG, 7 * DAY_MS, Range.atLeast(MINUTE_MS), Importance.MEDIUM,
            "A CLEARED alarm is forgotten once no event has touched it for this long (stream time). Must exceed "
                + "the longest delay with which an event can still arrive, outages included.")
        .define(REQUEST_DEDUPE_WINDOW_MS, Type.LONG, HOUR_MS, Range.atLeast(1000), Importance.MEDIUM,
            "A redelivered SendAlarmDigest (same stream, creation time and sequence) within this window "
                + "(stream time) yields no second digest.")
        .define(EMPTY_DIGESTS, Type.BOOLEAN, true, Importance.MEDIUM,
            "Answer a request with nothing pending with an empty digest (\"ActiveAlarms\": []).")
        .define(DIGEST_MAX_BYTES, Type.INT, 900 * 1024, Range.between(MIN_DIGEST_BYTES, 64 * 1024 * 1024),
            Importance.MEDIUM,
            "Largest JSON of one digest part; a larger digest is split into consecutive parts. Keep it under NATS "
                + "max_payload; it must leave room under the producer's max.request.size.")
        .define(PURGE_INTERVAL_MS, Type.LONG, MINUTE_MS, Range.atLeast(1000), Importance.LOW,
            "How often (stream time) expired CLEARED alarms are removed.")
        .define(PURGE_MAX_PER_RUN, Type.INT, 10_000, Range.atLeast(1), Importance.LOW,
            "Most CLEARED alarms removed per task in one purge, so that a purge never stalls processing; "
                + "the rest go in the next one.")
        .define(ROCKSDB_BLOCK_CACHE_BYTES, Type.LONG, 64L * 1024 * 1024, Range.atLeast(1024 * 1024),
            Importance.MEDIUM,
            "RocksDB block cache shared by all state stores of the process (index and filter blocks included).")
        .define(ROCKSDB_WRITE_BUFFER_BYTES, Type.LONG, 32L * 1024 * 1024, Range.atLeast(1024 * 1024),
            Importance.MEDIUM,
            "RocksDB memtable budget shared by all state stores of the process, charged to the block cache; "
                + "must be smaller than " + ROCKSDB_BLOCK_CACHE_BYTES + ".");

    private final Map<String, Object> streamsOverrides;

    public ProcessorConfig(Map<?, ?> settings) {
        super(DEFINITION, settings, false);
        this.streamsOverrides = new HashMap<>();
        for (Map.Entry<?, ?> entry : settings.entrySet()) {
            String key = String.valueOf(entry.getKey());
            if (!DEFINITION.names().contains(key)) {
                streamsOverrides.put(key, entry.getValue());
            }
        }
        validateTogether();
    }

    private void validateTogether() {
        Set<String> topics = new HashSet<>(List.of(statusTopic(), requestTopic(), digestTopic(), deadLetterTopic()));
        if (topics.size() != 4) {
            throw new ConfigException(STATUS_TOPIC + ", " + REQUEST_TOPIC + ", " + DIGEST_TOPIC + " and " + DLQ_TOPIC
                + " must name four different topics, but were " + statusTopic() + ", " + requestTopic() + ", "
                + digestTopic() + ", " + deadLetterTopic());
        }
        if (rocksDbWriteBufferBytes() >= rocksDbBlockCacheBytes()) {
            throw new ConfigException(ROCKSDB_WRITE_BUFFER_BYTES, rocksDbWriteBufferBytes(),
                "must be smaller than " + ROCKSDB_BLOCK_CACHE_BYTES + " (" + rocksDbBlockCacheBytes()
                    + "), which it is charged to");
        }
        short replication = getShort(REPLICATION_FACTOR);
        if (replication == 0 || replication < -1) {
            throw new ConfigException(REPLICATION_FACTOR, replication, "must be -1 (broker default) or at least 1");
        }
        StreamsConfig streams = streamsConfig();
        String producerMaxRequest = StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        Object configured = streams.getProducerConfigs("config-check").get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        int maxRequestSize = configured == null ? DEFAULT_MAX_REQUEST_SIZE : Integer.parseInt(configured.toString());
        if (digestMaxBytes() + RECORD_OVERHEAD_BYTES > maxRequestSize) {
            throw new ConfigException(DIGEST_MAX_BYTES, digestMaxBytes(), "must leave " + RECORD_OVERHEAD_BYTES
                + " bytes under the producer's max.request.size (" + maxRequestSize + "); raise "
                + producerMaxRequest + " (and the topic's max.message.bytes) or lower " + DIGEST_MAX_BYTES);
        }
    }

    /** Everything Kafka Streams needs: the passed-through settings over this service's defaults. */
    public Properties streamsProperties() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, DEFAULT_APPLICATION_ID);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, Long.toString(DEFAULT_MAX_TASK_IDLE_MS));
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, Short.toString(getShort(REPLICATION_FACTOR)));
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedMemoryRocksDbConfig.class.getName());
        props.putAll(streamsOverrides);
        // The config setter reads its budget from the application configs, so ours travel along.
        props.put(ROCKSDB_BLOCK_CACHE_BYTES, Long.toString(rocksDbBlockCacheBytes()));
        props.put(ROCKSDB_WRITE_BUFFER_BYTES, Long.toString(rocksDbWriteBufferBytes()));
        return props;
    }

    public StreamsConfig streamsConfig() {
        return new StreamsConfig(streamsProperties());
    }

    public String statusTopic() {
        return getString(STATUS_TOPIC);
    }

    public String requestTopic() {
        return getString(REQUEST_TOPIC);
    }

    public String digestTopic() {
        return getString(DIGEST_TOPIC);
    }

    public String deadLetterTopic() {
        return getString(DLQ_TOPIC);
    }

    public int partitions() {
        return getInt(PARTITIONS);
    }

    public short replicationFactor() {
        return getShort(REPLICATION_FACTOR);
    }

    public long alarmRetentionMs() {
        return getLong(ALARM_RETENTION_MS);
    }

    public long requestDedupeWindowMs() {
        return getLong(REQUEST_DEDUPE_WINDOW_MS);
    }

    public boolean emptyDigests() {
        return getBoolean(EMPTY_DIGESTS);
    }

    public int digestMaxBytes() {
        return getInt(DIGEST_MAX_BYTES);
    }

    public long purgeIntervalMs() {
        return getLong(PURGE_INTERVAL_MS);
    }

    public int purgeMaxPerRun() {
        return getInt(PURGE_MAX_PER_RUN);
    }

    public long rocksDbBlockCacheBytes() {
        return getLong(ROCKSDB_BLOCK_CACHE_BYTES);
    }

    public long rocksDbWriteBufferBytes() {
        return getLong(ROCKSDB_WRITE_BUFFER_BYTES);
    }

    /** Validates a Kafka topic name with Kafka's own rules, naming the setting on failure. */
    static final class TopicName implements ConfigDef.Validator {
        static final TopicName VALID = new TopicName();

        @Override
        public void ensureValid(String name, Object value) {
            try {
                Topic.validate((String) value);
            } catch (RuntimeException e) {
                throw new ConfigException(name, value, e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "a valid Kafka topic name";
        }
    }
}
