package io.alarmdigest.kafka;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.TopicConfig;

/**
 * Which settings are the service's own and which go on to Kafka's clients (or Kafka Streams). A key under one of the
 * service's own prefixes ({@link #OWN_PREFIXES}) is never handed to Kafka unless it is a Kafka setting itself (Kafka
 * Streams' {@code rocksdb.config.setter}, its {@code topic.<topic config>} for internal topics): it is one of the
 * service's settings, or a mistake that {@link #requireKnown} reports.
 */
public final class PassThrough {
    /** The first parts of the service's own setting names. */
    public static final List<String> OWN_PREFIXES = List.of("nats.", "topic.", "bridge.", "ingress.", "egress.",
        "alarm.", "digest.", "purge.", "rocksdb.");
    /** Kafka Streams' prefix for the configs of its internal topics ({@code topic.min.insync.replicas}). */
    private static final String STREAMS_TOPIC_PREFIX = "topic.";
    /** Every topic config's name, from {@link TopicConfig}'s {@code *_CONFIG} constants. */
    private static final Set<String> TOPIC_CONFIGS = topicConfigs();

    private PassThrough() {
    }

    /**
     * The settings {@code definition} does not define and that are not the service's own: Kafka's.
     *
     * @param kafkaNames the names of the Kafka settings the component passes on (its clients', Kafka Streams')
     */
    public static Map<String, Object> notDefinedIn(ConfigDef definition, Set<String> kafkaNames, Map<?, ?> settings) {
        Map<String, Object> rest = new HashMap<>();
        for (Map.Entry<?, ?> entry : settings.entrySet()) {
            String key = String.valueOf(entry.getKey());
            if (!definition.names().contains(key) && !isOwn(key, kafkaNames)) {
                rest.put(key, entry.getValue());
            }
        }
        return rest;
    }

    /** Whether {@code key} is under one of the service's own prefixes and no Kafka setting of {@code kafkaNames}. */
    public static boolean isOwn(String key, Set<String> kafkaNames) {
        if (kafkaNames.contains(key) || key.startsWith(STREAMS_TOPIC_PREFIX)
            && TOPIC_CONFIGS.contains(key.substring(STREAMS_TOPIC_PREFIX.length()))) {
            return false;
        }
        return OWN_PREFIXES.stream().anyMatch(key::startsWith);
    }

    /**
     * @param kafkaNames the Kafka settings that may come with the service's (clients', Kafka Streams')
     * @throws ConfigException naming every key under the service's own prefixes that none of {@code definitions}
     *     defines, with the nearest defined name for each
     */
    public static void requireKnown(Map<?, ?> settings, Set<String> kafkaNames, ConfigDef... definitions) {
        Set<String> defined = new HashSet<>();
        for (ConfigDef definition : definitions) {
            defined.addAll(definition.names());
        }
        List<String> unknown = new ArrayList<>();
        for (Object key : settings.keySet()) {
            String name = String.valueOf(key);
            if (isOwn(name, kafkaNames) && !defined.contains(name)) {
                unknown.add(name + " (did you mean " + nearest(name, defined) + "?)");
            }
        }
        if (!unknown.isEmpty()) {
            unknown.sort(Comparator.naturalOrder());
            throw new ConfigException("Unknown setting" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                + ": " + String.join(", ", OWN_PREFIXES) + " name the service's own settings (alarm-digest --help "
                + "lists them), not Kafka's");
        }
    }

    private static Set<String> topicConfigs() {
        Set<String> names = new HashSet<>();
        for (Field field : TopicConfig.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getName().endsWith("_CONFIG")
                && field.getType() == String.class) {
                try {
                    names.add((String) field.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("TopicConfig." + field.getName() + " is not readable", e);
                }
            }
        }
        return Set.copyOf(names);
    }

    private static String nearest(String name, Set<String> defined) {
        return defined.stream().min(Comparator.comparingInt((String known) -> distance(name, known))
            .thenComparing(Comparator.naturalOrder())).orElse("nothing");
    }

    /** Levenshtein's edit distance. */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
