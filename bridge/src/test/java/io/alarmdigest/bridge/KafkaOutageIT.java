package io.alarmdigest.bridge;

import static io.alarmdigest.bridge.Fixture.bytes;
import static io.alarmdigest.bridge.Fixture.event;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.alarmdigest.testing.KafkaProcess;
import io.alarmdigest.testing.Meters;
import io.alarmdigest.testing.NatsServer;
import io.alarmdigest.testing.Waits;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.StreamState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka goes away for ten seconds under a running ingress, then comes back: nothing accepted is lost or copied
 * twice, the backlog waits in the NATS stream meanwhile (the stream is purged only below what Kafka committed), and
 * the ingress resumes by itself from the committed position.
 */
class KafkaOutageIT {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaOutageIT.class);

    @Test
    void shouldLoseNothingAndCopyNothingTwiceWhileKafkaIsAway() throws Exception {
        try (NatsServer nats = NatsServer.start(); KafkaProcess kafka = KafkaProcess.start()) {
            Map<String, Object> settings = new HashMap<>();
            settings.put("bootstrap.servers", kafka.bootstrapServers());
            settings.put(NatsSettings.URLS, nats.url());
            settings.put(BridgeConfig.ROLES, "ingress");
            settings.put(BridgeConfig.INGRESS_INSTANCE_ID, "outage-a");
            settings.put(BridgeConfig.INGRESS_PURGE_INTERVAL_MS, 200L);
            settings.put("topic.partitions", 2);
            settings.put("reconnect.backoff.max.ms", 1000);
            BridgeConfig config = new BridgeConfig(settings);
            try (BridgeApp bridge = BridgeApp.start(settings);
                 Connection client = Nats.connect(nats.url())) {
                publish(client, config, 0, 2000);
                Waits.awaitThat("flowing before the outage",
                    () -> Meters.gauge(bridge.meters(), IngressMetrics.POSITION), greaterThanOrEqualTo(2000L));

                kafka.stop();
                publish(client, config, 2000, 5000);
                Waits.awaitThat("the ingress gave up what it held and starts again from the committed position",
                    () -> Meters.count(bridge.meters(), IngressMetrics.RESTARTS), greaterThan(0L));
                // Nothing commits while the broker is down: the position and the stream stay as they are now.
                long positionAtOutage = Meters.gauge(bridge.meters(), IngressMetrics.POSITION);
                StreamState during = client.jetStreamManagement().getStreamInfo(config.inputStream()).getStreamState();
                assertEquals(5000, during.getLastSequence(), "NATS accepted everything while Kafka was away");
                assertTrue(during.getFirstSequence() <= positionAtOutage + 1,
                    "nothing beyond the committed position was purged: " + during.getFirstSequence());
                assertTrue(during.getMsgCount() >= 5000 - positionAtOutage, "the backlog waits in the stream");
                LOG.info("During the outage: position {}, {} messages waiting in the stream", positionAtOutage,
                    during.getMsgCount());

                kafka.startBroker();
                long backAt = System.nanoTime();
                publish(client, config, 5000, 6000);
                Waits.awaitThat("the ingress caught up by itself",
                    () -> Meters.gauge(bridge.meters(), IngressMetrics.POSITION), equalTo(6000L),
                    () -> Meters.describe(bridge.meters()));
                LOG.info("Caught up {} ms after Kafka came back; bridge metrics: {}",
                    Duration.ofNanos(System.nanoTime() - backAt).toMillis(), Meters.describe(bridge.meters()));
                Fixture.assertExactlyOnceInStreamOrder(readCommitted(kafka, config.topics().input(), 6000), 1, 6000);
            }
        }
    }

    private static void publish(Connection client, BridgeConfig config, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            client.publish(config.statusSubject(), bytes(event("user-" + (i % 20), "alarm-" + i, "CRITICAL")));
        }
        client.flush(Duration.ofSeconds(10));
    }

    private static List<ConsumerRecord<String, byte[]>> readCommitted(KafkaProcess kafka, String topic, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
            new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
