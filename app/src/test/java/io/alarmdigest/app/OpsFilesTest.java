package io.alarmdigest.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The dashboard and the alert rules are well formed and cover what an operator watches. That each metric they name
 * exists is checked against a real scrape by {@code StandaloneProcessIT}; {@code promtool} checks and tests the
 * rules in CI.
 */
class OpsFilesTest {
    @Test
    void shouldGiveEveryPanelAQueryAndADistinctId() {
        JsonNode dashboard = OpsFiles.dashboard();
        assertEquals("alarm-digest", dashboard.get("uid").asText());
        Set<Integer> ids = new HashSet<>();
        List<String> empty = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            assertTrue(ids.add(panel.get("id").asInt()), "panel ids are distinct: " + panel.get("id"));
            if (!panel.get("type").asText().equals("row") && panel.path("targets").isEmpty()) {
                empty.add(panel.get("title").asText());
            }
        }
        assertEquals(List.of(), empty, "panels without a query");
    }

    @Test
    void shouldCoverWhatTheOperatorWatches() {
        Set<String> names = OpsFiles.metricNames();
        for (String watched : List.of("alarm_digest_ingress_messages_total", "alarm_digest_input_stream_messages",
            "kafka_consumer_fetch_manager_records_lag_max", "alarm_digest_processor_digests_total",
            "alarm_digest_processor_digest_parts_total", "alarm_digest_digest_latency_seconds_bucket",
            "alarm_digest_ingress_dead_letters_total", "alarm_digest_processor_dead_letters_total",
            "alarm_digest_ingress_position", "alarm_digest_ingress_sequence_gaps_total",
            "alarm_digest_egress_retries_total", "jvm_memory_used_bytes",
            "alarm_digest_processor_rocksdb_block_cache_usage_bytes", "kafka_stream_client_state")) {
            assertTrue(names.contains(watched), watched + " is on the dashboard or in the rules: " + names);
        }
    }

    @Test
    void shouldGiveEveryAlertASeverityASummaryAndADescription() {
        List<String> alerts = new ArrayList<>();
        for (JsonNode group : OpsFiles.alerts().get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                String name = rule.get("alert").asText();
                alerts.add(name);
                assertTrue(Set.of("warning", "critical").contains(rule.path("labels").path("severity").asText()),
                    name + " has a severity");
                assertFalse(rule.path("annotations").path("summary").asText().isBlank(), name + " has a summary");
                assertFalse(rule.path("annotations").path("description").asText().isBlank(),
                    name + " has a description");
            }
        }
        assertTrue(alerts.containsAll(List.of("AlarmDigestInputBacklogGrowing", "AlarmDigestInputStreamNearItsLimit",
            "AlarmDigestDeadLettersRising", "AlarmDigestProcessorNotRunning", "AlarmDigestLatencyHigh",
            "AlarmDigestEgressStuck")), alerts.toString());
    }
}
