package io.alarmdigest.app;

import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasToString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.alarmdigest.kafka.InputHeaders;
import io.alarmdigest.model.Json;
import io.alarmdigest.model.MessageType;
import io.alarmdigest.processor.app.ProcessorApp;
import io.alarmdigest.processor.query.UserQueries;
import io.alarmdigest.processor.topology.DigestTopology;
import io.alarmdigest.testing.KafkaBroker;
import io.alarmdigest.testing.Waits;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;

/**
 * Two processor instances, each with its HTTP endpoint, against a real broker: a question asked of the instance
 * that does not hold the user is answered by the one that does; with the owner gone, by the standby, marked stale.
 */
class UserQueriesIT {
    /** Odd on purpose: a slash, a space, a plus, a question mark and a non-ASCII letter in one path segment. */
    private static final String USER = "ü/ser 1+?";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void shouldAnswerFromAnyInstanceAndFromTheStandbyWhileTheOwnerIsDown() throws Exception {
        try (KafkaBroker kafka = KafkaBroker.start()) {
            Instance a = Instance.start(kafka, "a");
            Instance b = Instance.start(kafka, "b");
            try {
                publish(kafka, USER, "disk-full", "CRITICAL", "2021-06-07T20:40:00Z", 1);
                publish(kafka, USER, "cpu", "WARNING", "2021-06-07T20:39:00Z", 2);
                publish(kafka, USER, "fan", "CLEARED", "2021-06-07T20:38:00Z", 3);

                // Both instances running with one active and one standby task each: the user's owner and the other.
                Waits.awaitThat("the user's partition with an active and a standby host", () -> placement(a, b),
                    is(true), () -> "a: " + a.state() + " " + meta(a) + ", b: " + b.state() + " " + meta(b));
                KeyQueryMetadata placed = meta(a);
                Instance owner = placed.activeHost().equals(a.host()) ? a : b;
                Instance other = owner == a ? b : a;
                assertEquals(Set.of(other.host()), placed.standbyHosts());

                String expected = "{\"UserID\":\"ü/ser 1+?\",\"ActiveAlarms\":["
                    + "{\"AlarmID\":\"cpu\",\"Status\":\"WARNING\",\"LatestChangedAt\":\"2021-06-07T20:39:00Z\",\"Delivered\":null},"
                    + "{\"AlarmID\":\"disk-full\",\"Status\":\"CRITICAL\",\"LatestChangedAt\":\"2021-06-07T20:40:00Z\",\"Delivered\":null}]";
                JsonNode forwarded = Waits.awaitThat("the owner's answer through the other instance",
                    () -> get(other, UserQueries.path(USER, UserQueries.Kind.PENDING)),
                    hasToString(startsWith(expected)));
                assertEquals(owner.endpoint(), forwarded.get("AnsweredBy").get("Instance").asText());
                assertEquals(false, forwarded.get("AnsweredBy").get("Stale").asBoolean());

                JsonNode alarms = get(other, UserQueries.path(USER, UserQueries.Kind.ALARMS));
                assertEquals(3, alarms.get("Alarms").size(), alarms.toString());
                assertTrue(alarms.get("Alarms").get(2).get("ExpiresAt").isTextual(), "fan is CLEARED: " + alarms);

                JsonNode nobody = get(other, UserQueries.path("nobody", UserQueries.Kind.PENDING));
                assertEquals("[]", nobody.get("ActiveAlarms").toString(), "an unknown user: an empty answer");

                // The other instance's standby copy holds the events too, before the owner goes.
                Waits.awaitThat("the standby copy, read directly",
                    () -> get(other, UserQueries.path(USER, UserQueries.Kind.PENDING) + "?forwarded=true"),
                    allOf(hasToString(startsWith(expected)), hasToString(containsString("\"Stale\":true"))));

                owner.crash();
                JsonNode fromStandby = get(other, UserQueries.path(USER, UserQueries.Kind.PENDING));
                assertTrue(fromStandby.toString().startsWith(expected), fromStandby.toString());
                assertEquals(other.endpoint(), fromStandby.get("AnsweredBy").get("Instance").asText());
                assertEquals(true, fromStandby.get("AnsweredBy").get("Stale").asBoolean(), fromStandby.toString());
                assertTrue(fromStandby.get("AnsweredBy").get("OffsetLag").asLong() >= 0, fromStandby.toString());

                // The command line asks the same and prints the same answer.
                StringWriter out = new StringWriter();
                StringWriter err = new StringWriter();
                int code = Launcher.execute(new String[] {"pending", "--user", USER, "--processor",
                    "http://" + other.endpoint()}, new PrintWriter(out, true), new PrintWriter(err, true));
                assertEquals(0, code, err.toString());
                assertEquals(fromStandby.get("ActiveAlarms"), Json.MAPPER.readTree(out.toString()).get("ActiveAlarms"));
            } finally {
                a.close();
                b.close();
            }
        }
    }

    private static boolean placement(Instance a, Instance b) {
        if (a.state() != KafkaStreams.State.RUNNING || b.state() != KafkaStreams.State.RUNNING) {
            return false;
        }
        KeyQueryMetadata meta = meta(a);
        return meta != null && !meta.equals(KeyQueryMetadata.NOT_AVAILABLE) && meta.standbyHosts().size() == 1
            && meta.equals(meta(b)) && !meta.activeHost().equals(meta.standbyHosts().iterator().next());
    }

    private static KeyQueryMetadata meta(Instance instance) {
        return instance.app.streams().queryMetadataForKey(DigestTopology.ALARM_STORE, USER,
            new StringSerializer());
    }

    private static JsonNode get(Instance instance, String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://" + instance.endpoint() + pathAndQuery)).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        JsonNode body = Json.MAPPER.readTree(response.body());
        return response.statusCode() == 200 ? body : Json.MAPPER.createObjectNode().put("status", response.statusCode())
            .set("body", body);
    }

    private static void publish(KafkaBroker kafka, String user, String alarm, String status, String changedAt,
                                long sequence) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<String, byte[]> producer =
                 new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            String event = Json.MAPPER.createObjectNode().put("AlarmID", alarm).put("UserID", user)
                .put("Status", status).put("ChangedAt", changedAt).toString();
            producer.send(new ProducerRecord<>("alarm-digest-input", null, user, event.getBytes(StandardCharsets.UTF_8),
                InputHeaders.of(MessageType.ALARM_STATUS_CHANGED, "AlarmStatusChanged", "ALARM_DIGEST_INPUT",
                    "2021-06-01T00:00:00Z", sequence, Instant.now()))).get();
        }
    }

    /** One processor instance with its HTTP endpoint, as the {@code processor} command runs it. */
    private static final class Instance implements AutoCloseable {
        final OpsServer ops;
        final ProcessorApp app;
        private boolean crashed;

        private Instance(OpsServer ops, ProcessorApp app) {
            this.ops = ops;
            this.app = app;
        }

        static Instance start(KafkaBroker kafka, String name) throws Exception {
            PrometheusMeterRegistry registry = OpsServer.newRegistry();
            OpsServer ops = OpsServer.start("127.0.0.1", 0, registry);
            Map<String, Object> settings = new HashMap<>();
            settings.put("bootstrap.servers", kafka.bootstrapServers());
            settings.put("topic.partitions", 2);
            settings.put("num.standby.replicas", 1);
            settings.put("state.dir", Files.createTempDirectory("state-" + name).toString());
            // Long enough that no rebalance moves the crashed owner's partition while the test asks: the standby
            // answers because the owner is gone, not because the group noticed.
            settings.put("consumer.session.timeout.ms", 300_000);
            ProcessorApp app = ProcessorApp.start(Launcher.HttpOptions.advertise(settings, ops), registry);
            ops.watch(app);
            return new Instance(ops, app);
        }

        HostInfo host() {
            return new HostInfo("127.0.0.1", ops.port());
        }

        String endpoint() {
            return "127.0.0.1:" + ops.port();
        }

        KafkaStreams.State state() {
            return app.streams().state();
        }

        /** Gone without a word to the group: its endpoint closed, its streams stopped without leaving. */
        void crash() {
            crashed = true;
            ops.close();
            app.streams().close(new KafkaStreams.CloseOptions().leaveGroup(false).timeout(Duration.ofSeconds(10)));
        }

        @Override
        public void close() {
            if (!crashed) {
                ops.close();
                app.close(Duration.ofSeconds(30));
            }
        }
    }
}
