package io.alarmdigest.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What docker-compose.yml (and its secured variant) hands the service, checked against the service's settings. */
class ComposeTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** Read by the log configuration, not by the settings. */
    private static final Set<String> LOG_VARIABLES = Set.of("ALARM_DIGEST_LOG_LEVEL", "ALARM_DIGEST_LOG_FORMAT");
    /** The containers that run the service (the others are its servers, which take variables of their own). */
    private static final Set<String> SERVICE_ROLES = Set.of("processor", "bridge");

    @Test
    void shouldGiveEveryProcessorReplicaItsOwnStateAndAStandby() throws Exception {
        JsonNode processor = compose("docker-compose.yml").get("services").get("processor");
        Set<String> named = new HashSet<>();
        compose("docker-compose.yml").path("volumes").fieldNames().forEachRemaining(named::add);
        for (JsonNode volume : processor.get("volumes")) {
            String source = volume.asText().contains(":") ? volume.asText().split(":")[0] : null;
            assertTrue(source == null || !named.contains(source), "a named volume is shared by every replica of "
                + "`--scale processor=N`, and Kafka Streams instances must not share a state directory: " + volume);
        }
        assertEquals("/var/lib/alarm-digest/streams",
            processor.get("environment").get("ALARM_DIGEST_STATE_DIR").asText(), "the state is in the volume");
        assertTrue(processor.get("environment").get("ALARM_DIGEST_NUM_STANDBY_REPLICAS").asInt() >= 1);
    }

    @Test
    void shouldSetOnlySettingsTheServiceKnows() throws Exception {
        Set<String> known = new HashSet<>(LOG_VARIABLES);
        for (String key : Settings.knownKeys()) {
            known.add(Settings.envName(key));
        }
        List<String> unknown = new ArrayList<>();
        for (String file : List.of("docker-compose.yml", "docker-compose.secured.yml")) {
            for (Map.Entry<String, JsonNode> service : iterable(compose(file).get("services").fields())) {
                JsonNode environment = service.getValue().path("environment");
                for (String variable : iterable(environment.fieldNames())) {
                    if (SERVICE_ROLES.contains(service.getKey()) && variable.startsWith("ALARM_DIGEST_")
                        && !known.contains(variable)) {
                        unknown.add(file + " " + service.getKey() + ": " + variable);
                    }
                }
            }
        }
        assertEquals(List.of(), unknown, "variables that name no setting are ignored without a word");
    }

    private static JsonNode compose(String file) throws Exception {
        return YAML.readTree(Path.of("..", file).toFile());
    }

    private static <T> Iterable<T> iterable(java.util.Iterator<T> iterator) {
        return () -> iterator;
    }
}
