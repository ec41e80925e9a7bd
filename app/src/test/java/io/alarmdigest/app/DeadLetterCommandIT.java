package io.alarmdigest.app;

import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.alarmdigest.bridge.BridgeApp;
import io.alarmdigest.kafka.DeadLetter;
import io.alarmdigest.kafka.InputHeaders;
import io.alarmdigest.model.DlqReason;
import io.alarmdigest.model.InvalidMessageException;
import io.alarmdigest.model.Json;
import io.alarmdigest.processor.app.ProcessorApp;
import io.alarmdigest.testing.KafkaBroker;
import io.alarmdigest.testing.NatsServer;
import io.alarmdigest.testing.Waits;
import io.nats.client.Connection;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.Subscription;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * {@code dlq list} and {@code dlq replay} against the running service: a letter whose cause is gone reaches its
 * digest once replayed, a second replay sends nothing, one still bad comes back to the dead-letter topic.
 */
class DeadLetterCommandIT {
    private static final String FIXED = "{\"AlarmID\":\"a-fixed\",\"UserID\":\"u1\",\"Status\":\"CRITICAL\","
        + "\"ChangedAt\":\"2021-06-07T20:40:00Z\"}";

    private record Run(int code, String out, String err) {
    }

    @Test
    void shouldReplayEachLetterOnceToItsSubject() throws Exception {
        try (NatsServer nats = NatsServer.start(); KafkaBroker kafka = KafkaBroker.start()) {
            Map<String, Object> settings = new HashMap<>();
            settings.put("bootstrap.servers", kafka.bootstrapServers());
            settings.put("nats.urls", nats.url());
            settings.put("topic.partitions", 2);
            settings.put("state.dir", Files.createTempDirectory("state").toString());
            List<String> connection = List.of("--set", "bootstrap.servers=" + kafka.bootstrapServers(),
                "--set", "nats.urls=" + nats.url());
            try (ProcessorApp processor = ProcessorApp.start(settings);
                 BridgeApp bridge = BridgeApp.start(settings);
                 Connection client = Nats.connect(nats.url())) {
                client.publish("AlarmStatusChanged", "not json".getBytes(StandardCharsets.UTF_8));
                client.flush(Duration.ofSeconds(5));
                writeLetterOfAnEarlierVersion(kafka);

                List<JsonNode> letters = Waits.awaitThat("both letters listed",
                    () -> lines(run(connection, "dlq", "list").out()), org.hamcrest.Matchers.hasSize(2));
                JsonNode notJson = letters.stream().filter(l -> l.get("Reason").asText().startsWith("not-json:"))
                    .findFirst().orElseThrow();
                assertEquals("not json", notJson.get("Value").asText());
                assertEquals("AlarmStatusChanged", notJson.get("Subject").asText());
                assertEquals(1, lines(run(connection, "dlq", "list", "--reason", "bad-status").out()).size());
                assertEquals(1, lines(run(connection, "dlq", "list", "--limit", "1").out()).size());
                assertEquals(0, lines(run(connection, "dlq", "list", "--since", "2999-01-01T00:00:00Z").out()).size());
                Run badReason = run(connection, "dlq", "list", "--reason", "bogus");
                assertEquals(Launcher.BAD_SETTINGS, badReason.code());
                assertTrue(badReason.err().contains("not-json, not-an-object"), badReason.err());

                Subscription published = client.subscribe("AlarmStatusChanged");
                client.flush(Duration.ofSeconds(5));

                Run dryRun = run(connection, "dlq", "replay", "--dry-run");
                assertTrue(dryRun.out().contains("would replay 2 letter(s)"), dryRun.out());
                assertEquals(List.of(), publishedUpToASentinel(client, published), "a dry run publishes nothing");

                Run first = run(connection, "dlq", "replay", "--reason", "bad-status");
                assertTrue(first.out().contains("replayed 1 letter(s); 0 replayed before; 1 left by"), first.out());
                assertEquals(List.of(FIXED), publishedUpToASentinel(client, published));

                Run second = run(connection, "dlq", "replay", "--reason", "bad-status");
                assertTrue(second.out().contains("replayed 0 letter(s); 1 replayed before; 1 left by"), second.out());
                assertEquals(List.of(), publishedUpToASentinel(client, published), "the second replay sends nothing");

                client.publish("SendAlarmDigest", "{\"UserID\":\"u1\"}".getBytes(StandardCharsets.UTF_8));
                client.flush(Duration.ofSeconds(5));
                assertEquals("{\"UserID\":\"u1\",\"ActiveAlarms\":[{\"AlarmID\":\"a-fixed\",\"Status\":\"CRITICAL\","
                    + "\"LatestChangedAt\":\"2021-06-07T20:40:00Z\"}]}", firstDigest(client));

                Run rest = run(connection, "dlq", "replay");
                assertTrue(rest.out().contains("replayed 1 letter(s); 1 replayed before; 0 left by"), rest.out());
                // Every letter replayed: the group's record is one offset per partition, past the transaction markers
                // the ingress wrote after its letters, with no replayed ranges left above it.
                try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                    Map<TopicPartition, OffsetAndMetadata> recorded = admin
                        .listConsumerGroupOffsets("alarm-digest-dlq-replay").partitionsToOffsetAndMetadata().get();
                    assertEquals(2, recorded.size(), recorded.toString());
                    recorded.values().forEach(commit -> assertEquals("replayed:", commit.metadata(), recorded.toString()));
                    long notJsonOffset = notJson.get("Offset").asLong();
                    long committed = recorded.get(new TopicPartition("alarm-digest-dlq",
                        notJson.get("Partition").asInt())).offset();
                    assertTrue(committed >= notJsonOffset + 2, "past the letter and its transaction's commit marker: "
                        + committed);
                }
                Waits.awaitThat("the still bad letter back in the dead-letter topic",
                    () -> lines(run(connection, "dlq", "list", "--reason", "not-json").out()).size(), is(2));
            }
        }
    }

    /** A letter as an earlier version would have written it, refusing a message this one accepts. */
    private static void writeLetterOfAnEarlierVersion(KafkaBroker kafka) throws Exception {
        DeadLetter letter = DeadLetter.of(InputHeaders.of(null, "AlarmStatusChanged", "ALARM_DIGEST_INPUT",
                "2021-06-01T00:00:00Z", 1_000, Instant.now()), FIXED.getBytes(StandardCharsets.UTF_8),
            new InvalidMessageException(DlqReason.BAD_STATUS, "Status CRITICAL is not known"), "AlarmStatusChanged",
            1 << 20);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<String, byte[]> producer =
                 new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("alarm-digest-dlq", null, "u1", letter.value(), letter.headers())).get();
        }
    }

    /**
     * What reached {@code subscription} before a sentinel published now: the server delivers a subscription's
     * messages in the order it took them, so everything a finished command published comes first.
     */
    private static List<String> publishedUpToASentinel(Connection client, Subscription subscription) throws Exception {
        String sentinel = "{\"AlarmID\":\"s\",\"UserID\":\"sentinel\",\"Status\":\"CLEARED\","
            + "\"ChangedAt\":\"" + Instant.now() + "\"}";
        client.publish("AlarmStatusChanged", sentinel.getBytes(StandardCharsets.UTF_8));
        client.flush(Duration.ofSeconds(5));
        List<String> before = new ArrayList<>();
        while (true) {
            Message message = subscription.nextMessage(Waits.DEADLINE);
            assertTrue(message != null, "the sentinel arrived; before it: " + before);
            String text = new String(message.getData(), StandardCharsets.UTF_8);
            if (text.equals(sentinel)) {
                return before;
            }
            before.add(text);
        }
    }

    private static String firstDigest(Connection client) throws Exception {
        JetStreamSubscription digests = client.jetStream().subscribe("AlarmDigest",
            PullSubscribeOptions.builder().stream("ALARM_DIGEST_OUTPUT").build());
        List<Message> received = Waits.awaitThat("a digest", () -> digests.fetch(1, Duration.ofSeconds(1)),
            org.hamcrest.Matchers.hasSize(1));
        return new String(received.get(0).getData(), StandardCharsets.UTF_8);
    }

    private static List<JsonNode> lines(String out) throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.lines().filter(l -> !l.isBlank()).toList()) {
            lines.add(Json.MAPPER.readTree(line));
        }
        return lines;
    }

    private static Run run(List<String> connection, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(connection);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Launcher.execute(all.toArray(new String[0]), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }
}
