package io.alarmdigest.kafka;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;

/** The settings a component does not define itself: those go on to Kafka's clients (or Kafka Streams). */
public final class PassThrough {
    private PassThrough() {
    }

    public static Map<String, Object> notDefinedIn(ConfigDef definition, Map<?, ?> settings) {
        Map<String, Object> rest = new HashMap<>();
        for (Map.Entry<?, ?> entry : settings.entrySet()) {
            String key = String.valueOf(entry.getKey());
            if (!definition.names().contains(key)) {
                rest.put(key, entry.getValue());
            }
        }
        return rest;
    }
}
