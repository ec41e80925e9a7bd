package io.alarmdigest.kafka;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Which settings are the service's own and which go on to Kafka's clients (or Kafka Streams). A key under one of the
 * service's own prefixes ({@link #OWN_PREFIXES}: no Kafka setting starts so) is never handed to Kafka: it is one of
 * the service's settings, or a mistake that {@link #requireKnown} reports.
 */
public final class PassThrough {
    /** The first parts of the service's own setting names that no Kafka client or Kafka Streams setting has. */
    public static final List<String> OWN_PREFIXES = List.of("nats.", "topic.", "bridge.", "ingress.", "egress.",
        "alarm.", "digest.", "purge.", "rocksdb.");

    private PassThrough() {
    }

    /** The settings {@code definition} does not define and that are not the service's own: Kafka's. */
    public static Map<String, Object> notDefinedIn(ConfigDef definition, Map<?, ?> settings) {
        Map<String, Object> rest = new HashMap<>();
        for (Map.Entry<?, ?> entry : settings.entrySet()) {
            String key = String.valueOf(entry.getKey());
            if (!definition.names().contains(key) && !isOwn(key)) {
                rest.put(key, entry.getValue());
            }
        }
        return rest;
    }

    /** Whether {@code key} is under one of the service's own prefixes. */
    public static boolean isOwn(String key) {
        return OWN_PREFIXES.stream().anyMatch(key::startsWith);
    }

    /**
     * @throws ConfigException naming every key under the service's own prefixes that none of {@code definitions}
     *     defines, with the nearest defined name for each
     */
    public static void requireKnown(Map<?, ?> settings, ConfigDef... definitions) {
        Set<String> defined = new HashSet<>();
        for (ConfigDef definition : definitions) {
            defined.addAll(definition.names());
        }
        List<String> unknown = new ArrayList<>();
        for (Object key : settings.keySet()) {
            String name = String.valueOf(key);
            if (isOwn(name) && !defined.contains(name)) {
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
