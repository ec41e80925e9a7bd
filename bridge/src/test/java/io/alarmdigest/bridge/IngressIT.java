package io.alarmdigest.bridge;

import static io.alarmdigest.bridge.Fixture.bytes;
import static io.alarmdigest.bridge.Fixture.event;
import static io.alarmdigest.bridge.Fixture.header;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.alarmdigest.model.Rfc3339;
import io.alarmdigest.testing.Meters;
import io.alarmdigest.testing.Waits;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * NATS → Kafka against a real nats-server and a real broker: every stream message exactly once in the one input
 * topic, in stream order, with the position committed alongside and the stream purged below it; bad input
 * dead-lettered in the same transactions; streams that cannot be copied safely refused.
 */
class IngressIT {
    @RegisterExtension
    static final Fixture fixture = new Fixture();

    @Test
    void shouldCopyTenThousandCorePublishesExactlyOnceInStreamOrder() throws Exception {
        Map<String, Object> settings = fixture.ingressSettings("mirror");
        settings.put(BridgeConfig.INGRESS_PURGE_INTERVAL_MS, 200L);
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
            StreamInfo stored = Fixture.streamInfo(client, config.inputStream());
            assertEquals(10_000, stored.getStreamState().getLastSequence(), "the stream stored every publish");

            List<ConsumerRecord<String, byte[]>> records = fixture.readInput(config, 10_000);
            Fixture.assertExactlyOnceInStreamOrder(records, 1, 10_000);
            String created = Rfc3339.format(stored.getCreateTime().toInstant());
            for (ConsumerRecord<String, byte[]> record : records) {
                long seq = Long.parseLong(header(record, "nats-stream-seq"));
                boolean request = (seq - 1) % 10 == 0;
                assertEquals(request ? "SendAlarmDigest" : "AlarmStatusChanged", header(record, "message-type"));
                assertEquals(request ? config.requestSubject() : config.statusSubject(), header(record, "nats-subject"));
                assertEquals(config.inputStream(), header(record, "nats-stream"));
                assertEquals(created, header(record, "nats-stream-created"));
                String payload = new String(record.value(), StandardCharsets.UTF_8);
                assertTrue(payload.contains("\"" + record.key() + "\""), "keyed by its UserID: " + payload);
                Instant storedAt = Rfc3339.parse("nats-timestamp", header(record, "nats-timestamp"));
                assertEquals(storedAt.toEpochMilli(), record.timestamp(), "record time is the NATS stored time");
            }
            assertEquals(10_000, Fixture.committedPosition(config), "the position covers every copied message");
            Waits.awaitThat("purged up to the committed position",
                () -> Meters.gauge(bridge.meters(), IngressMetrics.PURGED_UP_TO), equalTo(10_000L),
                () -> Meters.describe(bridge.meters()));
            StreamInfo purged = Fixture.streamInfo(client, config.inputStream());
            assertEquals(0, purged.getStreamState().getMsgCount(), "nothing copied is kept in the stream");
            assertEquals(10_001, purged.getStreamState().getFirstSequence());
            assertEquals(9_000, Meters.count(bridge.meters(), IngressMetrics.MESSAGES, IngressMetrics.SUBJECT_TAG, config.statusSubject()));
            assertEquals(1_000, Meters.count(bridge.meters(), IngressMetrics.MESSAGES, IngressMetrics.SUBJECT_TAG, config.requestSubject()));
            assertEquals(10_000, Meters.total(bridge.meters(), IngressMetrics.TRANSACTION_MESSAGES));
            assertEquals(0, Meters.count(bridge.meters(), IngressMetrics.SEQUENCE_GAPS));
        }
    }

    @Test
    void shouldDeadLetterBadMessagesInTheSameTransactionsAndKeepGoing() throws Exception {
        Map<String, Object> settings = fixture.ingressSettings("bad");
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
            Set<String> reasons = new HashSet<>();
            for (ConsumerRecord<String, byte[]> record : dead) {
                String reason = header(record, "dlq-reason");
                reasons.add(reason.substring(0, reason.indexOf(':')));
                String subject = header(record, "dlq-source");
                assertTrue(subject.equals(config.statusSubject()) || subject.equals(config.requestSubject()), subject);
                assertEquals(subject, header(record, "nats-subject"), "provenance kept");
            }
            assertEquals(4, dead.size(), "each bad message once");
            assertEquals(Set.of("not-json", "bad-id", "duplicate-field", "too-large"), reasons);
            ConsumerRecord<String, byte[]> tooLarge = dead.stream()
                .filter(r -> header(r, "dlq-reason").startsWith("too-large")).findFirst().orElseThrow();
            assertEquals(4096, tooLarge.value().length, "cut to the size limit");
            assertTrue(Integer.parseInt(header(tooLarge, "dlq-truncated-from")) > 5000);
            List<ConsumerRecord<String, byte[]>> input = fixture.readInput(config, 1);
            assertEquals(1, input.size(), "the good message after them went through");
            assertEquals("5", header(input.get(0), "nats-stream-seq"));
            Waits.awaitThat("ingress dead letters",
                () -> Meters.count(bridge.meters(), IngressMetrics.DEAD_LETTERS), equalTo(4L));
            assertEquals(5, Fixture.committedPosition(config), "dead letters count as copied");
        }
    }

    @Test
    void shouldCommitWhatItReadOnAGracefulStopAndResumeRightAfterIt() throws Exception {
        Map<String, Object> settings = fixture.ingressSettings("graceful");
        BridgeConfig config = new BridgeConfig(settings);
        try (Connection client = fixture.natsClient()) {
            Duration took;
            BridgeApp bridge = BridgeApp.start(settings);
            try {
                for (int i = 0; i < 5_000; i++) {
                    client.publish(config.statusSubject(), bytes(event("user-" + (i % 30), "alarm-" + i, "WARNING")));
                }
                client.flush(Duration.ofSeconds(5));
                Waits.awaitThat("stopping mid-stream",
                    () -> Meters.count(bridge.meters(), IngressMetrics.MESSAGES, IngressMetrics.SUBJECT_TAG, config.statusSubject()), greaterThan(500L));
            } finally {
                long started = System.nanoTime();
                bridge.close();
                took = Duration.ofNanos(System.nanoTime() - started);
            }
            assertTrue(took.compareTo(config.shutdownTimeout()) < 0, "stopped within the shutdown timeout: " + took);
            long position = Fixture.committedPosition(config);
            List<ConsumerRecord<String, byte[]>> before = fixture.readInput(config, position);
            Fixture.assertExactlyOnceInStreamOrder(before, 1, position);
            assertTrue(position >= 500, "what it had read was committed: " + position);

            try (BridgeApp again = BridgeApp.start(settings)) {
                Fixture.assertExactlyOnceInStreamOrder(fixture.readInput(config, 5_000), 1, 5_000);
                assertEquals(5_000, Fixture.committedPosition(config));
            }
        }
    }

    @Test
    void shouldCarryOnAfterAFencingWhenNoOtherIngressTookOver() throws Exception {
        Map<String, Object> settings = fixture.ingressSettings("fenced");
        try (BridgeApp bridge = BridgeApp.start(settings); Connection client = fixture.natsClient()) {
            BridgeConfig config = bridge.config();
            publish(client, config, 0, 1_000);
            Waits.awaitThat("ingress position",
                () -> Meters.gauge(bridge.meters(), IngressMetrics.POSITION), equalTo(1_000L));
            // Someone initialises the stream's transactional id: the ingress is fenced at its next write. Still
            // the group's only member, it is elected again and carries on from the committed position.
            Map<String, Object> intruder = Map.of("bootstrap.servers", fixture.kafka.bootstrapServers(),
                "transactional.id", config.ingressTransactionalId());
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(intruder, new StringSerializer(),
                new ByteArraySerializer())) {
                producer.initTransactions();
            }
            publish(client, config, 1_000, 2_000);
            Waits.awaitThat("copying again after the fencing",
                () -> Meters.gauge(bridge.meters(), IngressMetrics.POSITION), equalTo(2_000L),
                () -> Meters.describe(bridge.meters()));
            assertTrue(Meters.count(bridge.meters(), IngressMetrics.FENCED) >= 1, "it was fenced");
            Fixture.assertExactlyOnceInStreamOrder(fixture.readInput(config, 2_000), 1, 2_000);
        }
    }

    private static void publish(Connection client, BridgeConfig config, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            client.publish(config.statusSubject(), bytes(event("user-" + (i % 13), "alarm-" + i, "WARNING")));
        }
        client.flush(Duration.ofSeconds(5));
    }

    @Test
    void shouldCopyAStreamThatWasCreatedAnewFromItsFirstMessage() throws Exception {
        Map<String, Object> settings = fixture.ingressSettings("recreated");
        try (BridgeApp bridge = BridgeApp.start(settings); Connection client = fixture.natsClient()) {
            BridgeConfig config = bridge.config();
            JetStream jetStream = client.jetStream();
            for (int i = 0; i < 100; i++) {
                jetStream.publish(config.statusSubject(), bytes(event("user-" + (i % 7), "old-" + i, "WARNING")));
            }
            String oldCreated = Rfc3339.format(Fixture.streamInfo(client, config.inputStream()).getCreateTime()
                .toInstant());
            Fixture.assertExactlyOnceInStreamOrder(fixture.readInput(config, 100), 1, 100);

            client.jetStreamManagement().deleteStream(config.inputStream());
            // The ingress provisions the stream again once it notices, and copies the new one from its start.
            Waits.awaitThat("the stream came back", () -> streamExists(client, config.inputStream()), is(true));
            String newCreated = Rfc3339.format(Fixture.streamInfo(client, config.inputStream()).getCreateTime()
                .toInstant());
            for (int i = 0; i < 50; i++) {
                jetStream.publish(config.statusSubject(), bytes(event("user-" + (i % 7), "new-" + i, "CRITICAL")));
            }
            List<ConsumerRecord<String, byte[]>> all = fixture.readInput(config, 150);
            List<ConsumerRecord<String, byte[]>> ofOld = all.stream()
                .filter(r -> oldCreated.equals(header(r, "nats-stream-created"))).toList();
            List<ConsumerRecord<String, byte[]>> ofNew = all.stream()
                .filter(r -> newCreated.equals(header(r, "nats-stream-created"))).toList();
            Fixture.assertExactlyOnceInStreamOrder(ofOld, 1, 100);
            Fixture.assertExactlyOnceInStreamOrder(ofNew, 1, 50);
            assertEquals(150, all.size());
            assertTrue(Meters.count(bridge.meters(), IngressMetrics.STREAM_RECREATED) >= 1);
            assertEquals(50, Fixture.committedPosition(config), "the position is the new stream's");
        }
    }

    @Test
    void shouldCountAndLogMessagesTheStreamLostBeforeTheyWereCopied() throws Exception {
        Map<String, Object> settings = fixture.ingressSettings("gap");
        BridgeConfig config = new BridgeConfig(settings);
        try (Connection client = fixture.natsClient()) {
            try (BridgeApp provisioner = BridgeApp.start(settings)) {
                // Topics and stream exist from here on; nothing is published while it runs.
            }
            JetStream jetStream = client.jetStream();
            for (int i = 0; i < 100; i++) {
                jetStream.publish(config.statusSubject(), bytes(event("user-" + (i % 7), "alarm-" + i, "WARNING")));
            }
            // Someone deletes messages that were never copied: an operator, or a limit.
            for (long seq = 40; seq < 50; seq++) {
                client.jetStreamManagement().deleteMessage(config.inputStream(), seq);
            }
            try (BridgeApp bridge = BridgeApp.start(settings)) {
                Waits.awaitThat("ingress position",
                    () -> Meters.gauge(bridge.meters(), IngressMetrics.POSITION), equalTo(100L));
                List<ConsumerRecord<String, byte[]>> records = fixture.readInput(config, 90);
                Fixture.assertExactlyOnceInStreamOrder(records.stream()
                    .filter(r -> Long.parseLong(header(r, "nats-stream-seq")) < 40).toList(), 1, 39);
                Fixture.assertExactlyOnceInStreamOrder(records.stream()
                    .filter(r -> Long.parseLong(header(r, "nats-stream-seq")) >= 50).toList(), 50, 100);
                assertEquals(10, Meters.count(bridge.meters(), IngressMetrics.SEQUENCE_GAPS), "the lost ten counted");
            }
        }
    }

    @Test
    void shouldResumeAfterTheStreamsLastMessageWhenItEndsBelowTheCommittedPosition() throws Exception {
        Map<String, Object> settings = fixture.ingressSettings("rollback");
        BridgeConfig config = new BridgeConfig(settings);
        try (Connection client = fixture.natsClient()) {
            try (BridgeApp bridge = BridgeApp.start(settings)) {
                for (int i = 0; i < 100; i++) {
                    client.publish(config.statusSubject(), bytes(event("u", "before-" + i, "WARNING")));
                }
                Waits.awaitThat("ingress position",
                    () -> Meters.gauge(bridge.meters(), IngressMetrics.POSITION), equalTo(100L));
            }
            // What a NATS host crash without sync leaves: the committed position is past the stream's end (here
            // 200 messages copied after sequence 100 were lost), and new messages take their sequences again.
            String created = Rfc3339.format(Fixture.streamInfo(client, config.inputStream()).getCreateTime()
                .toInstant());
            String lastStored = header(fixture.readInput(config, 100).stream()
                .filter(r -> "100".equals(header(r, "nats-stream-seq"))).findFirst().orElseThrow(), "nats-timestamp");
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                fixture.kafka.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(config.topics().ingressPosition(), config.inputStream(),
                    new StreamPosition(config.inputStream(), created, 300, lastStored).value())).get();
            }
            try (BridgeApp bridge = BridgeApp.start(settings)) {
                for (int i = 0; i < 50; i++) {
                    client.publish(config.statusSubject(), bytes(event("u", "after-" + i, "CRITICAL")));
                }
                Waits.awaitThat("the new messages were copied although their sequences were below the position",
                    () -> Meters.gauge(bridge.meters(), IngressMetrics.POSITION), equalTo(150L),
                    () -> Meters.describe(bridge.meters()));
                Fixture.assertExactlyOnceInStreamOrder(fixture.readInput(config, 150), 1, 150);
                assertEquals(1, Meters.count(bridge.meters(), IngressMetrics.STREAM_ROLLBACKS));
            }
        }
    }

    @Test
    void shouldBindToAnExistingStreamThatCapturesTheInputSubjects() throws Exception {
        Map<String, Object> settings = fixture.ingressSettings("bind");
        BridgeConfig config = new BridgeConfig(settings);
        try (Connection client = fixture.natsClient()) {
            client.jetStreamManagement().addStream(StreamConfiguration.builder()
                .name("THEIRS_" + config.inputStream()).subjects(config.statusSubject(), config.requestSubject())
                .storageType(StorageType.File).retentionPolicy(RetentionPolicy.Limits).build());
            try (BridgeApp bridge = BridgeApp.start(settings)) {
                client.publish(config.statusSubject(), bytes(event("u", "a", "WARNING")));
                List<ConsumerRecord<String, byte[]>> events = fixture.readInput(config, 1);
                assertEquals("THEIRS_" + config.inputStream(), header(events.get(0), "nats-stream"));
                assertTrue(client.jetStreamManagement().getStreamNames().stream()
                    .noneMatch(config.inputStream()::equals), "no second stream was created");
            }
        }
    }

    @Test
    void shouldRefuseAStreamThatAlsoCapturesOtherSubjects() throws Exception {
        Map<String, Object> settings = fixture.ingressSettings("foreign");
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
    void shouldRefuseAWorkQueueStreamAndSayHowToMoveOver() throws Exception {
        Map<String, Object> settings = fixture.ingressSettings("workqueue");
        BridgeConfig config = new BridgeConfig(settings);
        try (Connection client = fixture.natsClient()) {
            client.jetStreamManagement().addStream(StreamConfiguration.builder()
                .name(config.inputStream()).subjects(config.statusSubject(), config.requestSubject())
                .storageType(StorageType.File).retentionPolicy(RetentionPolicy.WorkQueue).build());
            IllegalStateException error = assertThrows(IllegalStateException.class, () -> BridgeApp.start(settings));
            String message = error.getMessage();
            assertTrue(message.contains("work-queue retention") && message.contains("older version")
                && message.contains("nats stream rm " + config.inputStream()), message);
        }
    }

    @Test
    void shouldRefuseAnInterestStream() throws Exception {
        Map<String, Object> settings = fixture.ingressSettings("interest");
        BridgeConfig config = new BridgeConfig(settings);
        try (Connection client = fixture.natsClient()) {
            client.jetStreamManagement().addStream(StreamConfiguration.builder()
                .name(config.inputStream()).subjects(config.statusSubject(), config.requestSubject())
                .storageType(StorageType.File).retentionPolicy(RetentionPolicy.Interest).build());
            IllegalStateException error = assertThrows(IllegalStateException.class, () -> BridgeApp.start(settings));
            assertTrue(error.getMessage().contains("has interest retention"), error.getMessage());
        }
    }

    private static boolean streamExists(Connection client, String stream) {
        try {
            client.jetStreamManagement().getStreamInfo(stream);
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
