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

    @Test
    void shouldWriteTransactionallyUnderTheStreamsTransactionalId() {
        BridgeConfig config = new BridgeConfig(settings("nats.input.stream", "ALARMS", "transactional.id", "mine",
            "producer.transaction.timeout.ms", "20000"));
        Properties producer = config.producerProperties();
        assertEquals("alarm-digest-ingress.ALARMS", producer.get("transactional.id"), "not overridable");
        assertEquals("20000", producer.get("transaction.timeout.ms"), "tunable");
        assertEquals("10000", new BridgeConfig(settings()).producerProperties().get("transaction.timeout.ms"));
        assertEquals("all", producer.get("acks"));
    }

    @Test
    void shouldElectOneIngressPerStreamWithStaticMembership() {
        BridgeConfig config = new BridgeConfig(settings("nats.input.stream", "ALARMS", "ingress.instance.id", "host-7",
            "group.instance.id", "someone-else", "ingress.session.timeout.ms", "4000"));
        Properties election = config.electionConsumerProperties();
        assertEquals("alarm-digest-ingress.ALARMS", election.get("group.id"), "one group per input stream");
        assertEquals("host-7", election.get("group.instance.id"));
        assertEquals("4000", election.get("session.timeout.ms"));
        assertEquals("org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
            election.get("partition.assignment.strategy"), "a standby joining does not move the lock");
        assertFalse(new BridgeConfig(settings()).ingressInstanceId().isBlank(), "the host name by default");
        Properties position = config.positionConsumerProperties();
        assertEquals("read_committed", position.get("isolation.level"));
        assertFalse(position.containsKey("group.id") || position.containsKey("group.instance.id"),
            "the position is read without a group");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "bridge.roles | both | bridge.roles",
        "ingress.transaction.max.messages | 0 | ingress.transaction.max.messages",
        "ingress.transaction.max.ms | 6000 | ingress.transaction.max.ms",
        "ingress.session.timeout.ms | 500 | ingress.session.timeout.ms",
        "ingress.transactional.id.prefix | '' | ingress.transactional.id.prefix",
        "nats.subject.send-alarm-digest | AlarmStatusChanged | nats.subject.send-alarm-digest",
        "nats.input.stream | '' | nats.input.stream",
        "topic.ingress-position | alarm-digest | topic.ingress-position",
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
            "nats://alice:s3cret@nats-1:4222,tls://token-xyz@nats-2:4443", "nats.password", "pw", "nats.user", "u"))
            .nats());
        assertFalse(redacted.contains("s3cret") || redacted.contains("alice") || redacted.contains("token-xyz"),
            redacted);
        assertTrue(redacted.contains("nats-1:4222") && redacted.contains("nats-2:4443"), redacted);
        assertFalse(new BridgeConfig(settings("nats.password", "pw", "nats.user", "u")).toString().contains("pw"));
        NatsSettings nats = NatsSettings.of(Map.of("nats.urls", "nats://alice:s3cret@nats-1:4222", "nats.user", "u",
            "nats.password", "pw"));
        NatsSettings withToken = NatsSettings.of(Map.of("nats.token", "token-xyz"));
        assertFalse(nats.toString().contains("pw") || nats.toString().contains("s3cret")
            || withToken.toString().contains("token-xyz"), nats + " " + withToken);
    }
}
