package io.alarmdigest.bridge;

import static io.alarmdigest.bridge.Fixture.bytes;
import static io.alarmdigest.bridge.Fixture.event;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.alarmdigest.testing.JavaProcess;
import io.alarmdigest.testing.Waits;
import io.nats.client.Connection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingress as processes of their own, under load, while the worst happens to them: killed with SIGKILL and
 * restarted, killed with a standby running, frozen (SIGSTOP) past its session while a standby takes over and then
 * woken. Whatever happens, the input topic holds every stream message exactly once, in stream order per partition,
 * the committed position matches it, and the stream is purged only below that position. Resume and takeover times
 * are logged.
 */
class IngressFailoverIT {
    private static final Logger LOG = LoggerFactory.getLogger(IngressFailoverIT.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MESSAGES = 12_000;
    private static final double RATE = 2_000;
    @RegisterExtension
    static final Fixture fixture = new Fixture();
    /** The load of the running test. */
    private CompletableFuture<Void> load;

    @Test
    void shouldResumeAtOnceAfterTheOnlyIngressIsKilledAndRestarted() throws Exception {
        Map<String, Object> settings = ingressSettings("killed");
        // Long enough that resuming before it ran out shows the restarted member took its place back at once.
        settings.put(BridgeConfig.INGRESS_SESSION_TIMEOUT_MS, 60_000L);
        BridgeConfig config = new BridgeConfig(settings);
        Path dir = Files.createTempDirectory("ingress-killed");
        try (JavaProcess ingress = BridgeMain.start("ingress-a", settings, dir);
             Connection client = fixture.natsClient();
             PositionWatch position = new PositionWatch(config)) {
            load = publishInBackground(client, config);
            long before = position.awaitBeyond(MESSAGES / 4, Duration.ofMinutes(2));
            ingress.kill();
            long killed = System.nanoTime();
            ingress.start();
            long resumed = position.awaitBeyond(before, Duration.ofMinutes(2));
            long resumeMs = millisSince(killed);
            LOG.info("Killed at position {}; the restarted ingress committed {} {} ms after the kill (start of its "
                + "JVM included)", before, resumed, resumeMs);
            assertTrue(resumeMs < config.ingressSessionTimeout().toMillis(),
                "resumed without waiting out the session timeout: " + resumeMs + " ms");
            awaitLoad();
            assertEverythingCopiedOnce(client, config, position);
        }
    }

    @Test
    void shouldTakeOverOnTheStandbyWhenTheActiveIngressIsKilled() throws Exception {
        Map<String, Object> settings = ingressSettings("standby");
        BridgeConfig config = new BridgeConfig(settings);
        Path dir = Files.createTempDirectory("ingress-standby");
        try (JavaProcess active = BridgeMain.start("ingress-a", settings, dir);
             JavaProcess standby = BridgeMain.start("ingress-b", withInstance(settings, "b"), dir);
             Connection client = fixture.natsClient();
             PositionWatch position = new PositionWatch(config)) {
            long before = loadUntilAQuarterIsCopied(active, standby, client, config, position);
            active.kill();
            long killed = System.nanoTime();
            long takenOver = position.awaitBeyond(before, Duration.ofMinutes(2));
            LOG.info("Active ingress killed at position {}; the standby committed {} {} ms later (session timeout {} ms)",
                before, takenOver, millisSince(killed), config.ingressSessionTimeout().toMillis());
            assertTrue(standby.logText().contains("elected"), "the standby was elected");
            awaitLoad();
            assertEverythingCopiedOnce(client, config, position);
        }
    }

    @Test
    void shouldFenceAFrozenLeaderThatWakesAfterTheTakeover() throws Exception {
        Map<String, Object> settings = ingressSettings("frozen");
        BridgeConfig config = new BridgeConfig(settings);
        Path dir = Files.createTempDirectory("ingress-frozen");
        try (JavaProcess stale = BridgeMain.start("ingress-a", settings, dir);
             JavaProcess standby = BridgeMain.start("ingress-b", withInstance(settings, "b"), dir);
             Connection client = fixture.natsClient();
             PositionWatch position = new PositionWatch(config)) {
            long before = loadUntilAQuarterIsCopied(stale, standby, client, config, position);
            stale.pause();
            long frozen = System.nanoTime();
            awaitLog(standby, "elected");
            long takenOver = position.awaitBeyond(before, Duration.ofMinutes(2));
            LOG.info("Leader frozen at position {}; the standby committed {} {} ms later", before, takenOver,
                millisSince(frozen));
            stale.resume();
            // Woken, it finds out it lost its place, or is fenced the moment it writes: either way it stands by.
            awaitLog(stale, "lost its place", "was fenced");
            awaitLoad();
            assertEverythingCopiedOnce(client, config, position);
            assertTrue(stale.isAlive(), "the woken ingress keeps running, as a standby");
        }
    }

    /**
     * Once {@code active} is elected and {@code standby} stands by, starts the load and waits until a quarter of it
     * is committed; returns the position then.
     */
    private long loadUntilAQuarterIsCopied(JavaProcess active, JavaProcess standby, Connection client,
                                           BridgeConfig config, PositionWatch position) throws Exception {
        awaitLog(active, "elected");
        awaitLog(standby, "stands by");
        load = publishInBackground(client, config);
        return position.awaitBeyond(MESSAGES / 4, Duration.ofMinutes(2));
    }

    private void awaitLoad() throws Exception {
        load.get(2, TimeUnit.MINUTES);
    }

    private static Map<String, Object> ingressSettings(String name) {
        Map<String, Object> settings = fixture.ingressSettings(name);
        settings.put(BridgeConfig.INGRESS_SESSION_TIMEOUT_MS, 3_000L);
        settings.put(BridgeConfig.INGRESS_PURGE_INTERVAL_MS, 500L);
        return settings;
    }

    private static Map<String, Object> withInstance(Map<String, Object> settings, String suffix) {
        Map<String, Object> other = new HashMap<>(settings);
        other.put(BridgeConfig.INGRESS_INSTANCE_ID, settings.get(BridgeConfig.INGRESS_INSTANCE_ID) + "-" + suffix);
        return other;
    }

    /** Publishes {@value #MESSAGES} events at {@value #RATE}/s with core publishes, as the alarm service does. */
    private static CompletableFuture<Void> publishInBackground(Connection client, BridgeConfig config) {
        return CompletableFuture.runAsync(() -> {
            long start = System.nanoTime();
            try {
                for (int i = 0; i < MESSAGES; i++) {
                    while ((System.nanoTime() - start) / 1e9 * RATE < i) {
                        TimeUnit.MILLISECONDS.sleep(1);
                    }
                    client.publish(config.statusSubject(), bytes(event("user-" + (i % 97), "alarm-" + i,
                        i % 3 == 0 ? "CRITICAL" : "WARNING")));
                }
                client.flush(Duration.ofSeconds(10));
            } catch (Exception e) {
                throw new IllegalStateException("publishing failed", e);
            }
        });
    }

    /** Every stored message once in Kafka and in order, the position at the stream's end, purged only below it. */
    private static void assertEverythingCopiedOnce(Connection client, BridgeConfig config, PositionWatch position)
        throws Exception {
        long last = Fixture.streamInfo(client, config.inputStream()).getStreamState().getLastSequence();
        assertEquals(MESSAGES, last, "the stream stored every publish");
        position.awaitBeyond(last - 1, Duration.ofMinutes(2));
        List<ConsumerRecord<String, byte[]>> records = fixture.readInput(config, last);
        Fixture.assertExactlyOnceInStreamOrder(records, 1, last);
        assertEquals(last, Fixture.committedPosition(config));
        long firstKept = Fixture.streamInfo(client, config.inputStream()).getStreamState().getFirstSequence();
        assertTrue(firstKept <= last + 1, "purged only below the committed position: first kept " + firstKept);
    }

    private static void awaitLog(JavaProcess process, String... anyOf) {
        Waits.awaitThat("the log shows one of " + List.of(anyOf),
            () -> List.of(anyOf).stream().anyMatch(process.logText()::contains), is(true),
            () -> "the log:\n" + process.logText());
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    /** The committed positions of the input stream as the ingresses write them, read_committed. */
    private static final class PositionWatch implements AutoCloseable {
        private final KafkaConsumer<String, byte[]> consumer;
        private final String stream;
        private long latest = -1;

        PositionWatch(BridgeConfig config) {
            this.stream = config.inputStream();
            this.consumer = new KafkaConsumer<>(config.positionConsumerProperties(), new StringDeserializer(),
                new ByteArrayDeserializer());
            TopicPartition partition = new TopicPartition(config.topics().ingressPosition(), 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
        }

        /** Waits until a position beyond {@code sequence} is committed; returns it. */
        long awaitBeyond(long sequence, Duration timeout) throws IOException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (latest <= sequence) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no position beyond " + sequence + " committed within " + timeout
                        + "; the latest is " + latest);
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    if (stream.equals(record.key())) {
                        latest = JSON.readTree(record.value()).get("LastSequence").asLong();
                    }
                }
            }
            return latest;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
