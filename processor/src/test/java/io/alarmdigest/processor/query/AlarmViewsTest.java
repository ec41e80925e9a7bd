package io.alarmdigest.processor.query;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alarmdigest.model.Json;
import io.alarmdigest.model.Rfc3339;
import io.alarmdigest.processor.state.UserAlarms;
import io.alarmdigest.processor.topology.DigestDriver;
import io.alarmdigest.processor.topology.DigestTopology;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/** The queries' answers read from the store the real topology wrote, under {@code TopologyTestDriver}. */
class AlarmViewsTest {
    private static final long RETENTION_MS = 60_000;

    @Test
    void shouldShowPendingAlarmsInDigestOrderWithTheirDeliveredVersion() throws Exception {
        try (DigestDriver driver = new DigestDriver(Map.of("alarm.retention.ms", Long.toString(RETENTION_MS)))) {
            driver.event("u1", "b", "WARNING", "2021-06-07T20:40:00Z")
                .event("u1", "a", "WARNING", "2021-06-07T20:40:00Z")
                .event("u1", "c", "CRITICAL", "2021-06-07T20:39:00Z")
                .event("u2", "x", "CRITICAL", "2021-06-07T20:39:00Z");
            driver.request("u1");
            driver.readParts();
            driver.event("u1", "a", "CRITICAL", "2021-06-07T20:41:00Z") // changed since delivered: pending again
                .event("u1", "b", "CLEARED", "2021-06-07T20:42:00Z")    // cleared: kept, not pending, expires
                .event("u1", "d", "WARNING", "2021-06-07T20:43:00Z");   // new

            assertEquals(Json.MAPPER.readTree("""
                {"UserID":"u1","ActiveAlarms":[
                  {"AlarmID":"a","Status":"CRITICAL","LatestChangedAt":"2021-06-07T20:41:00Z",
                   "Delivered":{"Status":"WARNING","ChangedAt":"2021-06-07T20:40:00Z"}},
                  {"AlarmID":"d","Status":"WARNING","LatestChangedAt":"2021-06-07T20:43:00Z","Delivered":null}]}"""),
                pending(driver, "u1"));

            long clearedAtMs = driver.nowMs() - DigestDriver.STEP_MS; // b's CLEARED was the last but one record
            assertEquals(Json.MAPPER.readTree("""
                {"UserID":"u1","Alarms":[
                  {"AlarmID":"a","Status":"CRITICAL","ChangedAt":"2021-06-07T20:41:00Z",
                   "Delivered":{"Status":"WARNING","ChangedAt":"2021-06-07T20:40:00Z"},
                   "ChangedSinceDelivery":true,"Pending":true,"ExpiresAt":null},
                  {"AlarmID":"b","Status":"CLEARED","ChangedAt":"2021-06-07T20:42:00Z",
                   "Delivered":{"Status":"WARNING","ChangedAt":"2021-06-07T20:40:00Z"},
                   "ChangedSinceDelivery":true,"Pending":false,"ExpiresAt":"%s"},
                  {"AlarmID":"c","Status":"CRITICAL","ChangedAt":"2021-06-07T20:39:00Z",
                   "Delivered":{"Status":"CRITICAL","ChangedAt":"2021-06-07T20:39:00Z"},
                   "ChangedSinceDelivery":false,"Pending":false,"ExpiresAt":null},
                  {"AlarmID":"d","Status":"WARNING","ChangedAt":"2021-06-07T20:43:00Z","Delivered":null,
                   "ChangedSinceDelivery":false,"Pending":true,"ExpiresAt":null}]}"""
                .formatted(Rfc3339.format(Instant.ofEpochMilli(clearedAtMs + RETENTION_MS)))), alarms(driver, "u1"));
        }
    }

    @Test
    void shouldAnswerAnUnknownUserWithNothingAndKeepUsersApart() throws Exception {
        try (DigestDriver driver = new DigestDriver()) {
            // "u" is a prefix of "u1" as text; the length-prefixed keys keep them apart.
            driver.event("u1", "a", "WARNING", "2021-06-07T20:40:00Z");
            assertEquals(Json.MAPPER.readTree("{\"UserID\":\"u\",\"ActiveAlarms\":[]}"), pending(driver, "u"));
            assertEquals(Json.MAPPER.readTree("{\"UserID\":\"nobody\",\"Alarms\":[]}"), alarms(driver, "nobody"));
        }
    }

    /** Whatever the events, the pending view lists exactly what the next digest then holds, in its order. */
    @Test
    void shouldListExactlyWhatTheNextDigestHolds() throws Exception {
        Random random = new Random(16);
        String[] statuses = {"CLEARED", "WARNING", "CRITICAL"};
        try (DigestDriver driver = new DigestDriver()) {
            for (int round = 0; round < 30; round++) {
                for (int i = 0; i < 8; i++) {
                    driver.event("u" + random.nextInt(2), "a" + random.nextInt(6), statuses[random.nextInt(3)],
                        Instant.parse("2021-06-07T20:00:00Z").plusSeconds(random.nextInt(40)).toString());
                }
                String user = "u" + random.nextInt(2);
                JsonNode pending = pending(driver, user);
                driver.request(user);
                JsonNode digest = driver.readOnlyDigest().json();
                ArrayNode withoutDelivered = Json.MAPPER.createArrayNode();
                pending.get("ActiveAlarms").forEach(alarm -> withoutDelivered.add(((ObjectNode) alarm.deepCopy())
                    .without("Delivered")));
                assertEquals(digest.get("ActiveAlarms"), withoutDelivered, "round " + round);
            }
        }
    }

    private static JsonNode pending(DigestDriver driver, String user) {
        return AlarmViews.pending(user, UserAlarms.pending(store(driver), user));
    }

    private static JsonNode alarms(DigestDriver driver, String user) {
        return AlarmViews.alarms(user, UserAlarms.read(store(driver), user, state -> true), RETENTION_MS);
    }

    private static KeyValueStore<Bytes, byte[]> store(DigestDriver driver) {
        return driver.driver().getKeyValueStore(DigestTopology.ALARM_STORE);
    }
}
