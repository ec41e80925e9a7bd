package io.alarmdigest.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** The service's own settings never go to Kafka; a misspelt one is an error that suggests the right name. */
class PassThroughTest {
    private static final ConfigDef OURS = new ConfigDef()
        .define("nats.tls.ca.file", ConfigDef.Type.STRING, null, ConfigDef.Importance.LOW, "a file")
        .define("ingress.group.id", ConfigDef.Type.STRING, "", ConfigDef.Importance.LOW, "a group");
    /** Kafka settings that start with one of the service's prefixes (Kafka Streams' RocksDB config setter). */
    private static final Set<String> STREAMS = Set.of("rocksdb.config.setter", "security.protocol");

    @Test
    void shouldPassOnlyKafkasSettingsOn() {
        Map<String, Object> kafka = PassThrough.notDefinedIn(OURS, STREAMS, Map.of("nats.tls.ca.file", "ca.pem",
            "nats.urls", "nats://x:4222", "security.protocol", "SASL_SSL", "request.timeout.ms", "5000",
            "rocksdb.config.setter", "my.Setter", "topic.min.insync.replicas", "2"));
        assertEquals(Map.of("security.protocol", "SASL_SSL", "request.timeout.ms", "5000",
            "rocksdb.config.setter", "my.Setter", "topic.min.insync.replicas", "2"), kafka,
            "Kafka Streams' own rocksdb.config.setter and topic.<topic config> go to Kafka Streams");
    }

    @Test
    void shouldNameAnUnknownOwnSettingAndTheNearestKnownOne() {
        ConfigException error = assertThrows(ConfigException.class, () -> PassThrough.requireKnown(
            Map.of("nats.tls.ca.fil", "ca.pem", "security.protocol", "SSL", "topic.segment.bytes", "1"), STREAMS,
            OURS));
        assertTrue(error.getMessage().contains("nats.tls.ca.fil (did you mean nats.tls.ca.file?)"), error.getMessage());
        assertTrue(!error.getMessage().contains("security.protocol") && !error.getMessage().contains("segment"),
            "Kafka's settings are Kafka's: " + error.getMessage());
    }

    @Test
    void shouldTakeEveryDefinedSetting() {
        PassThrough.requireKnown(Map.of("nats.tls.ca.file", "ca.pem", "ingress.group.id", "g", "acks", "all"),
            STREAMS, OURS);
    }
}
