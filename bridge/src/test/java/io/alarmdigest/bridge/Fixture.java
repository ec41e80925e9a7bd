package io.alarmdigest.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.alarmdigest.testing.KafkaBroker;
import io.alarmdigest.testing.NatsServer;
import io.alarmdigest.testing.Waits;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.StreamInfo;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real nats-server and a real Kafka broker for one test class ({@code @RegisterExtension static final Fixture}),
 * started before its first test and stopped after its last, and the helpers the bridge tests share.
 */
final class Fixture implements BeforeAllCallback, AfterAllCallback {

    NatsServer nats;
    KafkaBroker kafka;
    private int run;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        nats = NatsServer.start();
        kafka = KafkaBroker.start();
    }

    /** Settings of an isolated run: its own topics, streams, consumer and group. */
    Map<String, Object> settings(String name) {
        String prefix = name + (++run);
        Map<String, Object> settings = new HashMap<>();
        settings.put("bootstrap.servers", kafka.bootstrapServers());
        settings.put(NatsSettings.URLS, nats.url());
        settings.put("topic.input", prefix + "-alarm-digest-input");
        settings.put("topic.alarm-digest", prefix + "-alarm-digest");
        settings.put("topic.dead-letter", prefix + "-alarm-digest-dlq");
        settings.put("topic.ingress-position", prefix + "-ingress-position");
        settings.put("topic.partitions", 3);
        settings.put(NatsSettings.STATUS_SUBJECT, prefix + ".AlarmStatusChanged");
        settings.put(NatsSettings.REQUEST_SUBJECT, prefix + ".SendAlarmDigest");
        settings.put(NatsSettings.DIGEST_SUBJECT, prefix + ".AlarmDigest");
        settings.put(BridgeConfig.INPUT_STREAM, prefix.toUpperCase() + "_INPUT");
        settings.put(BridgeConfig.DIGEST_STREAM, prefix.toUpperCase() + "_OUTPUT");
        settings.put(BridgeConfig.EGRESS_GROUP_ID, prefix + "-egress");
        settings.put(BridgeConfig.INGRESS_INSTANCE_ID, prefix + "-ingress-a");
        settings.put(BridgeConfig.SHUTDOWN_TIMEOUT_MS, 10_000L);
        return settings;
    }

    /** Settings of an isolated run of the ingress alone. */
    Map<String, Object> ingressSettings(String name) {
        Map<String, Object> settings = settings(name);
        settings.put(BridgeConfig.ROLES, "ingress");
        return settings;
    }

    Connection natsClient() throws Exception {
        return Nats.connect(new Options.Builder().server(nats.url()).maxReconnects(-1)
            .reconnectWait(Duration.ofMillis(200)).build());
    }

    /** Reads a topic from the start until {@code done} holds for what was read, or the deadline passes. */
    List<ConsumerRecord<String, byte[]>> readUntil(String topic, Predicate<List<ConsumerRecord<String, byte[]>>> done) {
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + Waits.DEADLINE.toNanos();
            while (!done.test(records) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    private KafkaConsumer<String, byte[]> consumer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Reads the input topic until it holds {@code count} records or the deadline passes. */
    List<ConsumerRecord<String, byte[]>> readInput(BridgeConfig config, long count) {
        return readUntil(config.topics().input(), read -> read.size() >= count);
    }

    /**
     * Contract rules 3 and 8 on what the ingress wrote: every stream sequence from {@code first} to {@code last}
     * exactly once, and each partition in increasing stream order.
     */
    static void assertExactlyOnceInStreamOrder(List<ConsumerRecord<String, byte[]>> records, long first, long last) {
        Map<Long, Integer> copies = new TreeMap<>();
        Map<Integer, Long> lastOfPartition = new HashMap<>();
        List<String> outOfOrder = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            long seq = Long.parseLong(header(record, "nats-stream-seq"));
            copies.merge(seq, 1, Integer::sum);
            Long before = lastOfPartition.put(record.partition(), seq);
            if (before != null && before >= seq && outOfOrder.size() < 10) {
                outOfOrder.add("partition " + record.partition() + ": " + seq + " after " + before);
            }
        }
        List<Long> missing = new ArrayList<>();
        for (long seq = first; seq <= last && missing.size() < 20; seq++) {
            if (!copies.containsKey(seq)) {
                missing.add(seq);
            }
        }
        List<Long> twice = copies.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
            .limit(20).toList();
        List<Long> foreign = copies.keySet().stream().filter(seq -> seq < first || seq > last).limit(20).toList();
        assertEquals(List.of(), missing, "stream sequences missing from Kafka");
        assertEquals(List.of(), twice, "stream sequences in Kafka more than once");
        assertEquals(List.of(), foreign, "sequences that were never published");
        assertEquals(List.of(), outOfOrder, "records out of stream order within a partition");
        assertEquals(last - first + 1, records.size(), "one record per message");
    }

    /** The last committed position of the input stream in the position topic (read_committed), or -1. */
    static long committedPosition(BridgeConfig config) {
        return StreamPosition.readCommitted(config.positionConsumerProperties(), config.topics().ingressPosition(),
            config.inputStream(), Waits.DEADLINE).map(StreamPosition::lastSequence).orElse(-1L);
    }

    static StreamInfo streamInfo(Connection client, String stream) {
        try {
            return client.jetStreamManagement().getStreamInfo(stream);
        } catch (Exception e) {
            throw new AssertionError("no info on stream " + stream + ": " + e, e);
        }
    }

    static String header(ConsumerRecord<String, byte[]> record, String key) {
        Header header = record.headers().lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String event(String user, String alarm, String status) {
        return "{\"AlarmID\":\"" + alarm + "\",\"UserID\":\"" + user + "\",\"Status\":\"" + status
            + "\",\"ChangedAt\":\"2021-06-07T20:40:15.598765212Z\"}";
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            if (kafka != null) {
                kafka.close();
            }
        } finally {
            if (nats != null) {
                nats.close();
            }
        }
    }
}
