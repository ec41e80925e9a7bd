package io.alarmdigest.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alarmdigest.bridge.BridgeApp;
import io.alarmdigest.bridge.IngressMetrics;
import io.alarmdigest.model.DlqReason;
import io.alarmdigest.processor.app.ProcessorApp;
import io.alarmdigest.testing.KafkaBroker;
import io.alarmdigest.testing.Meters;
import io.alarmdigest.testing.NatsServer;
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
import org.junit.jupiter.api.Test;

/**
 * The assembled service, driven through NATS only: events and a request in with plain core publishes, the digest
 * out of the digest stream, as the notification service would read it. Bridges and processor run together against
 * a real broker and a real nats-server.
 */
class EndToEndIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldAnswerARequestPublishedOnNatsWithTheDigestOnNats() throws Exception {
        try (NatsServer nats = NatsServer.start(); KafkaBroker kafka = KafkaBroker.start()) {
            Map<String, Object> settings = new HashMap<>();
            settings.put("bootstrap.servers", kafka.bootstrapServers());
            settings.put("nats.urls", nats.url());
            settings.put("topic.partitions", 2);
            settings.put("state.dir", Files.createTempDirectory("state").toString());
            settings.put("consumer.session.timeout.ms", 6000);
            try (ProcessorApp processor = ProcessorApp.start(settings);
                 BridgeApp bridge = BridgeApp.start(settings);
                 Connection client = Nats.connect(nats.url())) {
                client.publish("AlarmStatusChanged", bytes("{\"AlarmID\":\"a1\",\"UserID\":\"u1\",\"Status\":\"WARNING\","
                    + "\"ChangedAt\":\"2021-06-07T20:40:15.598765212Z\"}"));
                client.publish("AlarmStatusChanged", bytes("{\"alarmId\":\"a2\",\"userId\":\"u1\",\"status\":\"critical\","
                    + "\"changedAt\":\"2021-06-07T23:23:01.828161292+02:00\"}"));
                client.publish("AlarmStatusChanged", bytes("{\"AlarmID\":\"a3\",\"UserID\":\"u1\",\"Status\":\"CLEARED\","
                    + "\"ChangedAt\":\"2021-06-07T20:00:00Z\"}"));
                client.publish("AlarmStatusChanged", bytes("not json"));
                // Published after the events, on the same connection: the input stream stores it after them, and the
                // processor answers it after it applied them (contract rule 3).
                client.publish("SendAlarmDigest", bytes("{\"UserID\":\"u1\"}"));
                client.flush(Duration.ofSeconds(5));

                JetStreamSubscription digests = client.jetStream().subscribe("AlarmDigest",
                    PullSubscribeOptions.builder().stream("ALARM_DIGEST_OUTPUT").build());
                List<Message> received = new ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (received.isEmpty() && System.nanoTime() < deadline) {
                    received.addAll(digests.fetch(1, Duration.ofSeconds(1)));
                }
                assertEquals(1, received.size(), "one digest for one request");
                Message digest = received.get(0);
                assertEquals("{\"UserID\":\"u1\",\"ActiveAlarms\":["
                    + "{\"AlarmID\":\"a1\",\"Status\":\"WARNING\",\"LatestChangedAt\":\"2021-06-07T20:40:15.598765212Z\"},"
                    + "{\"AlarmID\":\"a2\",\"Status\":\"CRITICAL\",\"LatestChangedAt\":\"2021-06-07T21:23:01.828161292Z\"}]}",
                    new String(digest.getData(), StandardCharsets.UTF_8));
                String digestId = digest.getHeaders().getFirst("Digest-Id");
                assertTrue(digestId.startsWith("ALARM_DIGEST_INPUT:") && digestId.endsWith(":5"),
                    "derived from the request's stream identity: " + digestId);
                assertEquals("1", digest.getHeaders().getFirst("Digest-Part"));
                assertEquals("1", digest.getHeaders().getFirst("Digest-Parts"));
                assertEquals(digestId + "#1", digest.getHeaders().getFirst("Nats-Msg-Id"));
                JsonNode body = JSON.readTree(digest.getData());
                assertEquals(2, body.get("ActiveAlarms").size());
                assertEquals(3, Meters.count(bridge.meters(), IngressMetrics.MESSAGES, IngressMetrics.SUBJECT_TAG,
                    "AlarmStatusChanged"), "the three good events copied");
                assertEquals(1, Meters.count(bridge.meters(), IngressMetrics.DEAD_LETTERS, IngressMetrics.REASON_TAG,
                    DlqReason.NOT_JSON.code()), "the bad message was dead-lettered");
            }
        }
    }


    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
