package io.alarmdigest.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BridgeConfigTest {
    private static Map<String, Object> settings(Object... keyValues) {
        Map<String, Object> settings = new HashMap<>();
        settings.put("bootstrap.servers", "localhost:9092");
        for (int i = 0; i < keyValues.length; i += 2) {
            settings.put((String) keyValues[i], keyValues[i + 1]);
        }
        return settings;
    }

    @Test
    void shouldKeepTheGuaranteesWhateverIsPassedThrough() {
        BridgeConfig config = new BridgeConfig(settings("acks", "1", "enable.auto.commit", "true",
            "isolation.level", "read_uncommitted", "security.protocol", "SSL", "producer.linger.ms", "20"));
        Properties producer = config.producerProperties();
        assertEquals("all", producer.get("acks"));
        assertEquals("true", producer.get("enable.idempotence"));
        assertEquals("SSL", producer.get("security.protocol"));
        assertEquals("20", producer.get("linger.ms"));
        Properties consumer = config.consumerProperties();
        assertEquals("read_committed", consumer.get("isolation.level"));
        assertEquals("false", consumer.get("enable.auto.commit"));
        assertEquals("earliest", consumer.get("auto.offset.reset"));
        assertFalse(consumer.containsKey("acks"), "each client gets only its own settings");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "bridge.roles | both | bridge.roles",
        "ingress.max.in.flight | 0 | ingress.max.in.flight",
        "nats.subject.send-alarm-digest | AlarmStatusChanged | nats.subject.send-alarm-digest",
        "nats.input.stream | '' | nats.input.stream",
        "ingress.ack.wait.ms | 20000 | ingress.ack.wait.ms",
        "ingress.max.message.bytes | 2000000 | ingress.max.message.bytes",
        "nats.user | someone | nats.password",
        "topic.partitions | -1 | topic.partitions",
    })
    void shouldRejectABadSettingByName(String key, String value, String named) {
        ConfigException error = assertThrows(ConfigException.class, () -> new BridgeConfig(settings(key, value)));
        assertTrue(error.getMessage().contains(named), error.getMessage());
    }

    @Test
    void shouldRequireAKafkaAddress() {
        ConfigException error = assertThrows(ConfigException.class, () -> new BridgeConfig(Map.of()));
        assertTrue(error.getMessage().contains("bootstrap.servers"), error.getMessage());
    }

    @Test
    void shouldNeverLogNatsCredentials() {
        String redacted = NatsConnections.redacted(new BridgeConfig(settings("nats.urls",
            "nats://alice:s3cret@nats-1:4222,tls://token-xyz@nats-2:4443", "nats.password", "pw", "nats.user", "u")));
        assertFalse(redacted.contains("s3cret") || redacted.contains("alice") || redacted.contains("token-xyz"),
            redacted);
        assertTrue(redacted.contains("nats-1:4222") && redacted.contains("nats-2:4443"), redacted);
        assertFalse(new BridgeConfig(settings("nats.password", "pw", "nats.user", "u")).toString().contains("pw"));
    }
}
