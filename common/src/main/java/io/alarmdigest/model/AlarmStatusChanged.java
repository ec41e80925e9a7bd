package io.alarmdigest.model;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * An alarm of a user changed status ({@code AlarmStatusChanged} on NATS). Instances are valid by construction:
 * {@link #parse(byte[])} rejects anything the contract calls bad input.
 */
public record AlarmStatusChanged(String alarmId, String userId, AlarmStatus status, Instant changedAt) {
    public AlarmStatusChanged {
        Ids.require("AlarmID", alarmId);
        Ids.require("UserID", userId);
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(changedAt, "changedAt");
    }

    /**
     * @throws InvalidMessageException naming the field that breaks the contract
     */
    public static AlarmStatusChanged parse(byte[] payload) {
        Map<String, String> fields = Json.readStringFields(payload, "alarmid", "userid", "status", "changedat");
        String alarmId = Ids.require("AlarmID", fields.get("alarmid"));
        String userId = Ids.require("UserID", fields.get("userid"));
        String status = fields.get("status");
        if (status == null) {
            throw new InvalidMessageException(DlqReason.MISSING_FIELD, "Status is missing");
        }
        String changedAt = fields.get("changedat");
        if (changedAt == null) {
            throw new InvalidMessageException(DlqReason.MISSING_FIELD, "ChangedAt is missing");
        }
        return new AlarmStatusChanged(alarmId, userId, AlarmStatus.parse("Status", status),
            Rfc3339.parse("ChangedAt", changedAt));
    }
}
