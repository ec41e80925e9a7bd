package io.alarmdigest.bridge;

import static io.alarmdigest.bridge.Fixture.bytes;
import static io.alarmdigest.bridge.Fixture.event;
import static io.alarmdigest.bridge.Fixture.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.alarmdigest.model.Rfc3339;
import io.nats.client.Connection;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** NATS → Kafka against a real nats-server and a real broker: nothing lost, bad input dead-lettered. */
class IngressTest {
    private static final Logger LOG = LoggerFactory.getLogger(IngressTest.class);
    private static Fixture fixture;

    @BeforeAll
    static void start() throws Exception {
        fixture = new Fixture();
    }

    @AfterAll
    static void stop() throws Exception {
        fixture.close();
    }

    @Test
    void shouldMirrorTenThousandCorePublishesIntoKafkaKeyedByUser() throws Exception {
        Map<String, Object> settings = fixture.settings("mirror");
        settings.put(BridgeConfig.ROLES, "ingress");
        try (BridgeApp bridge = BridgeApp.start(settings); Connection client = fixture.natsClient()) {
            BridgeConfig config = bridge.config();
            for (int i = 0; i < 10_000; i++) {
                String user = "user-" + (i % 100);
                if (i % 10 == 0) {
                    client.publish(config.requestSubject(), bytes("{\"userId\":\"" + user + "\",\"n\":" + i + "}"));
                } else {
                    client.publish(config.statusSubject(), bytes(event(user, "alarm-" + i, "WARNING")));
                }
            }
            client.flush(Duration.ofSeconds(5));

            List<ConsumerRecord<String, byte[]>> events = fixture.readUntil(config.topics().statusChanged(),
                read -> distinctSeqs(read).size() >= 9_000);
            List<ConsumerRecord<String, byte[]>> requests = fixture.readUntil(config.topics().sendDigest(),
                read -> distinctSeqs(read).size() >= 1_000);
            assertEquals(9_000, distinctSeqs(events).size(), "every event, none missing");
            assertEquals(1_000, distinctSeqs(requests).size(), "every request, none missing");

            ConsumerRecord<String, byte[]> request = requests.get(0);
            String payload = new String(request.value(), StandardCharsets.UTF_8);
            assertTrue(payload.startsWith("{\"userId\":\"" + request.key() + "\""), "keyed by its UserID: " + payload);
            for (ConsumerRecord<String, byte[]> record : events) {
                assertTrue(new String(record.value(), StandardCharsets.UTF_8).contains("\"UserID\":\"" + record.key()
                    + "\""));
                assertEquals(config.statusSubject(), header(record, "nats-subject"));
                assertEquals(config.inputStream(), header(record, "nats-stream"));
                Instant stored = Rfc3339.parse("nats-timestamp", header(record, "nats-timestamp"));
                assertEquals(stored.toEpochMilli(), record.timestamp(), "record time is the NATS stored time");
            }
            StreamInfo stream = client.jetStreamManagement().getStreamInfo(config.inputStream());
            assertEquals(Rfc3339.format(stream.getCreateTime().toInstant()),
                header(events.get(0), "nats-stream-created"));
            assertTrue(Fixture.await(() -> bridge.metrics().count(BridgeMetrics.INGRESS_IN + config.statusSubject())
                >= 9_000));
            assertTrue(Fixture.await(() -> streamMessages(client, config.inputStream()) == 0),
                "acknowledged messages leave the work-queue stream");
        }
    }

    @Test
    void shouldDeadLetterMessagesWithoutAUsableUserIdAndKeepGoing() throws Exception {
        Map<String, Object> settings = fixture.settings("bad");
        settings.put(BridgeConfig.ROLES, "ingress");
        settings.put(BridgeConfig.INGRESS_MAX_MESSAGE_BYTES, 4096);
        try (BridgeApp bridge = BridgeApp.start(settings); Connection client = fixture.natsClient()) {
            BridgeConfig config = bridge.config();
            client.publish(config.statusSubject(), bytes("not json"));
            client.publish(config.requestSubject(), bytes("{\"UserID\":\"\"}"));
            client.publish(config.requestSubject(), bytes("{\"UserID\":\"a\",\"userid\":\"b\"}"));
            client.publish(config.statusSubject(), bytes("{\"UserID\":\"u\",\"pad\":\"" + "x".repeat(5000) + "\"}"));
            client.publish(config.statusSubject(), bytes(event("u", "a", "CRITICAL")));
            client.flush(Duration.ofSeconds(5));

            List<ConsumerRecord<String, byte[]>> dead = fixture.readUntil(config.topics().deadLetter(),
                read -> read.size() >= 4);
            Map<String, String> reasonBySource = new HashMap<>();
            Set<String> reasons = new HashSet<>();
            for (ConsumerRecord<String, byte[]> record : dead) {
                String reason = header(record, "dlq-reason");
                reasons.add(reason.substring(0, reason.indexOf(':')));
                reasonBySource.put(reason, header(record, "dlq-source"));
            }
            assertEquals(Set.of("not-json", "bad-id", "duplicate-field", "too-large"), reasons);
            ConsumerRecord<String, byte[]> tooLarge = dead.stream()
                .filter(r -> header(r, "dlq-reason").startsWith("too-large")).findFirst().orElseThrow();
            assertEquals(4096, tooLarge.value().length, "cut to the size limit");
            assertTrue(Integer.parseInt(header(tooLarge, "dlq-truncated-from")) > 5000);
            assertTrue(reasonBySource.containsValue(config.statusSubject()));
            assertEquals(1, fixture.readUntil(config.topics().statusChanged(), read -> !read.isEmpty()).size(),
                "the good message after them went through");
            assertTrue(Fixture.await(() -> bridge.metrics().count(BridgeMetrics.INGRESS_DEAD_LETTERS) == 4));
        }
    }

    @Test
    void shouldLoseNothingWhenAnIngressDiesMidStream() throws Exception {
        Map<String, Object> settings = fixture.settings("crash");
        settings.put(BridgeConfig.ROLES, "ingress");
        // Short timeouts so that NATS redelivers what the dead ingress held within the test's patience.
        settings.put(BridgeConfig.INGRESS_ACK_WAIT_MS, 4000L);
        settings.put("delivery.timeout.ms", 3000);
        settings.put("request.timeout.ms", 2000);
        settings.put("max.block.ms", 500);
        BridgeConfig config = new BridgeConfig(settings);
        int total = 5_000;
        try (BridgeApp provisioner = BridgeApp.start(settings)) {
            // Provisions the topics and the stream; its ingress stops before anything is published.
        }
        try (Connection client = fixture.natsClient(); Connection victimNats = fixture.natsClient()) {
            KafkaProducer<String, byte[]> victimProducer = new KafkaProducer<>(config.producerProperties(),
                new StringSerializer(), new ByteArraySerializer());
            NatsStreams.Input input = NatsStreams.provisionInput(victimNats.jetStreamManagement(), config);
            BridgeMetrics victimMetrics = new BridgeMetrics();
            Ingress victim = new Ingress(config, victimNats, victimProducer, victimMetrics, input);
            victim.start();
            for (int i = 0; i < total; i++) {
                client.publish(config.statusSubject(), bytes(event("user-" + (i % 50), "alarm-" + i, "CRITICAL")));
            }
            client.flush(Duration.ofSeconds(5));
            assertTrue(Fixture.await(() -> victimMetrics.count(BridgeMetrics.INGRESS_IN + config.statusSubject())
                > 100), "the first ingress was mid-stream");
            // Dies without a graceful close: no flush, no acks for what was in flight, connections cut.
            victim.halt();
            victimProducer.close(Duration.ZERO);
            victimNats.close();

            try (BridgeApp survivor = BridgeApp.start(settings)) {
                List<ConsumerRecord<String, byte[]>> events = fixture.readUntil(config.topics().statusChanged(),
                    read -> distinctSeqs(read).size() >= total);
                assertEquals(total, distinctSeqs(events).size(), "every accepted event reached Kafka");
                long duplicates = events.size() - total;
                assertTrue(duplicates >= 0);
                LOG.info("After the ingress crash: {} duplicates in Kafka, {} redeliveries", duplicates,
                    survivor.metrics().count(BridgeMetrics.INGRESS_REDELIVERED));
                assertTrue(Fixture.await(() -> streamMessages(client, config.inputStream()) == 0),
                    "the survivor acknowledged everything");
            }
        }
    }

    @Test
    void shouldAcknowledgeEverythingInFlightOnAGracefulStop() throws Exception {
        Map<String, Object> settings = fixture.settings("graceful");
        settings.put(BridgeConfig.ROLES, "ingress");
        BridgeConfig config = new BridgeConfig(settings);
        try (Connection client = fixture.natsClient()) {
            Duration took;
            BridgeApp bridge = BridgeApp.start(settings);
            try {
                for (int i = 0; i < 5_000; i++) {
                    client.publish(config.statusSubject(), bytes(event("user-" + (i % 30), "alarm-" + i, "WARNING")));
                }
                client.flush(Duration.ofSeconds(5));
                assertTrue(Fixture.await(() -> bridge.metrics().count(BridgeMetrics.INGRESS_IN + config.statusSubject())
                    > 500), "stopping mid-stream");
            } finally {
                long started = System.nanoTime();
                bridge.close();
                took = Duration.ofNanos(System.nanoTime() - started);
            }
            assertTrue(took.compareTo(config.shutdownTimeout()) < 0, "stopped within the shutdown timeout: " + took);

            // Acks travel on the bridge's connection, this query on another: give the server a moment to apply them.
            // Anything left unacknowledged would stay pending for the AckWait (minutes), far past this deadline.
            assertTrue(Fixture.await(() -> ackPending(client, config) == 0),
                "nothing left unacknowledged: " + ackPending(client, config));
            long inStream = streamMessages(client, config.inputStream());
            List<ConsumerRecord<String, byte[]>> events = fixture.readUntil(config.topics().statusChanged(),
                read -> distinctSeqs(read).size() >= 5_000 - inStream);
            assertEquals(5_000 - inStream, distinctSeqs(events).size(),
                "what left the stream is in Kafka, what is not in Kafka is still in the stream");
        }
    }

    @Test
    void shouldBindToAStreamThatAlreadyCapturesTheInputSubjects() throws Exception {
        Map<String, Object> settings = fixture.settings("bind");
        settings.put(BridgeConfig.ROLES, "ingress");
        BridgeConfig config = new BridgeConfig(settings);
        try (Connection client = fixture.natsClient()) {
            client.jetStreamManagement().addStream(StreamConfiguration.builder()
                .name("THEIRS_" + config.inputStream()).subjects(config.statusSubject(), config.requestSubject())
                .storageType(StorageType.File).retentionPolicy(RetentionPolicy.WorkQueue).build());
            try (BridgeApp bridge = BridgeApp.start(settings)) {
                client.publish(config.statusSubject(), bytes(event("u", "a", "WARNING")));
                List<ConsumerRecord<String, byte[]>> events = fixture.readUntil(config.topics().statusChanged(),
                    read -> !read.isEmpty());
                assertEquals("THEIRS_" + config.inputStream(), header(events.get(0), "nats-stream"));
                assertTrue(client.jetStreamManagement().getStreamNames().stream()
                    .noneMatch(config.inputStream()::equals), "no second stream was created");
            }
        }
    }

    @Test
    void shouldRefuseAStreamThatAlsoCapturesOtherSubjects() throws Exception {
        Map<String, Object> settings = fixture.settings("foreign");
        settings.put(BridgeConfig.ROLES, "ingress");
        BridgeConfig config = new BridgeConfig(settings);
        try (Connection client = fixture.natsClient()) {
            client.jetStreamManagement().addStream(StreamConfiguration.builder()
                .name("WIDE_" + config.inputStream())
                .subjects(config.statusSubject(), config.requestSubject(), "someone.else")
                .storageType(StorageType.File).build());
            IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> BridgeApp.start(settings));
            assertTrue(error.getMessage().contains("WIDE_" + config.inputStream())
                && error.getMessage().contains(BridgeConfig.INPUT_STREAM), error.getMessage());
        }
    }

    @Test
    void shouldRefuseAStreamThatWouldReplayItsHistory() throws Exception {
        Map<String, Object> settings = fixture.settings("limits");
        settings.put(BridgeConfig.ROLES, "ingress");
        BridgeConfig config = new BridgeConfig(settings);
        try (Connection client = fixture.natsClient()) {
            client.jetStreamManagement().addStream(StreamConfiguration.builder()
                .name(config.inputStream()).subjects(config.statusSubject(), config.requestSubject())
                .storageType(StorageType.File).retentionPolicy(RetentionPolicy.Limits).build());
            IllegalStateException error = assertThrows(IllegalStateException.class, () -> BridgeApp.start(settings));
            assertTrue(error.getMessage().contains("limits retention"), error.getMessage());
        }
    }

    private static Set<String> distinctSeqs(List<ConsumerRecord<String, byte[]>> records) {
        Set<String> seqs = new HashSet<>();
        records.forEach(r -> seqs.add(header(r, "nats-stream-seq")));
        return seqs;
    }

    private static long ackPending(Connection client, BridgeConfig config) {
        try {
            return client.jetStreamManagement().getConsumerInfo(config.inputStream(), config.inputConsumer())
                .getNumAckPending();
        } catch (Exception e) {
            return -1;
        }
    }

    private static long streamMessages(Connection client, String stream) {
        try {
            return client.jetStreamManagement().getStreamInfo(stream).getStreamState().getMsgCount();
        } catch (Exception e) {
            return -1;
        }
    }
}
