package io.alarmdigest.processor.config;

import io.alarmdigest.kafka.PassThrough;
import io.alarmdigest.kafka.RecordLimits;
import io.alarmdigest.kafka.TopicSettings;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The processor's settings, each declared once with its type, default, validation and description, and validated
 * when the object is built: a bad value fails start-up with a {@link ConfigException} naming the setting.
 *
 * <p>Any other key is passed to Kafka Streams (and through it to its clients: SASL, TLS, ...). The Kafka Streams
 * setting that the contract depends on gets a safe default here: {@code processing.guarantee=exactly_once_v2}
 * (contract rule 5). Ordering needs no setting: the topology has one input topic, read in offset order (rule 3).
 */
public final class ProcessorConfig extends AbstractConfig {
    public static final String INPUT_TOPIC = TopicSettings.INPUT_TOPIC;
    public static final String DIGEST_TOPIC = TopicSettings.DIGEST_TOPIC;
    public static final String DLQ_TOPIC = TopicSettings.DLQ_TOPIC;
    public static final String PARTITIONS = TopicSettings.PARTITIONS;
    public static final String REPLICATION_FACTOR = TopicSettings.REPLICATION_FACTOR;
    public static final String ALARM_RETENTION_MS = "alarm.retention.ms";
    public static final String REQUEST_DEDUPE_WINDOW_MS = "request.dedupe.window.ms";
    public static final String EMPTY_DIGESTS = "digest.empty.enabled";
    public static final String DIGEST_MAX_BYTES = "digest.max.bytes";
    public static final String PURGE_INTERVAL_MS = "purge.interval.ms";
    public static final String PURGE_MAX_PER_RUN = "purge.max.per.run";
    public static final String ROCKSDB_BLOCK_CACHE_BYTES = "rocksdb.block.cache.bytes";
    public static final String ROCKSDB_WRITE_BUFFER_BYTES = "rocksdb.write.buffer.bytes";

    public static final String DEFAULT_APPLICATION_ID = "alarm-digest-processor";

    /** The smallest part we can always build: one alarm with two 256-byte IDs, escaped, plus the envelope. */
    private static final int MIN_DIGEST_BYTES = 16 * 1024;

    public static final ConfigDef DEFINITION = TopicSettings.define(new ConfigDef())
        .define(ALARM_RETENTION_MS, Type.LONG, Duration.ofDays(7).toMillis(),
            Range.between(Duration.ofMinutes(1).toMillis(), Duration.ofDays(3650).toMillis()), Importance.MEDIUM,
            "A CLEARED alarm is forgotten once no event has touched it for this long (stream time). Must exceed "
                + "the longest delay with which an event can still arrive, outages included.")
        .define(REQUEST_DEDUPE_WINDOW_MS, Type.LONG, Duration.ofHours(1).toMillis(),
            Range.between(1000, Duration.ofDays(30).toMillis()), Importance.MEDIUM,
            "A redelivered SendAlarmDigest (same stream, creation time and sequence) within this window "
                + "(stream time) yields no second digest.")
        .define(EMPTY_DIGESTS, Type.BOOLEAN, true, Importance.MEDIUM,
            "Answer a request with nothing pending with an empty digest (\"ActiveAlarms\": []).")
        .define(DIGEST_MAX_BYTES, Type.INT, 900 * 1024, Range.between(MIN_DIGEST_BYTES, 64 * 1024 * 1024),
            Importance.MEDIUM,
            "Largest JSON of one digest part; a larger digest is split into consecutive parts. Keep it under NATS "
                + "max_payload; it must leave room under the producer's max.request.size.")
        .define(PURGE_INTERVAL_MS, Type.LONG, Duration.ofMinutes(1).toMillis(), Range.atLeast(1000), Importance.LOW,
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

    private final TopicSettings topics;
    private final Map<String, Object> streamsOverrides;
    private final int maxRequestSize;

    public ProcessorConfig(Map<?, ?> settings) {
        super(DEFINITION, settings, false);
        this.topics = TopicSettings.from(this);
        this.streamsOverrides = PassThrough.notDefinedIn(DEFINITION, StreamsConfig.configDef().names(), settings);
        Object configured = streamsConfig().getProducerConfigs("config-check").get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        this.maxRequestSize = configured == null ? RecordLimits.DEFAULT_MAX_REQUEST_SIZE
            : Integer.parseInt(configured.toString());
        validateTogether();
    }

    private void validateTogether() {
        if (rocksDbWriteBufferBytes() >= rocksDbBlockCacheBytes()) {
            throw new ConfigException(ROCKSDB_WRITE_BUFFER_BYTES, rocksDbWriteBufferBytes(),
                "must be smaller than " + ROCKSDB_BLOCK_CACHE_BYTES + " (" + rocksDbBlockCacheBytes()
                    + "), which it is charged to");
        }
        String producerMaxRequest = StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        if (digestMaxBytes() > RecordLimits.largestValue(maxRequestSize)) {
            throw new ConfigException(DIGEST_MAX_BYTES, digestMaxBytes(), "must leave " + RecordLimits.OVERHEAD_BYTES
                + " bytes under the producer's max.request.size (" + maxRequestSize + "); raise "
                + producerMaxRequest + " (and the topic's max.message.bytes) or lower " + DIGEST_MAX_BYTES);
        }
    }

    /** Everything Kafka Streams needs: the passed-through settings over this service's defaults. */
    public Properties streamsProperties() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, DEFAULT_APPLICATION_ID);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, Short.toString(topics.replicationFactor()));
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

    public TopicSettings topics() {
        return topics;
    }

    public String inputTopic() {
        return topics.input();
    }

    public String digestTopic() {
        return topics.digest();
    }

    public String deadLetterTopic() {
        return topics.deadLetter();
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

    /**
     * The largest dead letter written whole: what fits in one producer request with room for its key and headers
     * (never less than {@link #digestMaxBytes()}); a larger bad record is cut to this size.
     */
    public int deadLetterMaxBytes() {
        return RecordLimits.largestValue(maxRequestSize);
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
}
