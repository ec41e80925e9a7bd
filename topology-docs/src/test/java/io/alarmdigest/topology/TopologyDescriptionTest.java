package io.alarmdigest.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.alarmdigest.processor.config.ProcessorConfig;
import io.alarmdigest.processor.topology.DigestTopology;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/**
 * {@code topology.txt} is the documentation of the topology: {@code Topology#describe()} of the production topology
 * with the default settings. This test keeps the two identical, so a change to the topology is a visible change to
 * its documentation in review.
 */
class TopologyDescriptionTest {
    private static final Path DOCUMENTED = Path.of("topology.txt");
    private static final Path ACTUAL = Path.of("target", "topology.txt");
    private static final String UPDATE = "topology.update";

    @Test
    void shouldMatchTheDocumentedTopology() throws IOException {
        String actual = DigestTopology.build(new ProcessorConfig(Map.of(
            StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092"))).describe().toString();
        Files.createDirectories(ACTUAL.getParent());
        Files.writeString(ACTUAL, actual, StandardCharsets.UTF_8);
        if (Boolean.getBoolean(UPDATE)) {
            Files.writeString(DOCUMENTED, actual, StandardCharsets.UTF_8);
        }
        String documented = Files.exists(DOCUMENTED) ? Files.readString(DOCUMENTED, StandardCharsets.UTF_8) : "";
        assertEquals(documented, actual, "The topology differs from topology-docs/topology.txt. If the change is "
            + "intended, copy topology-docs/target/topology.txt (written by this run) over it, or run "
            + "`mvn verify -D" + UPDATE + "=true`; then review SEMANTICS.md and README.md beside it.");
    }

    @Test
    void shouldNameEveryStoreAndProcessorOfTheDocumentedTopology() throws IOException {
        String documented = Files.readString(DOCUMENTED, StandardCharsets.UTF_8);
        for (String name : new String[] {DigestTopology.INPUT_SOURCE, DigestTopology.ROUTER,
            DigestTopology.STATUS_PROCESSOR, DigestTopology.REQUEST_PROCESSOR, DigestTopology.DIGEST_SINK,
            DigestTopology.DLQ_SINK, DigestTopology.ALARM_STORE, DigestTopology.EXPIRY_STORE,
            DigestTopology.DEDUPE_STORE}) {
            assertTrue(documented.contains(name), name);
            assertTrue(Files.readString(Path.of("SEMANTICS.md"), StandardCharsets.UTF_8).contains("`" + name + "`"),
                "SEMANTICS.md explains " + name);
        }
    }
}
