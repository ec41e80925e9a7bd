package io.alarmdigest.reliability;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The service's dead-letter topic, read as an operator would: a plain consumer without a group, committed records
 * only, every partition, between offsets the caller took.
 */
final class DeadLetterTopic implements AutoCloseable {
    static final String TOPIC = "alarm-digest-dlq";

    /**
     * One dead letter: the NATS subject it came from (its {@code nats-subject} header), its key and value, and the
     * {@code dlq-*} headers; {@code truncatedFrom} is -1 when the value was not cut.
     */
    record DeadLetter(String subject, String key, byte[] value, String reason, String source, int truncatedFrom,
                      String where) {
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> partitions = new ArrayList<>();

    DeadLetterTopic(String bootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(2 * 1024 * 1024));
        consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        for (PartitionInfo partition : consumer.partitionsFor(TOPIC, Duration.ofSeconds(30))) {
            partitions.add(new TopicPartition(TOPIC, partition.partition()));
        }
        if (partitions.isEmpty()) {
            throw new IllegalStateException("topic " + TOPIC + " has no partitions");
        }
        consumer.assign(partitions);
    }

    /** The end of each partition as far as it is committed. */
    Map<TopicPartition, Long> end() {
        return new HashMap<>(consumer.endOffsets(partitions, Duration.ofSeconds(30)));
    }

    /** Every committed record from {@code from} up to {@code to} (exclusive), in partition order. */
    List<DeadLetter> read(Map<TopicPartition, Long> from, Map<TopicPartition, Long> to, Duration timeout) {
        for (TopicPartition partition : partitions) {
            consumer.seek(partition, from.getOrDefault(partition, 0L));
        }
        List<DeadLetter> letters = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!reached(to)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("could not read " + TOPIC + " up to " + to + " within " + timeout);
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                if (record.offset() >= to.getOrDefault(new TopicPartition(record.topic(), record.partition()), 0L)) {
                    continue;
                }
                String truncated = header(record, "dlq-truncated-from");
                letters.add(new DeadLetter(header(record, "nats-subject"),
                    record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8),
                    record.value() == null ? new byte[0] : record.value(), header(record, "dlq-reason"),
                    header(record, "dlq-source"), truncated == null ? -1 : Integer.parseInt(truncated),
                    record.partition() + "/" + record.offset()));
            }
        }
        return letters;
    }

    private boolean reached(Map<TopicPartition, Long> to) {
        for (TopicPartition partition : partitions) {
            if (consumer.position(partition) < to.getOrDefault(partition, 0L)) {
                return false;
            }
        }
        return true;
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
