package io.alarmdigest.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.alarmdigest.bridge.BridgeApp;
import io.alarmdigest.processor.app.ProcessorApp;
import io.alarmdigest.testing.KafkaBroker;
import io.alarmdigest.testing.NatsServer;
import io.alarmdigest.testing.TestCertificates;
import io.nats.client.Connection;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PullSubscribeOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/**
 * The processor and both bridges — the transactional ingress, the read-committed egress, the admin clients that
 * provision the topics — against a broker whose only client listener demands TLS and SASL SCRAM-SHA-512, as a
 * production cluster does: an event and a request through, the digest back. A wrong password stops start-up with
 * a message that says so, not a retry loop that hides it. No log line of the class holds a password.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecuredKafkaIT {
    private static final String USER = "alarm-digest";
    private static final String PASSWORD = "kafka-Pa55-4e1c-secret";
    private static final Duration DIGEST_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration FAILURE_GUARD = Duration.ofMinutes(2);

    private final CapturedLogs logs = new CapturedLogs();
    private TestCertificates certificates;
    private KafkaBroker kafka;
    private NatsServer nats;

    @BeforeAll
    void start() throws Exception {
        logs.start();
        certificates = TestCertificates.create(Files.createTempDirectory("kafka-tls"));
        kafka = KafkaBroker.startSecured(certificates, Map.of(USER, PASSWORD));
        nats = NatsServer.start();
    }

    @AfterAll
    void stop() throws Exception {
        try {
            nats.close();
            kafka.close();
        } finally {
            logs.stop();
        }
        logs.assertNone(List.of(PASSWORD));
    }

    @Test
    void shouldAnswerARequestThroughAKafkaThatDemandsSaslSsl() throws Exception {
        Map<String, Object> settings = settings(PASSWORD);
        settings.put("state.dir", Files.createTempDirectory("state").toString());
        settings.put("consumer.session.timeout.ms", 6000);
        try (ProcessorApp processor = ProcessorApp.start(settings);
             BridgeApp bridge = BridgeApp.start(settings);
             Connection client = Nats.connect(nats.url())) {
            client.publish("AlarmStatusChanged", utf8("{\"AlarmID\":\"a1\",\"UserID\":\"u1\",\"Status\":\"WARNING\","
                + "\"ChangedAt\":\"2021-06-07T20:40:15Z\"}"));
            client.publish("SendAlarmDigest", utf8("{\"UserID\":\"u1\"}"));
            client.flush(Duration.ofSeconds(5));
            JetStreamSubscription digests = client.jetStream().subscribe("AlarmDigest",
                PullSubscribeOptions.builder().stream("ALARM_DIGEST_OUTPUT").build());
            List<Message> received = new ArrayList<>();
            long deadline = System.nanoTime() + DIGEST_TIMEOUT.toNanos();
            while (received.isEmpty() && System.nanoTime() < deadline) {
                received.addAll(digests.fetch(1, Duration.ofSeconds(1)));
            }
            assertEquals(1, received.size(), "one digest for one request");
            assertEquals("{\"UserID\":\"u1\",\"ActiveAlarms\":[{\"AlarmID\":\"a1\",\"Status\":\"WARNING\","
                + "\"LatestChangedAt\":\"2021-06-07T20:40:15Z\"}]}",
                new String(received.get(0).getData(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void shouldStopStartUpOnAWrongKafkaPassword() {
        Map<String, Object> settings = settings("not-the-password");
        settings.put("state.dir", "unused");
        IllegalStateException processor = assertTimeoutPreemptively(FAILURE_GUARD,
            () -> assertThrows(IllegalStateException.class, () -> ProcessorApp.start(settings).close()));
        assertTrue(processor.getMessage().contains("Kafka refused to authenticate the service")
            && processor.getMessage().contains("sasl.jaas.config"), processor.getMessage());
        IllegalStateException bridge = assertTimeoutPreemptively(FAILURE_GUARD,
            () -> assertThrows(IllegalStateException.class, () -> BridgeApp.start(settings).close()));
        assertTrue(bridge.getMessage().contains("Kafka refused to authenticate the service"), bridge.getMessage());
        LoggerFactory.getLogger(SecuredKafkaIT.class).info("Start-up stopped as it should: {} / {}",
            processor.getMessage(), bridge.getMessage());
    }

    private Map<String, Object> settings(String password) {
        Map<String, Object> settings = new HashMap<>(KafkaBroker.saslClientSettings(certificates, USER, password));
        settings.put("bootstrap.servers", kafka.bootstrapServers());
        settings.put("topic.partitions", 2);
        settings.put("nats.urls", nats.url());
        settings.put("shutdown.timeout.ms", 10_000L);
        return settings;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
