package io.alarmdigest.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alarmdigest.testing.NatsServer;
import io.alarmdigest.testing.Ports;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.nats.client.impl.Headers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The command line: settings from file, environment and flags; clear errors; publish and watch on real NATS. */
class LauncherIT {
    private static NatsServer nats;

    @BeforeAll
    static void start() throws Exception {
        nats = NatsServer.start();
    }

    @AfterAll
    static void stop() throws Exception {
        nats.close();
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Launcher.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void shouldListEverySettingWithItsDefaultInTheHelp() {
        Run help = run("--help");
        assertEquals(0, help.code());
        for (String key : List.of("digest.max.bytes = 921600", "nats.urls = nats://127.0.0.1:4222",
            "alarm.retention.ms", "ingress.transaction.max.ms = 25", "topic.input = alarm-digest-input",
            "topic.partitions = 6")) {
            assertTrue(help.out().contains(key), key + " in:\n" + help.out());
        }
        assertTrue(help.out().contains("processor") && help.out().contains("watch"));
    }

    @Test
    void shouldStopWithAClearMessageNamingABadSetting() {
        Run bad = run("processor", "--set", "bootstrap.servers=localhost:1", "--set", "digest.max.bytes=12");
        assertEquals(Launcher.BAD_SETTINGS, bad.code());
        assertTrue(bad.err().contains("digest.max.bytes"), bad.err());
        assertFalse(bad.err().contains("\tat "), "no stack trace: " + bad.err());

        Run missing = run("bridge", "--set", "nats.urls=" + nats.url());
        assertEquals(Launcher.BAD_SETTINGS, missing.code());
        assertTrue(missing.err().contains("bootstrap.servers"), missing.err());

        // A misspelt setting of the service's own is not handed to Kafka in silence.
        Run misspelt = run("standalone", "--http-port", "-1", "--set", "nats.tls.ca.fil=ca.pem");
        assertEquals(Launcher.BAD_SETTINGS, misspelt.code());
        assertTrue(misspelt.err().contains("nats.tls.ca.fil (did you mean nats.tls.ca.file?)"), misspelt.err());

        Run noFile = run("watch", "--set", "nats.urls=" + nats.url(), "--set", "nats.tls.ca.file=/nowhere/ca.pem");
        assertEquals(Launcher.BAD_SETTINGS, noFile.code());
        assertTrue(noFile.err().contains("nats.tls.ca.file") && noFile.err().contains("/nowhere/ca.pem"), noFile.err());
    }

    @Test
    void shouldNameTheHttpPortWhenItIsTaken() throws Exception {
        try (ServerSocket busy = new ServerSocket(0)) {
            Launcher.HttpOptions http = new Launcher.HttpOptions();
            http.port = busy.getLocalPort();
            IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> http.start(new PrintWriter(new StringWriter()), Launcher.HttpOptions.ALL_INTERFACES));
            assertTrue(error.getMessage().contains("--http-port " + busy.getLocalPort()), error.getMessage());
        }
    }

    @Test
    void shouldBindTheEndpointToLoopbackForStandaloneAndEveryInterfaceForTheRoles() throws Exception {
        Launcher.HttpOptions http = new Launcher.HttpOptions();
        http.port = 0;
        try (OpsServer loopback = http.start(new PrintWriter(new StringWriter()), Launcher.HttpOptions.LOOPBACK)) {
            assertTrue(loopback.address().getAddress().isLoopbackAddress(), loopback.address().toString());
        }
        try (OpsServer all = http.start(new PrintWriter(new StringWriter()), Launcher.HttpOptions.ALL_INTERFACES)) {
            assertTrue(all.address().getAddress().isAnyLocalAddress(), all.address().toString());
        }
        http.address = "127.0.0.1";
        try (OpsServer chosen = http.start(new PrintWriter(new StringWriter()), Launcher.HttpOptions.ALL_INTERFACES)) {
            assertTrue(chosen.address().getAddress().isLoopbackAddress(), "--http-address wins: " + chosen.address());
        }
    }

    @Test
    void shouldTakeSettingsFromFileEnvironmentAndFlagsInThatOrder() throws Exception {
        Path file = Files.createTempFile("settings", ".properties");
        Files.writeString(file, "nats.urls=nats://from-file:4222\ntopic.partitions=3\ndigest.max.bytes=100000\n");
        Map<String, Object> settings = Settings.resolve(file,
            Map.of("ALARM_DIGEST_TOPIC_PARTITIONS", "4", "ALARM_DIGEST_NATS_SUBJECT_ALARM_DIGEST", "Digests",
                "ALARM_DIGEST_BOOTSTRAP_SERVERS", "kafka:9092", "OTHER", "x"),
            List.of("digest.max.bytes=200000"));
        assertEquals("nats://from-file:4222", settings.get("nats.urls"));
        assertEquals("4", settings.get("topic.partitions"), "environment over file");
        assertEquals("200000", settings.get("digest.max.bytes"), "flag over file");
        assertEquals("Digests", settings.get("nats.subject.alarm-digest"));
        assertEquals("kafka:9092", settings.get("bootstrap.servers"), "Kafka settings from the environment too");
        assertEquals("ALARM_DIGEST_NATS_SUBJECT_ALARM_DIGEST", Settings.envName("nats.subject.alarm-digest"));
    }

    @Test
    void shouldPublishTheContractsMessagesOnNats() throws Exception {
        try (Connection client = Nats.connect(nats.url())) {
            Subscription events = client.subscribe("AlarmStatusChanged");
            Subscription requests = client.subscribe("SendAlarmDigest");
            client.flush(Duration.ofSeconds(5));

            Run status = run("publish", "--set", "nats.urls=" + nats.url(), "--user", "u1", "--alarm", "a1",
                "--status", "critical", "--changed-at", "2021-06-07T22:40:15.5+02:00");
            assertEquals(0, status.code(), status.err());
            Message event = events.nextMessage(Duration.ofSeconds(10));
            assertEquals("{\"AlarmID\":\"a1\",\"UserID\":\"u1\",\"Status\":\"CRITICAL\","
                + "\"ChangedAt\":\"2021-06-07T20:40:15.5Z\"}", new String(event.getData(), StandardCharsets.UTF_8));

            assertEquals(0, run("publish", "--set", "nats.urls=" + nats.url(), "--user", "u1").code());
            Message request = requests.nextMessage(Duration.ofSeconds(10));
            assertEquals("{\"UserID\":\"u1\"}", new String(request.getData(), StandardCharsets.UTF_8));

            Run bad = run("publish", "--set", "nats.urls=" + nats.url(), "--user", "u1", "--alarm", "a1",
                "--status", "MAJOR");
            assertEquals(Launcher.BAD_SETTINGS, bad.code());
            assertTrue(bad.err().contains("--status"), bad.err());
        }
    }

    @Test
    void shouldPrintTheDigestsItSees() throws Exception {
        CompletableFuture<Run> watching = CompletableFuture.supplyAsync(
            () -> run("watch", "--set", "nats.urls=" + nats.url(), "--count", "1"));
        try (Connection client = Nats.connect(nats.url())) {
            // Publish until the watcher, which subscribes asynchronously, has seen one.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!watching.isDone() && System.nanoTime() < deadline) {
                Headers headers = new Headers().put("Digest-Id", "d-1").put("Digest-Part", "1").put("Digest-Parts", "1");
                client.publish("AlarmDigest", headers, "{\"UserID\":\"u1\",\"ActiveAlarms\":[]}"
                    .getBytes(StandardCharsets.UTF_8));
                client.flush(Duration.ofSeconds(1));
                TimeUnit.MILLISECONDS.sleep(200);
            }
        }
        Run watch = watching.get(5, TimeUnit.SECONDS);
        assertEquals(0, watch.code(), watch.err());
        assertTrue(watch.out().contains("-- digest d-1 part 1/1"), watch.out());
        String json = watch.out().substring(watch.out().indexOf('{'));
        JsonNode digest = new ObjectMapper().readTree(json);
        assertEquals("u1", digest.get("UserID").asText());
    }

    @Test
    void shouldPrintItsOutputAndNothingElseUnlessVerbose() throws Exception {
        Run quiet = runAsProcess("publish", "--set", "nats.urls=" + nats.url(), "--user", "u1");
        assertEquals(0, quiet.code(), quiet.err());
        assertEquals("published on SendAlarmDigest: {\"UserID\":\"u1\"}\n", quiet.out());
        assertEquals("", quiet.err(), "nothing on stderr but warnings and errors");

        Run verbose = runAsProcess("publish", "--verbose", "--set", "nats.urls=" + nats.url(), "--user", "u1");
        assertEquals(0, verbose.code(), verbose.err());
        assertEquals(quiet.out(), verbose.out(), "--verbose changes the log, not the output");
        assertTrue(verbose.err().contains("Connecting publish to NATS at " + nats.url()), verbose.err());
    }

    @Test
    void shouldGiveUpOnAnUnreachableNatsWithExitCodeOne() throws Exception {
        int nobody = Ports.free();
        Run publish = runAsProcess("publish", "--set", "nats.urls=nats://127.0.0.1:" + nobody, "--timeout", "1",
            "--user", "u1");
        assertEquals(Launcher.UNAVAILABLE, publish.code(), publish.err());
        assertTrue(publish.err().startsWith("alarm-digest: no NATS server answered at nats://127.0.0.1:" + nobody
            + " within 1 s"), publish.err());
        assertTrue(publish.err().contains("nats.urls"), "says which setting to check: " + publish.err());
        assertEquals(1, publish.err().lines().count(), "the failure, said once: " + publish.err());
        assertEquals("", publish.out());

        Run noTime = run("watch", "--timeout", "0");
        assertEquals(Launcher.BAD_SETTINGS, noTime.code());
        assertTrue(noTime.err().contains("--timeout"), noTime.err());
    }

    @Test
    void shouldSayWhichServerDidNotAnswerWithExitCodeOne() {
        int nobody = Ports.free();
        Run pending = run("pending", "--user", "u1", "--processor", "http://127.0.0.1:" + nobody, "--timeout", "1");
        assertEquals(Launcher.UNAVAILABLE, pending.code(), pending.err());
        assertTrue(pending.err().contains("the processor at http://127.0.0.1:" + nobody + " did not answer"),
            pending.err());
        Run badUrl = run("alarms", "--user", "u1", "--processor", "127.0.0.1:9400");
        assertEquals(Launcher.BAD_SETTINGS, badUrl.code(), badUrl.err());
        assertTrue(badUrl.err().contains("--processor must be http://host:port"), badUrl.err());

        Run list = run("dlq", "list", "--set", "bootstrap.servers=127.0.0.1:" + nobody, "--timeout", "1");
        assertEquals(Launcher.UNAVAILABLE, list.code(), list.err());
        assertTrue(list.err().contains("alarm-digest-dlq") && list.err().contains("bootstrap.servers"), list.err());
    }

    /** The command as a user runs it: its own JVM, the shipped log configuration, every byte of stdout and stderr. */
    private static Run runAsProcess(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Dlogback.configurationFile=" + Launcher.class.getResource("/logback.xml"),
            "-cp", System.getProperty("java.class.path"), Launcher.class.getName()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("command", ".out");
        Path err = Files.createTempFile("command", ".err");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the command ended");
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }
}
