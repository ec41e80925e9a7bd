package io.alarmdigest.processor.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alarmdigest.kafka.TopicSettings;
import io.alarmdigest.model.HeaderNames;
import io.alarmdigest.model.MessageType;
import io.alarmdigest.processor.app.ProcessorApp;
import io.alarmdigest.processor.config.ProcessorConfig;
import io.alarmdigest.testing.KafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Exactly-once against a real broker, which {@code TopologyTestDriver} cannot show (it never aborts a
 * transaction): a crash inside a digest aborts its transaction, and after recovery exactly one complete digest is
 * committed with marks that match it; restarts on the same and on an empty state directory give the same results.
 */
class ExactlyOnceCrashIT {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER = "user-1";
    private static final Instant BASE = Instant.parse("2021-06-07T20:40:15.598765212Z");

    private static KafkaBroker broker;
    private static KafkaProducer<String, byte[]> producer;
    private static final AtomicInteger RUN = new AtomicInteger();

    private final List<ProcessorApp> apps = new ArrayList<>();
    private String prefix;
    private long seq;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start();
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void stopBroker() throws Exception {
        producer.close();
        broker.close();
    }

    @BeforeEach
    void isolate(TestInfo test) {
        prefix = "run" + RUN.incrementAndGet() + "-";
        FaultInjection.reset();
    }

    @AfterEach
    void stopApps() {
        apps.forEach(app -> app.close(Duration.ofSeconds(30)));
        FaultInjection.reset();
    }

    @Test
    void shouldAbortADigestCrashedBetweenTwoPartsAndAnswerOnceAfterRecovery() throws Exception {
        crashAndRecover(FaultInjection.Point.BETWEEN_PARTS);
    }

    @Test
    void shouldAbortADigestCrashedBeforeItsMarksAndAnswerOnceAfterRecovery() throws Exception {
        crashAndRecover(FaultInjection.Point.BEFORE_MARKS);
    }

    private void crashAndRecover(FaultInjection.Point point) throws Exception {
        Path stateDir = Files.createTempDirectory("state");
        start(stateDir, Map.of(ProcessorConfig.DIGEST_MAX_BYTES, 16 * 1024,
            StreamsConfig.PROCESSOR_WRAPPER_CLASS_CONFIG, FaultInjection.class.getName()));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            String changedAt = BASE.plusSeconds(i).toString();
            sendEvent(USER, "alarm-" + i, "CRITICAL", changedAt);
            expected.add("alarm-" + i + "=CRITICAL@" + changedAt);
        }
        FaultInjection.arm(point);
        String digestId = sendRequest(USER);

        List<ConsumerRecord<String, byte[]>> committed = awaitDigest(digestId, "read_committed");
        assertEquals(1, FaultInjection.fired(), "the fault was injected once");
        int parts = committed.size();
        assertTrue(parts >= 3, "a split digest: " + parts + " parts");
        List<String> listed = new ArrayList<>();
        for (int i = 0; i < parts; i++) {
            ConsumerRecord<String, byte[]> part = committed.get(i);
            // Whatever of the crashed attempt reached the log was aborted: each part is committed once, in order.
            assertEquals(Integer.toString(i + 1), header(part, "digest-part"), "each part once, in order");
            assertEquals(Integer.toString(parts), header(part, "digest-parts"));
            listed.addAll(alarms(part.value()));
        }
        assertEquals(expected, listed, "one complete digest");

        // The marks match the digest: nothing is pending any more, and a change shows up alone.
        assertEquals(List.of(), alarms(awaitDigest(sendRequest(USER), "read_committed").get(0).value()));
        sendEvent(USER, "alarm-7", "WARNING", BASE.plusSeconds(1000).toString());
        assertEquals(List.of("alarm-7=WARNING@" + BASE.plusSeconds(1000)),
            alarms(awaitDigest(sendRequest(USER), "read_committed").get(0).value()));
    }

    @Test
    void shouldGiveTheSameResultsAfterRestartsOnTheSameAndOnAnEmptyStateDirectory() throws Exception {
        Path stateDir = Files.createTempDirectory("state");
        ProcessorApp first = start(stateDir, Map.of());
        sendEvent(USER, "a", "WARNING", BASE.toString());
        sendEvent(USER, "b", "CRITICAL", BASE.plusSeconds(1).toString());
        sendEvent("user-2", "a", "CRITICAL", BASE.toString());
        assertEquals(List.of("a=WARNING@" + BASE, "b=CRITICAL@" + BASE.plusSeconds(1)), digest(USER));
        stop(first);

        // Events arrive while the processor is down.
        sendEvent(USER, "a", "CRITICAL", BASE.plusSeconds(2).toString());
        sendEvent(USER, "c", "WARNING", BASE.plusSeconds(3).toString());
        ProcessorApp sameDir = start(stateDir, Map.of());
        assertEquals(List.of("a=CRITICAL@" + BASE.plusSeconds(2), "c=WARNING@" + BASE.plusSeconds(3)), digest(USER));
        stop(sameDir);

        sendEvent(USER, "b", "CLEARED", BASE.plusSeconds(4).toString());
        sendEvent(USER, "b", "WARNING", BASE.plusSeconds(5).toString());
        start(Files.createTempDirectory("empty-state"), Map.of());
        assertEquals(List.of("b=WARNING@" + BASE.plusSeconds(5)), digest(USER), "state restored from the changelog");
        assertEquals(List.of("a=CRITICAL@" + BASE), digest("user-2"));
        assertEquals(List.of(), digest(USER));
    }

    @Test
    void shouldCommitAHundredThousandAlarmDigestWithinTheDefaultTransactionTimeout() throws Exception {
        start(Files.createTempDirectory("state"), Map.of());
        int alarms = 100_000;
        for (int i = 0; i < alarms; i++) {
            // IDs fall as times rise, so that the order checked below is the order by time.
            producer.send(eventRecord(USER, String.format("alarm-%06d", alarms - i), i % 3 == 0 ? "WARNING" : "CRITICAL",
                BASE.plusMillis(i).toString()));
        }
        producer.flush();
        String digestId = sendRequest(USER);
        List<ConsumerRecord<String, byte[]>> parts = awaitDigest(digestId, "read_committed");
        int listed = 0;
        String previous = "~";
        for (ConsumerRecord<String, byte[]> part : parts) {
            assertTrue(part.value().length <= 900 * 1024);
            for (String alarm : alarms(part.value())) {
                assertTrue(alarm.compareTo(previous) < 0, "oldest first across parts: " + alarm + " after " + previous);
                previous = alarm;
                listed++;
            }
        }
        assertEquals(alarms, listed);
        assertTrue(parts.size() > 1, "a 100,000-alarm digest is split: " + parts.size());
        // Had the transaction timed out, an aborted first attempt would sit in the log before the committed one.
        long written = readAll(prefix + "alarm-digest", "read_uncommitted").stream()
            .filter(r -> digestId.equals(header(r, "digest-id"))).count();
        assertEquals(parts.size(), written, "the digest was committed at the first attempt");
    }

    @Test
    void shouldRefuseAPositionTopicThatCannotBeTheIngressLock() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(prefix + "ingress-position", 2, (short) 1))).all().get();
        }
        IllegalStateException error = assertThrows(IllegalStateException.class,
            () -> start(Files.createTempDirectory("state"), Map.of()));
        assertTrue(error.getMessage().contains("Topic " + prefix + "ingress-position (topic.ingress-position) has 2 "
            + "partitions"), error.getMessage());
    }

    @Test
    void shouldCreateTheTopicsWithTheConfiguredPartitions() throws Exception {
        start(Files.createTempDirectory("state"), Map.of());
        try (KafkaConsumer<String, byte[]> consumer = consumer("read_committed");
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                 broker.bootstrapServers()))) {
            for (String topic : List.of("alarm-digest-input", "alarm-digest", "alarm-digest-dlq")) {
                List<PartitionInfo> partitions = consumer.partitionsFor(prefix + topic);
                assertEquals(2, partitions.size(), topic);
            }
            assertEquals(1, consumer.partitionsFor(prefix + "ingress-position").size(), "the election's one lock");
            ConfigResource position = new ConfigResource(ConfigResource.Type.TOPIC, prefix + "ingress-position");
            assertEquals("compact", admin.describeConfigs(List.of(position)).all().get().get(position)
                .get("cleanup.policy").value());
        }
    }

    private ProcessorApp start(Path stateDir, Map<String, Object> extra) throws InterruptedException {
        Map<String, Object> settings = new HashMap<>();
        settings.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        settings.put(StreamsConfig.APPLICATION_ID_CONFIG, prefix + "processor");
        settings.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        settings.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        // A replaced stream thread rejoins as a new member: the crashed one's partitions wait for its session to end.
        settings.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 3000);
        settings.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 500);
        settings.put(ProcessorConfig.PARTITIONS, 2);
        settings.put(ProcessorConfig.INPUT_TOPIC, prefix + "alarm-digest-input");
        settings.put(TopicSettings.POSITION_TOPIC, prefix + "ingress-position");
        settings.put(ProcessorConfig.DIGEST_TOPIC, prefix + "alarm-digest");
        settings.put(ProcessorConfig.DLQ_TOPIC, prefix + "alarm-digest-dlq");
        settings.put(ProcessorConfig.ROCKSDB_BLOCK_CACHE_BYTES, 16L * 1024 * 1024);
        settings.put(ProcessorConfig.ROCKSDB_WRITE_BUFFER_BYTES, 8L * 1024 * 1024);
        settings.putAll(extra);
        ProcessorApp app = ProcessorApp.start(settings);
        apps.add(app);
        return app;
    }

    private void stop(ProcessorApp app) {
        app.close(Duration.ofSeconds(30));
        apps.remove(app);
    }

    private void sendEvent(String user, String alarm, String status, String changedAt) throws Exception {
        producer.send(eventRecord(user, alarm, status, changedAt)).get();
    }

    private ProducerRecord<String, byte[]> eventRecord(String user, String alarm, String status, String changedAt) {
        String json = "{\"AlarmID\":\"" + alarm + "\",\"UserID\":\"" + user + "\",\"Status\":\"" + status
            + "\",\"ChangedAt\":\"" + changedAt + "\"}";
        return new ProducerRecord<>(prefix + "alarm-digest-input", null, System.currentTimeMillis(), user,
            json.getBytes(StandardCharsets.UTF_8), typed(new RecordHeaders(), MessageType.ALARM_STATUS_CHANGED));
    }

    /** Sends a request with a NATS identity; returns the Digest-Id its answer must carry. */
    private String sendRequest(String user) throws Exception {
        long sequence = ++seq;
        RecordHeaders headers = new RecordHeaders();
        headers.add("nats-stream", bytes("ALARMS"));
        headers.add("nats-stream-created", bytes("2021-06-01T00:00:00Z"));
        headers.add("nats-stream-seq", bytes(Long.toString(sequence)));
        producer.send(new ProducerRecord<>(prefix + "alarm-digest-input", null, System.currentTimeMillis(), user,
            bytes("{\"UserID\":\"" + user + "\"}"), typed(headers, MessageType.SEND_ALARM_DIGEST))).get();
        return "ALARMS:2021-06-01T00:00:00Z:" + sequence;
    }

    private static RecordHeaders typed(RecordHeaders headers, MessageType type) {
        headers.add(HeaderNames.MESSAGE_TYPE, bytes(type.headerValue()));
        return headers;
    }

    private List<String> digest(String user) throws Exception {
        List<ConsumerRecord<String, byte[]>> parts = awaitDigest(sendRequest(user), "read_committed");
        assertEquals(1, parts.size());
        return alarms(parts.get(0).value());
    }

    /** Waits until every part of digest {@code digestId} is readable, and returns them all (duplicates included). */
    private List<ConsumerRecord<String, byte[]>> awaitDigest(String digestId, String isolation) {
        Predicate<ConsumerRecord<String, byte[]>> ofDigest = r -> digestId.equals(header(r, "digest-id"));
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            List<ConsumerRecord<String, byte[]>> parts = readAll(prefix + "alarm-digest", isolation).stream()
                .filter(ofDigest).toList();
            if (!parts.isEmpty() && parts.size() >= Integer.parseInt(header(parts.get(0), "digest-parts"))) {
                return parts;
            }
        }
        throw new AssertionError("no complete digest " + digestId + " within " + DEADLINE);
    }

    private List<ConsumerRecord<String, byte[]>> readAll(String topic, String isolation) {
        try (KafkaConsumer<String, byte[]> consumer = consumer(isolation)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))
                && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    private KafkaConsumer<String, byte[]> consumer(String isolation) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 2 * 1024 * 1024);
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    private static String header(ConsumerRecord<String, byte[]> record, String key) {
        Header header = record.headers().lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static List<String> alarms(byte[] digest) {
        try {
            JsonNode json = JSON.readTree(digest);
            List<String> alarms = new ArrayList<>();
            for (JsonNode alarm : json.get("ActiveAlarms")) {
                alarms.add(alarm.get("AlarmID").asText() + "=" + alarm.get("Status").asText() + "@"
                    + alarm.get("LatestChangedAt").asText());
            }
            return alarms;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
