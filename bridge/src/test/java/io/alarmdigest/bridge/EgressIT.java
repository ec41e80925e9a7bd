package io.alarmdigest.bridge;

import static io.alarmdigest.bridge.Fixture.bytes;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.alarmdigest.model.HeaderNames;
import io.alarmdigest.testing.Meters;
import io.alarmdigest.testing.Waits;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.nats.client.api.MessageInfo;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Kafka → NATS against a real broker and a real nats-server: every digest published, never skipped. */
class EgressIT {
    @RegisterExtension
    static final Fixture fixture = new Fixture();
    private static KafkaProducer<String, byte[]> producer;

    @BeforeAll
    static void start() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, fixture.kafka.bootstrapServers());
        producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void stop() {
        if (producer != null) {
            producer.close();
        }
    }

    /** Writes digest parts as the processor would: {@code digests} digests of {@code parts} parts each. */
    private static void writeDigests(BridgeConfig config, int digests, int parts) throws Exception {
        for (int d = 0; d < digests; d++) {
            for (int p = 1; p <= parts; p++) {
                RecordHeaders headers = new RecordHeaders();
                headers.add(HeaderNames.DIGEST_ID, bytes("ALARMS:2021-06-01T00:00:00Z:" + d));
                headers.add(HeaderNames.DIGEST_PART, bytes(Integer.toString(p)));
                headers.add(HeaderNames.DIGEST_PARTS, bytes(Integer.toString(parts)));
                producer.send(new ProducerRecord<>(config.topics().digest(), null, "user-" + (d % 7),
                    bytes("{\"UserID\":\"user-" + (d % 7) + "\",\"ActiveAlarms\":[],\"d\":" + d + "}"), headers));
            }
        }
        producer.flush();
    }

    @Test
    void shouldPublishEveryDigestPartWithTheContractsHeaders() throws Exception {
        Map<String, Object> settings = fixture.settings("publish");
        settings.put(BridgeConfig.ROLES, "egress");
        try (Connection client = fixture.natsClient(); BridgeApp bridge = BridgeApp.start(settings)) {
            BridgeConfig config = bridge.config();
            Subscription subscription = client.subscribe(config.digestSubject());
            client.flush(Duration.ofSeconds(5));
            writeDigests(config, 100, 2);

            // A plain subscriber may see a re-published copy (after a slow acknowledgement): count distinct parts.
            Set<String> seen = new HashSet<>();
            while (seen.size() < 200) {
                Message message = subscription.nextMessage(Waits.DEADLINE);
                assertTrue(message != null, "digest part " + seen.size() + " arrived");
                String id = message.getHeaders().getFirst("Digest-Id");
                String part = message.getHeaders().getFirst("Digest-Part");
                assertEquals("2", message.getHeaders().getFirst("Digest-Parts"));
                assertEquals(id + "#" + part, message.getHeaders().getFirst("Nats-Msg-Id"));
                seen.add(id + "#" + part);
            }
            Waits.awaitThat("the digest stream holds one copy of each",
                () -> streamMessages(client, config.digestStream()), equalTo(200L));
            Waits.awaitThat("offsets committed after NATS confirmed", () -> committed(config), equalTo(200L));
        }
    }

    @Test
    void shouldStoreEachUsersPartsInTheirOrderWhileUsersArePublishedSideBySide() throws Exception {
        Map<String, Object> settings = fixture.settings("order");
        settings.put(BridgeConfig.ROLES, "egress");
        try (Connection client = fixture.natsClient(); BridgeApp bridge = BridgeApp.start(settings)) {
            BridgeConfig config = bridge.config();
            // Seven users, 140 digests of three parts: batches hold every user many times over.
            writeDigests(config, 140, 3);
            Waits.awaitThat("the digest stream holds every part once",
                () -> streamMessages(client, config.digestStream()), equalTo(420L));
            Map<String, List<String>> perUser = new java.util.TreeMap<>();
            for (long seq = 1; seq <= 420; seq++) {
                MessageInfo stored = client.jetStreamManagement().getMessage(config.digestStream(), seq);
                String body = new String(stored.getData(), java.nio.charset.StandardCharsets.UTF_8);
                String user = body.substring(body.indexOf("user-"), body.indexOf("\",\"Active"));
                String digest = body.substring(body.indexOf("\"d\":") + 4, body.length() - 1);
                perUser.computeIfAbsent(user, u -> new java.util.ArrayList<>())
                    .add(digest + "#" + stored.getHeaders().getFirst("Digest-Part"));
            }
            for (int u = 0; u < 7; u++) {
                List<String> expected = new java.util.ArrayList<>();
                for (int d = u; d < 140; d += 7) {
                    for (int p = 1; p <= 3; p++) {
                        expected.add(d + "#" + p);
                    }
                }
                assertEquals(expected, perUser.get("user-" + u), "user-" + u + "'s parts in the order written");
            }
        }
    }

    @Test
    void shouldRepublishAfterACrashBetweenPublishAndCommitAndKeepOneCopyInTheStream() throws Exception {
        Map<String, Object> settings = fixture.settings("republish");
        settings.put(BridgeConfig.ROLES, "egress");
        BridgeConfig config = new BridgeConfig(settings);
        try (BridgeApp provisioner = BridgeApp.start(settings)) {
            // Topics and the digest stream exist from here on.
        }
        writeDigests(config, 50, 1);
        AtomicInteger consumersMade = new AtomicInteger();
        try (Connection nats = fixture.natsClient()) {
            MeterRegistry meters = new SimpleMeterRegistry();
            // Real consumers; the first one's commit dies: its publications went out, their offsets did not.
            Egress egress = new Egress(config, nats, () -> consumersMade.incrementAndGet() == 1
                ? new KafkaConsumer<>(config.consumerProperties(), new StringDeserializer(), new ByteArrayDeserializer()) {
                    @Override
                    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
                        throw new IllegalStateException("crash between publish and commit");
                    }
                }
                : new KafkaConsumer<>(config.consumerProperties(), new StringDeserializer(), new ByteArrayDeserializer()),
                new EgressMetrics(meters), Time.SYSTEM);
            egress.start();
            try {
                Waits.awaitThat("every digest committed in the end", () -> committed(config), equalTo(50L));
                assertTrue(consumersMade.get() >= 2, "the egress resumed with a new consumer after the crash");
                assertTrue(Meters.count(meters, EgressMetrics.DUPLICATES_DROPPED) > 0,
                    "it published again what had been published before the crash");
                Waits.awaitThat("the stream kept one copy of each (Nats-Msg-Id)",
                    () -> streamMessages(nats, config.digestStream()), equalTo(50L));
            } finally {
                egress.close();
            }
        }
    }

    @Test
    void shouldNotBeHeldUpByASlowOrAbsentSubscriber() throws Exception {
        Map<String, Object> settings = fixture.settings("slow");
        settings.put(BridgeConfig.ROLES, "egress");
        settings.put(BridgeConfig.DIGEST_STREAM_ENABLED, false);
        CountDownLatch release = new CountDownLatch(1);
        try (Connection slowClient = fixture.natsClient(); BridgeApp bridge = BridgeApp.start(settings)) {
            BridgeConfig config = bridge.config();
            writeDigests(config, 500, 1);
            Waits.awaitThat("published to nobody, and committed", () -> committed(config), equalTo(500L));

            Dispatcher stuck = slowClient.createDispatcher(message -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            stuck.subscribe(config.digestSubject());
            slowClient.flush(Duration.ofSeconds(5));
            writeDigests(config, 3000, 1);
            Waits.awaitThat("a stuck subscriber does not stop egress", () -> committed(config), equalTo(3500L));
        } finally {
            release.countDown();
        }
    }

    private static long streamMessages(Connection client, String stream) {
        try {
            return client.jetStreamManagement().getStreamInfo(stream).getStreamState().getMsgCount();
        } catch (Exception e) {
            return -1;
        }
    }

    private static long committed(BridgeConfig config) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            fixture.kafka.bootstrapServers()))) {
            return admin.listConsumerGroupOffsets(config.egressGroupId()).partitionsToOffsetAndMetadata().get()
                .values().stream().mapToLong(OffsetAndMetadata::offset).sum();
        } catch (Exception e) {
            return -1;
        }
    }
}
