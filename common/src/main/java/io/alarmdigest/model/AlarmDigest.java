package io.alarmdigest.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.List;

/**
 * What we publish: a user's active alarms that are new to them ({@code AlarmDigest} on NATS). Field names and order
 * are the contract's; one instance is one part of a possibly split digest.
 */
@JsonPropertyOrder({"UserID", "ActiveAlarms"})
public record AlarmDigest(
    @JsonProperty("UserID") String userId,
    @JsonProperty("ActiveAlarms") List<ActiveAlarm> activeAlarms) {

    public AlarmDigest {
        activeAlarms = List.copyOf(activeAlarms);
    }

    /** One listed alarm; {@code LatestChangedAt} is the {@code ChangedAt} of the event that set its status. */
    @JsonPropertyOrder({"AlarmID", "Status", "LatestChangedAt"})
    public record ActiveAlarm(
        @JsonProperty("AlarmID") String alarmId,
        @JsonProperty("Status") AlarmStatus status,
        @JsonProperty("LatestChangedAt") String latestChangedAt) {

        public static ActiveAlarm of(String alarmId, AlarmStatus status, Instant changedAt) {
            return new ActiveAlarm(alarmId, status, Rfc3339.format(changedAt));
        }
    }
}
