package io.alarmdigest.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.alarmdigest.testing.ChildProcesses;
import io.alarmdigest.testing.NatsServer;
import io.nats.client.Connection;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PullSubscribeOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code standalone} as a real child process: a digest through NATS, then kill -9 and a start on the same data
 * directory. The next digest holds exactly what is pending: nothing lost, nothing delivered before repeated.
 */
class StandaloneProcessIT {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static int httpPort;

    @Test
    void shouldKeepItsStateAcrossAKillDashNine() throws Exception {
        Path dataDir = Files.createTempDirectory("standalone");
        int kafkaPort = freePort();
        int controllerPort = freePort();
        httpPort = freePort();
        try (NatsServer nats = NatsServer.start(); Connection client = Nats.connect(nats.url())) {
            Process first = start(nats, dataDir, kafkaPort, controllerPort, "first");
            try {
                publish(client, "{\"AlarmID\":\"a1\",\"UserID\":\"u1\",\"Status\":\"WARNING\","
                    + "\"ChangedAt\":\"2021-06-07T20:40:15.598765212Z\"}");
                publish(client, "{\"AlarmID\":\"a2\",\"UserID\":\"u1\",\"Status\":\"CRITICAL\","
                    + "\"ChangedAt\":\"2021-06-07T20:41:00Z\"}");
                assertEquals("{\"UserID\":\"u1\",\"ActiveAlarms\":["
                    + "{\"AlarmID\":\"a1\",\"Status\":\"WARNING\",\"LatestChangedAt\":\"2021-06-07T20:40:15.598765212Z\"},"
                    + "{\"AlarmID\":\"a2\",\"Status\":\"CRITICAL\",\"LatestChangedAt\":\"2021-06-07T20:41:00Z\"}]}",
                    requestDigest(client, 1));
                assertEquals(200, get("/health").statusCode());
                assertEquals(200, get("/ready").statusCode(), get("/ready").body());
                String metrics = get("/metrics").body();
                assertTrue(metrics.contains("alarm_digest_bridge_ingress_in_AlarmStatusChanged_total 2.0"), metrics);
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
            } finally {
                first.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook runs
            }

            Process second = start(nats, dataDir, kafkaPort, controllerPort, "second");
            try {
                publish(client, "{\"AlarmID\":\"a1\",\"UserID\":\"u1\",\"Status\":\"WARNING\","
                    + "\"ChangedAt\":\"2021-06-07T20:45:00Z\"}");
                // a3 may have been in flight in the killed ingress: NATS delivers it again after the AckWait, so
                // it shows up in one of the next digests — once — while nothing delivered before comes back.
                List<String> digests = new ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                int n = 1;
                while (digests.stream().noneMatch(d -> d.contains("a3")) && System.nanoTime() < deadline) {
                    digests.add(requestDigest(client, ++n));
                }
                String a3 = "{\"AlarmID\":\"a3\",\"Status\":\"CRITICAL\",\"LatestChangedAt\":\"2021-06-07T20:42:00Z\"}";
                assertEquals("{\"UserID\":\"u1\",\"ActiveAlarms\":[" + a3 + "]}", digests.get(digests.size() - 1),
                    "a3, accepted before the kill, arrives: " + digests);
                assertEquals("{\"UserID\":\"u1\",\"ActiveAlarms\":[]}", requestDigest(client, ++n),
                    "and is not sent again");
                for (String digest : digests.subList(0, digests.size() - 1)) {
                    assertEquals("{\"UserID\":\"u1\",\"ActiveAlarms\":[]}", digest,
                        "a1 re-reported unchanged and a2 were delivered before the kill: " + digests);
                }
            } finally {
                second.destroy(); // SIGTERM: a graceful stop
                assertTrue(second.waitFor(60, TimeUnit.SECONDS), "stopped gracefully within a minute");
            }
        }
    }

    private static Process start(NatsServer nats, Path dataDir, int kafkaPort, int controllerPort, String name)
        throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
            "-Djava.io.tmpdir=" + dataDir, "-cp", System.getProperty("java.class.path"),
            AlarmDigest.class.getName(), "standalone", "--data-dir", dataDir.toString(),
            "--kafka-port", Integer.toString(kafkaPort), "--controller-port", Integer.toString(controllerPort),
            "--http-port", Integer.toString(httpPort),
            "--set", "nats.urls=" + nats.url(), "--set", "topic.partitions=2",
            // Shorter than the defaults, so that what the killed ingress held comes back within the test's time.
            "--set", "ingress.ack.wait.ms=15000", "--set", "delivery.timeout.ms=8000",
            "--set", "request.timeout.ms=5000", "--set", "max.block.ms=2000"));
        Process process = ChildProcesses.register(new ProcessBuilder(command)
            .redirectError(ProcessBuilder.Redirect.appendTo(dataDir.resolve(name + ".log").toFile()))
            .start());
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (line.startsWith("alarm-digest ready")) {
                return process;
            }
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        process.destroyForcibly().waitFor();
        throw new AssertionError("standalone did not get ready; see " + dataDir.resolve(name + ".log"));
    }

    private static void publish(Connection client, String event) throws Exception {
        client.publish("AlarmStatusChanged", event.getBytes(StandardCharsets.UTF_8));
        client.flush(Duration.ofSeconds(5));
    }

    /** Requests u1's digest and returns the {@code n}-th digest of the digest stream (one per request). */
    private static String requestDigest(Connection client, int n) throws Exception {
        // Give the events stored before the request time to reach Kafka ahead of it (contract rule 3).
        TimeUnit.MILLISECONDS.sleep(500);
        client.publish("SendAlarmDigest", "{\"UserID\":\"u1\"}".getBytes(StandardCharsets.UTF_8));
        client.flush(Duration.ofSeconds(5));
        JetStreamSubscription digests = client.jetStream().subscribe("AlarmDigest",
            PullSubscribeOptions.builder().stream("ALARM_DIGEST_OUTPUT").build());
        List<Message> all = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (all.size() < n && System.nanoTime() < deadline) {
            all.addAll(digests.fetch(n, Duration.ofSeconds(1)));
        }
        digests.unsubscribe();
        assertEquals(n, all.size(), "digest " + n + " arrived, and only one per request");
        return new String(all.get(n - 1).getData(), StandardCharsets.UTF_8);
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + httpPort + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
