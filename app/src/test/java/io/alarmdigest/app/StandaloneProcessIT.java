package io.alarmdigest.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.alarmdigest.testing.JavaProcess;
import io.alarmdigest.testing.NatsServer;
import io.alarmdigest.testing.Ports;
import io.alarmdigest.testing.Waits;
import io.nats.client.Connection;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PullSubscribeOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

/**
 * {@code standalone} as a real child process: a digest through NATS, then kill -9 and a start on the same data
 * directory. The next digest holds exactly what is pending: nothing lost, nothing delivered before repeated.
 */
class StandaloneProcessIT {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration DIGEST_TIMEOUT = Duration.ofSeconds(90);
    private static final String EMPTY = "{\"UserID\":\"u1\",\"ActiveAlarms\":[]}";
    private static int httpPort;

    @Test
    void shouldKeepItsStateAcrossAKillDashNine() throws Exception {
        Path dataDir = Files.createTempDirectory("standalone");
        int kafkaPort = Ports.free();
        int controllerPort = Ports.free();
        httpPort = Ports.free();
        try (NatsServer nats = NatsServer.start(); Connection client = Nats.connect(nats.url());
             JavaProcess standalone = start(nats, dataDir, kafkaPort, controllerPort)) {
            publish(client, "{\"AlarmID\":\"a1\",\"UserID\":\"u1\",\"Status\":\"WARNING\","
                + "\"ChangedAt\":\"2021-06-07T20:40:15.598765212Z\"}");
            publish(client, "{\"AlarmID\":\"a2\",\"UserID\":\"u1\",\"Status\":\"CRITICAL\","
                + "\"ChangedAt\":\"2021-06-07T20:41:00Z\"}");
            publish(client, "not json"); // a dead letter: its meter exists from then on
            assertEquals("{\"UserID\":\"u1\",\"ActiveAlarms\":["
                + "{\"AlarmID\":\"a1\",\"Status\":\"WARNING\",\"LatestChangedAt\":\"2021-06-07T20:40:15.598765212Z\"},"
                + "{\"AlarmID\":\"a2\",\"Status\":\"CRITICAL\",\"LatestChangedAt\":\"2021-06-07T20:41:00Z\"}]}",
                requestDigest(client, 1));
            assertEquals(200, get("/health").statusCode());
            // Ready means the streams are RUNNING; a rebalance (a probing one, or on new topic metadata) passes through
            // REBALANCING, rightly answered 503 while it lasts.
            Waits.awaitThat("/ready answers 200", () -> get("/ready").statusCode(), Matchers.is(200),
                () -> "last /ready: " + uncheckedBody("/ready"));
            String metrics = get("/metrics").body();
            DocumentedMetrics readme = DocumentedMetrics.readme();
            assertEquals(List.of(), readme.undocumented(metrics), "meters of the service missing from README's table");
            assertEquals(List.of(), readme.absentFrom(metrics), "README's meters missing from a real scrape");
            assertEquals(List.of(), OpsFiles.metricNames().stream().filter(name -> !scraped(metrics, name)).toList(),
                "metrics of ops/'s dashboard and alert rules missing from a real scrape");
            assertTrue(metrics.contains("alarm_digest_ingress_messages_total{stream=\"ALARM_DIGEST_INPUT\","
                + "subject=\"AlarmStatusChanged\"} 2.0"), metrics);
            assertTrue(metrics.contains("alarm_digest_ingress_dead_letters_total{reason=\"not-json\","
                + "stream=\"ALARM_DIGEST_INPUT\"} 1.0"), metrics);
            assertTrue(metrics.lines().anyMatch(l -> l.contains("digests_total") && !l.startsWith("#")),
                "the processor's counters: " + metrics.lines().filter(l -> l.contains("alarm_digest")).toList());
            assertTrue(metrics.lines().anyMatch(l -> l.startsWith("alarm_digest_processor_digest_build_latency_max{")
                && Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) > 0), "the digest was timed: "
                + metrics.lines().filter(l -> l.contains("digest_build")).toList());
            assertTrue(metrics.contains("jvm_memory_used_bytes"));
            assertTrue(metrics.contains("alarm_digest_digest_latency_seconds_count 1"), "one digest timed");
            String some = get("/metrics?name%5B%5D=alarm_digest_processor_digests_total&name[]=jvm_threads_live_threads")
                .body();
            assertTrue(some.lines().anyMatch(l -> l.startsWith("alarm_digest_processor_digests_total{")), some);
            assertTrue(some.lines().anyMatch(l -> l.startsWith("jvm_threads_live_threads ")), some);
            assertFalse(some.contains("jvm_memory_used_bytes"), "only the meters asked for: " + some);
            // Accepted by NATS while the service dies: must not be lost.
            publish(client, "{\"AlarmID\":\"a3\",\"UserID\":\"u1\",\"Status\":\"CRITICAL\","
                + "\"ChangedAt\":\"2021-06-07T20:42:00Z\"}");
            standalone.kill(); // SIGKILL: no shutdown hook runs

            standalone.start();
            publish(client, "{\"AlarmID\":\"a1\",\"UserID\":\"u1\",\"Status\":\"WARNING\","
                + "\"ChangedAt\":\"2021-06-07T20:45:00Z\"}");
            // The input stream kept a3 while nothing copied it; the restarted ingress copies it, in stream order, before
            // the a1 and the request published after it (contract rules 3 and 8).
            assertEquals("{\"UserID\":\"u1\",\"ActiveAlarms\":[{\"AlarmID\":\"a3\",\"Status\":\"CRITICAL\","
                + "\"LatestChangedAt\":\"2021-06-07T20:42:00Z\"}]}", requestDigest(client, 2),
                "a3 arrives; a1, re-reported unchanged, and a2 were delivered before the kill");
            assertEquals(EMPTY, requestDigest(client, 3), "nothing is sent again");
            standalone.stop(); // SIGTERM: a graceful stop, within a minute
        }
    }

    private static JavaProcess start(NatsServer nats, Path dataDir, int kafkaPort, int controllerPort)
        throws IOException, InterruptedException {
        return JavaProcess.start("standalone", dataDir, List.of("-Xmx512m"), Launcher.class.getName(),
            List.of("standalone", "--data-dir", dataDir.toString(), "--kafka-port", Integer.toString(kafkaPort),
                "--controller-port", Integer.toString(controllerPort), "--http-port", Integer.toString(httpPort),
                "--set", "nats.urls=" + nats.url(), "--set", "topic.partitions=2"),
            "alarm-digest ready", READY_TIMEOUT);
    }

    private static void publish(Connection client, String event) throws Exception {
        client.publish("AlarmStatusChanged", event.getBytes(StandardCharsets.UTF_8));
        client.flush(Duration.ofSeconds(5));
    }

    /** Requests u1's digest and returns the {@code n}-th digest of the digest stream (one per request). */
    private static String requestDigest(Connection client, int n) throws Exception {
        client.publish("SendAlarmDigest", "{\"UserID\":\"u1\"}".getBytes(StandardCharsets.UTF_8));
        client.flush(Duration.ofSeconds(5));
        JetStreamSubscription digests = client.jetStream().subscribe("AlarmDigest",
            PullSubscribeOptions.builder().stream("ALARM_DIGEST_OUTPUT").build());
        List<Message> all = new ArrayList<>();
        long deadline = System.nanoTime() + DIGEST_TIMEOUT.toNanos();
        while (all.size() < n && System.nanoTime() < deadline) {
            all.addAll(digests.fetch(n, Duration.ofSeconds(1)));
        }
        digests.unsubscribe();
        assertEquals(n, all.size(), "digest " + n + " arrived, and only one per request");
        return new String(all.get(n - 1).getData(), StandardCharsets.UTF_8);
    }

    /** Whether a scrape holds a sample of {@code name}. */
    private static boolean scraped(String metrics, String name) {
        return metrics.lines().anyMatch(line -> line.startsWith(name + "{") || line.startsWith(name + " "));
    }

    private static String uncheckedBody(String path) {
        try {
            return get(path).body();
        } catch (IOException | InterruptedException e) {
            return e.toString();
        }
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + httpPort + path)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
