package io.alarmdigest.processor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProcessorConfigTest {
    private static Map<String, Object> settings(Object... keyValues) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");
        for (int i = 0; i < keyValues.length; i += 2) {
            settings.put((String) keyValues[i], keyValues[i + 1]);
        }
        return settings;
    }

    @Test
    void shouldDefaultToExactlyOnceAndTheContractsSettings() {
        ProcessorConfig config = new ProcessorConfig(settings());
        Properties streams = config.streamsProperties();
        assertEquals(StreamsConfig.EXACTLY_ONCE_V2, streams.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        assertTrue(!streams.containsKey(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG),
            "one input topic: no task idling to order two inputs by time");
        assertEquals("alarm-digest-input", config.inputTopic());
        assertEquals(BoundedMemoryRocksDbConfig.class.getName(),
            streams.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG));
        assertEquals(900 * 1024, config.digestMaxBytes());
        assertEquals(7L * 24 * 3600 * 1000, config.alarmRetentionMs());
        assertEquals(3600L * 1000, config.requestDedupeWindowMs());
        assertTrue(config.emptyDigests());
        assertEquals("alarm-digest-dlq", config.deadLetterTopic());
    }

    @Test
    void shouldPassOtherSettingsThroughToKafkaStreams() {
        Properties streams = new ProcessorConfig(settings(
            "security.protocol", "SASL_SSL",
            StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "250",
            ProcessorConfig.DIGEST_MAX_BYTES, "65536")).streamsProperties();
        assertEquals("SASL_SSL", streams.get("security.protocol"));
        assertEquals("250", streams.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
        assertTrue(!streams.containsKey(ProcessorConfig.DIGEST_MAX_BYTES), "our own settings stay ours");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "topic.partitions | 0 | topic.partitions",
        "topic.partitions | six | topic.partitions",
        "alarm.retention.ms | 1000 | alarm.retention.ms",
        "alarm.retention.ms | 9223372036854775807 | alarm.retention.ms",
        "request.dedupe.window.ms | 9223372036854775807 | request.dedupe.window.ms",
        "digest.max.bytes | 1024 | digest.max.bytes",
        "digest.max.bytes | 1048576 | digest.max.bytes",
        "digest.empty.enabled | maybe | digest.empty.enabled",
        "topic.alarm-digest | bad topic | topic.alarm-digest",
        "topic.dead-letter | alarm-digest | topic.dead-letter",
        "topic.ingress-position | alarm-digest-input | topic.ingress-position",
        "topic.replication.factor | 0 | topic.replication.factor",
        "rocksdb.write.buffer.bytes | 134217728 | rocksdb.write.buffer.bytes",
    })
    void shouldRejectABadSettingByName(String key, String value, String named) {
        ConfigException error = assertThrows(ConfigException.class, () -> new ProcessorConfig(settings(key, value)));
        assertTrue(error.getMessage().contains(named), error.getMessage());
    }

    @Test
    void shouldAcceptALargerDigestLimitWhenTheProducerAllowsIt() {
        ProcessorConfig config = new ProcessorConfig(settings(ProcessorConfig.DIGEST_MAX_BYTES, "2097152",
            "producer.max.request.size", "4194304"));
        assertEquals(2 * 1024 * 1024, config.digestMaxBytes());
    }

    @Test
    void shouldRequireAKafkaAddress() {
        ConfigException error = assertThrows(ConfigException.class, () -> new ProcessorConfig(Map.of()));
        assertTrue(error.getMessage().contains("bootstrap.servers"), error.getMessage());
    }
}
