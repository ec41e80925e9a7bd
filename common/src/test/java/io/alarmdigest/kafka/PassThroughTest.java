package io.alarmdigest.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** The service's own settings never go to Kafka; a misspelt one is an error that suggests the right name. */
class PassThroughTest {
    private static final ConfigDef OURS = new ConfigDef()
        .define("nats.tls.ca.file", ConfigDef.Type.STRING, null, ConfigDef.Importance.LOW, "a file")
        .define("ingress.group.id", ConfigDef.Type.STRING, "", ConfigDef.Importance.LOW, "a group");

    @Test
    void shouldPassOnlyKafkasSettingsOn() {
        Map<String, Object> kafka = PassThrough.notDefinedIn(OURS, Map.of("nats.tls.ca.file", "ca.pem",
            "nats.urls", "nats://x:4222", "security.protocol", "SASL_SSL", "request.timeout.ms", "5000"));
        assertEquals(Map.of("security.protocol", "SASL_SSL", "request.timeout.ms", "5000"), kafka);
    }

    @Test
    void shouldNameAnUnknownOwnSettingAndTheNearestKnownOne() {
        ConfigException error = assertThrows(ConfigException.class, () -> PassThrough.requireKnown(
            Map.of("nats.tls.ca.fil", "ca.pem", "security.protocol", "SSL"), OURS));
        assertTrue(error.getMessage().contains("nats.tls.ca.fil (did you mean nats.tls.ca.file?)"), error.getMessage());
        assertTrue(!error.getMessage().contains("security.protocol"), "Kafka's settings are Kafka's: " + error.getMessage());
    }

    @Test
    void shouldTakeEveryDefinedSetting() {
        PassThrough.requireKnown(Map.of("nats.tls.ca.file", "ca.pem", "ingress.group.id", "g", "acks", "all"), OURS);
    }
}
