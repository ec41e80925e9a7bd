package io.alarmdigest.kafka;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
 * @param statusChanged input: {@code AlarmStatusChanged} events, keyed by UserID
 * @param sendDigest input: {@code SendAlarmDigest} requests, keyed by UserID
 * @param digest output: {@code AlarmDigest} parts, keyed by UserID
 * @param deadLetter bad input, with {@code dlq-reason} and {@code dlq-source} headers
 * @param partitions partitions of each topic the service creates
 * @param replicationFactor replication of each topic the service creates; -1 takes the broker's default
 */
public record TopicSettings(String statusChanged, String sendDigest, String digest, String deadLetter,
                            int partitions, short replicationFactor) {
    public static final String STATUS_TOPIC = "topic.alarm-status-changed";
    public static final String REQUEST_TOPIC = "topic.send-alarm-digest";
    public static final String DIGEST_TOPIC = "topic.alarm-digest";
    public static final String DLQ_TOPIC = "topic.dead-letter";
    public static final String PARTITIONS = "topic.partitions";
    public static final String REPLICATION_FACTOR = "topic.replication.factor";

    /** Adds the topic settings to {@code definition}. */
    public static ConfigDef define(ConfigDef definition) {
        return definition
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
                "Replication factor of the topics the service creates (and of Kafka Streams' internal topics); "
                    + "-1 takes the broker's default.");
    }

    /**
     * Reads and cross-checks the topic settings of a validated config.
     *
     * @throws ConfigException naming the setting when two topics are the same or the replication is invalid
     */
    public static TopicSettings from(AbstractConfig config) {
        TopicSettings topics = new TopicSettings(config.getString(STATUS_TOPIC), config.getString(REQUEST_TOPIC),
            config.getString(DIGEST_TOPIC), config.getString(DLQ_TOPIC), config.getInt(PARTITIONS),
            config.getShort(REPLICATION_FACTOR));
        if (new HashSet<>(topics.all()).size() != 4) {
            throw new ConfigException(STATUS_TOPIC + ", " + REQUEST_TOPIC + ", " + DIGEST_TOPIC + " and " + DLQ_TOPIC
                + " must name four different topics, but were " + String.join(", ", topics.all()));
        }
        if (topics.replicationFactor == 0 || topics.replicationFactor < -1) {
            throw new ConfigException(REPLICATION_FACTOR, topics.replicationFactor,
                "must be -1 (broker default) or at least 1");
        }
        return topics;
    }

    public List<String> all() {
        return List.of(statusChanged, sendDigest, digest, deadLetter);
    }

    /** The setting names of this group, to tell them from settings passed through to Kafka. */
    public static Set<String> names() {
        return Set.of(STATUS_TOPIC, REQUEST_TOPIC, DIGEST_TOPIC, DLQ_TOPIC, PARTITIONS, REPLICATION_FACTOR);
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
