package io.alarmdigest.app;

import io.alarmdigest.bridge.BridgeConfig;
import io.alarmdigest.kafka.PassThrough;
import io.alarmdigest.processor.config.ProcessorConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Where settings come from, lowest precedence first: the built-in defaults, a properties file ({@code --config}),
 * environment variables {@code ALARM_DIGEST_<KEY>} (the key upper-cased, {@code .} and {@code -} as {@code _}:
 * {@code ALARM_DIGEST_NATS_URLS} for {@code nats.urls}), then {@code --set key=value} flags. Every setting of the
 * processor, the bridges and the Kafka clients can be given each way. A key under one of the service's own prefixes
 * ({@code nats.}, {@code ingress.}, ...) that names no setting is an error, never a setting handed to Kafka.
 */
final class Settings {
    static final String ENV_PREFIX = "ALARM_DIGEST_";

    private Settings() {
    }

    static Map<String, Object> resolve(Path file, Map<String, String> env, List<String> sets) {
        Map<String, Object> settings = new HashMap<>();
        if (file != null) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            } catch (IOException e) {
                throw new ConfigException("Cannot read the settings file " + file + ": " + e.getMessage());
            }
            properties.forEach((key, value) -> settings.put(key.toString(), value.toString().trim()));
        }
        for (String key : knownKeys()) {
            String value = env.get(envName(key));
            if (value != null) {
                settings.put(key, value);
            }
        }
        for (String set : sets) {
            int equals = set.indexOf('=');
            if (equals <= 0) {
                throw new ConfigException("--set takes key=value, but was \"" + set + "\"");
            }
            settings.put(set.substring(0, equals).trim(), set.substring(equals + 1).trim());
        }
        PassThrough.requireKnown(settings, kafkaKeys(), ProcessorConfig.DEFINITION, BridgeConfig.DEFINITION);
        return settings;
    }

    static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** Kafka Streams' settings and the Kafka clients'. */
    static Set<String> kafkaKeys() {
        Set<String> keys = new TreeSet<>(StreamsConfig.configDef().names());
        keys.addAll(BridgeConfig.KAFKA_CLIENT_SETTINGS);
        return keys;
    }

    /** Every key that can come from the environment: ours, Kafka Streams' and the Kafka clients'. */
    static Set<String> knownKeys() {
        Set<String> keys = kafkaKeys();
        keys.addAll(ProcessorConfig.DEFINITION.names());
        keys.addAll(BridgeConfig.DEFINITION.names());
        return keys;
    }

    /** The service's own settings with their defaults and descriptions, for {@code --help}. */
    static String describe() {
        StringBuilder out = new StringBuilder();
        Map<String, ConfigDef.ConfigKey> keys = new TreeMap<>();
        keys.putAll(ProcessorConfig.DEFINITION.configKeys());
        keys.putAll(BridgeConfig.DEFINITION.configKeys());
        for (ConfigDef.ConfigKey key : keys.values()) {
            Object value = key.hasDefault() ? key.defaultValue : "(required)";
            String shown = value == null ? "(none)" : ConfigDef.convertToString(value, key.type);
            out.append(String.format("  %s = %s%n      %s%n", key.name, shown.isEmpty() ? "\"\"" : shown,
                key.documentation));
        }
        return out.toString();
    }
}
