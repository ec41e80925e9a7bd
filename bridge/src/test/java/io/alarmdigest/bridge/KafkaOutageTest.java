package io.alarmdigest.bridge;

import static io.alarmdigest.bridge.Fixture.bytes;
import static io.alarmdigest.bridge.Fixture.event;
import static io.alarmdigest.bridge.Fixture.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.alarmdigest.testing.KafkaProcess;
import io.alarmdigest.testing.NatsServer;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.ConsumerInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
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
 * Kafka goes away for ten seconds under a running ingress, then comes back: nothing accepted is lost, the ingress
 * holds no more than its in-flight limit meanwhile (the backlog waits in the NATS stream), and it resumes by itself.
 */
class KafkaOutageTest {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaOutageTest.class);
    private static final int MAX_IN_FLIGHT = 200;

    @Test
    void shouldLoseNothingAndHoldLittleWhileKafkaIsAway() throws Exception {
        try (NatsServer nats = NatsServer.start(); KafkaProcess kafka = KafkaProcess.start()) {
            Map<String, Object> settings = new HashMap<>();
            settings.put("bootstrap.servers", kafka.bootstrapServers());
            settings.put(BridgeConfig.NATS_URLS, nats.url());
            settings.put(BridgeConfig.ROLES, "ingress");
            settings.put(BridgeConfig.INGRESS_MAX_IN_FLIGHT, MAX_IN_FLIGHT);
            settings.put("topic.partitions", 2);
            settings.put("reconnect.backoff.max.ms", 1000);
            BridgeConfig config = new BridgeConfig(settings);
            try (BridgeApp bridge = BridgeApp.start(settings);
                 Connection client = Nats.connect(nats.url())) {
                publish(client, config, 0, 2000);
                assertTrue(Fixture.await(() -> bridge.metrics().count(BridgeMetrics.INGRESS_IN
                    + config.statusSubject()) >= 2000), "flowing before the outage");

                kafka.stop();
                long outageStart = System.nanoTime();
                publish(client, config, 2000, 5000);
                long maxPending = 0;
                while (System.nanoTime() - outageStart < Duration.ofSeconds(10).toNanos()) {
                    ConsumerInfo consumer = client.jetStreamManagement()
                        .getConsumerInfo(config.inputStream(), config.inputConsumer());
                    maxPending = Math.max(maxPending, consumer.getNumAckPending());
                    Thread.sleep(200);
                }
                long backlog = client.jetStreamManagement().getStreamInfo(config.inputStream())
                    .getStreamState().getMsgCount();
                assertTrue(maxPending <= MAX_IN_FLIGHT, "in flight during the outage: " + maxPending);
                assertTrue(backlog >= 3000 - MAX_IN_FLIGHT, "the backlog waits in NATS: " + backlog);
                LOG.info("During the outage: at most {} messages in flight, {} waiting in the stream", maxPending,
                    backlog);

                kafka.startBroker();
                long backAt = System.nanoTime();
                publish(client, config, 5000, 6000);
                Set<String> seqs = readSeqs(kafka, config.topics().statusChanged(), 6000);
                assertEquals(6000, seqs.size(), "every message accepted before, during and after the outage");
                assertTrue(Fixture.await(() -> streamMessages(client, config.inputStream()) == 0),
                    "the ingress caught up by itself");
                LOG.info("Caught up {} s after Kafka came back; bridge metrics: {}",
                    Duration.ofNanos(System.nanoTime() - backAt).toSeconds(), bridge.metrics().snapshot());
            }
        }
    }

    private static void publish(Connection client, BridgeConfig config, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            client.publish(config.statusSubject(), bytes(event("user-" + (i % 20), "alarm-" + i, "CRITICAL")));
        }
        client.flush(Duration.ofSeconds(10));
    }

    private static Set<String> readSeqs(KafkaProcess kafka, String topic, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        Set<String> seqs = new HashSet<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
            new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (seqs.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    seqs.add(header(record, "nats-stream-seq"));
                }
            }
        }
        return seqs;
    }

    private static long streamMessages(Connection client, String stream) {
        try {
            return client.jetStreamManagement().getStreamInfo(stream).getStreamState().getMsgCount();
        } catch (Exception e) {
            return -1;
        }
    }
}
