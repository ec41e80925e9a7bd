package io.alarmdigest.bridge;

import static io.alarmdigest.bridge.Fixture.bytes;
import static io.alarmdigest.bridge.Fixture.event;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.alarmdigest.model.HeaderNames;
import io.alarmdigest.testing.Meters;
import io.alarmdigest.testing.Waits;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The NATS server restarts under a running bridge: both halves resume by themselves, nothing accepted is lost or
 * copied twice.
 */
class NatsRestartIT {
    @RegisterExtension
    static final Fixture fixture = new Fixture();

    @Test
    void shouldResumeIngressAndEgressAfterTheNatsServerRestarts() throws Exception {
        Map<String, Object> settings = fixture.settings("restart");
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, fixture.kafka.bootstrapServers());
        try (BridgeApp bridge = BridgeApp.start(settings);
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProps, new StringSerializer(),
                 new ByteArraySerializer())) {
            BridgeConfig config = bridge.config();
            publishEvents(config, 0, 500);
            Waits.awaitThat("flowing before the restart",
                () -> Meters.gauge(bridge.meters(), IngressMetrics.POSITION), equalTo(500L));

            fixture.nats.restart();

            // Accepted after the restart: the stream (file storage) survived it, and the ingress is back on it.
            publishEvents(config, 500, 1000);
            Waits.awaitThat("copying again after the restart",
                () -> Meters.gauge(bridge.meters(), IngressMetrics.POSITION), equalTo(1000L),
                () -> Meters.describe(bridge.meters()));
            Fixture.assertExactlyOnceInStreamOrder(fixture.readInput(config, 1000), 1, 1000);

            // Egress: a digest written after the restart reaches a subscriber.
            try (Connection client = fixture.natsClient()) {
                Subscription subscription = client.subscribe(config.digestSubject());
                client.flush(Duration.ofSeconds(5));
                RecordHeaders headers = new RecordHeaders();
                headers.add(HeaderNames.DIGEST_ID, bytes("after-restart"));
                producer.send(new ProducerRecord<>(config.topics().digest(), null, "user-1",
                    bytes("{\"UserID\":\"user-1\",\"ActiveAlarms\":[]}"), headers)).get();
                Message digest = subscription.nextMessage(Waits.DEADLINE);
                assertTrue(digest != null, "egress published after the restart");
                assertEquals("after-restart", digest.getHeaders().getFirst("Digest-Id"));
            }

            // Digests written while NATS is down for a few seconds: egress retries and publishes them all.
            fixture.nats.stop();
            for (int i = 0; i < 20; i++) {
                RecordHeaders headers = new RecordHeaders();
                headers.add(HeaderNames.DIGEST_ID, bytes("while-down-" + i));
                producer.send(new ProducerRecord<>(config.topics().digest(), null, "user-" + i,
                    bytes("{\"UserID\":\"user-" + i + "\",\"ActiveAlarms\":[]}"), headers));
            }
            producer.flush();
            Waits.awaitThat("egress is retrying while NATS is away",
                () -> Meters.count(bridge.meters(), EgressMetrics.RETRIES), greaterThan(0L));
            fixture.nats.startAgain();
            try (Connection client = fixture.natsClient()) {
                Waits.awaitThat("every digest reached the stream once",
                    () -> digestsInStream(client, config), equalTo(21L));
            }
        }
    }

    private static long digestsInStream(Connection client, BridgeConfig config) {
        try {
            return client.jetStreamManagement().getStreamInfo(config.digestStream()).getStreamState().getMsgCount();
        } catch (Exception e) {
            return -1;
        }
    }

    private static void publishEvents(BridgeConfig config, int from, int to) throws Exception {
        try (Connection client = fixture.natsClient()) {
            for (int i = from; i < to; i++) {
                client.publish(config.statusSubject(), bytes(event("user-" + (i % 10), "alarm-" + i, "WARNING")));
            }
            client.flush(Duration.ofSeconds(10));
        }
    }

}
