package io.alarmdigest.kafka;

import java.util.HashSet;
import java.util.List;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.internals.Topic;

/**
 * The Kafka topics of the service, as settings shared by the processor and the bridges, so that one properties file
 * configures both alike.
 *
 * @param input input: {@code AlarmStatusChanged} events and {@code SendAlarmDigest} requests in stream order,
 *     keyed by UserID, told apart by the {@code message-type} header
 * @param digest output: {@code AlarmDigest} parts, keyed by UserID
 * @param deadLetter bad input, with {@code dlq-reason} and {@code dlq-source} headers
 * @param ingressPosition the ingress's position in each input stream, keyed by stream name (compacted, one
 *     partition, written in the same transaction as the input records it covers)
 * @param partitions partitions of the input, digest and dead-letter topics the service creates
 * @param replicationFactor replication of each topic the service creates; -1 takes the broker's default
 */
public record TopicSettings(String input, String digest, String deadLetter, String ingressPosition, int partitions,
                            short replicationFactor) {
    public static final String INPUT_TOPIC = "topic.input";
    public static final String DIGEST_TOPIC = "topic.alarm-digest";
    public static final String DLQ_TOPIC = "topic.dead-letter";
    public static final String POSITION_TOPIC = "topic.ingress-position";
    public static final String PARTITIONS = "topic.partitions";
    public static final String REPLICATION_FACTOR = "topic.replication.factor";

    /** Adds the topic settings to {@code definition}. */
    public static ConfigDef define(ConfigDef definition) {
        return definition
            .define(INPUT_TOPIC, Type.STRING, "alarm-digest-input", TopicName.VALID, Importance.MEDIUM,
                "Kafka topic of the input: AlarmStatusChanged events and SendAlarmDigest requests in NATS stream "
                    + "order, keyed by UserID, told apart by the message-type header.")
            .define(DIGEST_TOPIC, Type.STRING, "alarm-digest", TopicName.VALID, Importance.MEDIUM,
                "Kafka topic the digests are written to, one record per part, keyed by UserID.")
            .define(DLQ_TOPIC, Type.STRING, "alarm-digest-dlq", TopicName.VALID, Importance.MEDIUM,
                "Dead-letter topic: bad input, with the reason in the dlq-reason header.")
            .define(POSITION_TOPIC, Type.STRING, "alarm-digest-ingress-position", TopicName.VALID, Importance.MEDIUM,
                "Compacted one-partition topic of the ingress's position in each NATS input stream, written in the "
                    + "same transaction as the input records it covers.")
            .define(PARTITIONS, Type.INT, 6, Range.between(1, 10_000), Importance.HIGH,
                "Partitions of the input, digest and dead-letter topics the service creates. Processor instances "
                    + "scale up to this count.")
            .define(REPLICATION_FACTOR, Type.SHORT, (short) -1, Importance.MEDIUM,
                "Replication factor of the topics the service creates (and of Kafka Streams' internal topics); "
                    + "-1 takes the broker's default.");
    }

    /**
     * Reads and cross-checks the topic settings of a validated config.
     *
     * @throws ConfigException naming the setting when two topics are the same or the replication is invalid
     */
    public static TopicSettings from(AbstractConfig config) {
        TopicSettings topics = new TopicSettings(config.getString(INPUT_TOPIC), config.getString(DIGEST_TOPIC),
            config.getString(DLQ_TOPIC), config.getString(POSITION_TOPIC), config.getInt(PARTITIONS),
            config.getShort(REPLICATION_FACTOR));
        if (new HashSet<>(topics.all()).size() != topics.all().size()) {
            throw new ConfigException(INPUT_TOPIC + ", " + DIGEST_TOPIC + ", " + DLQ_TOPIC + " and " + POSITION_TOPIC
                + " must name four different topics, but were " + String.join(", ", topics.all()));
        }
        if (topics.replicationFactor == 0 || topics.replicationFactor < -1) {
            throw new ConfigException(REPLICATION_FACTOR, topics.replicationFactor,
                "must be -1 (broker default) or at least 1");
        }
        return topics;
    }

    /** Every topic of the service. */
    public List<String> all() {
        return List.of(input, digest, deadLetter, ingressPosition);
    }

    /** The topics keyed by UserID, created with {@link #partitions()} partitions. */
    public List<String> partitioned() {
        return List.of(input, digest, deadLetter);
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
