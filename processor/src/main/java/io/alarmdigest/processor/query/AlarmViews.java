package io.alarmdigest.processor.query;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alarmdigest.model.Json;
import io.alarmdigest.model.Rfc3339;
import io.alarmdigest.processor.state.AlarmState;
import io.alarmdigest.processor.state.UserAlarms.UserAlarm;
import java.time.Instant;
import java.util.List;

/**
 * The JSON of the interactive queries: a user's pending alarms in the digest's own order and fields, and every alarm
 * kept for the user with its delivery state. Field names follow the contract's ({@code UserID}, {@code AlarmID},
 * ...).
 */
public final class AlarmViews {
    private AlarmViews() {
    }

    /**
     * What the user's next digest would list ({@code alarms} in digest order): each alarm as the digest shows it,
     * plus the version last delivered to the user ({@code null}: never).
     */
    public static ObjectNode pending(String userId, List<UserAlarm> alarms) {
        ObjectNode view = Json.MAPPER.createObjectNode().put("UserID", userId);
        ArrayNode listed = view.putArray("ActiveAlarms");
        for (UserAlarm alarm : alarms) {
            AlarmState.Version current = alarm.state().current();
            ObjectNode item = listed.addObject()
                .put("AlarmID", alarm.alarmId())
                .put("Status", current.status().name())
                .put("LatestChangedAt", Rfc3339.format(current.changedAt()));
            version(item, "Delivered", alarm.state().lastDelivered());
        }
        return view;
    }

    /**
     * Every alarm kept for the user ({@code alarms} in store order, by AlarmID): its current and delivered versions,
     * whether it changed since that delivery, whether the next digest lists it, and, for a CLEARED one, when it
     * expires: its last event's record time plus {@code retentionMs}, reached in stream time.
     */
    public static ObjectNode alarms(String userId, List<UserAlarm> alarms, long retentionMs) {
        ObjectNode view = Json.MAPPER.createObjectNode().put("UserID", userId);
        ArrayNode listed = view.putArray("Alarms");
        for (UserAlarm alarm : alarms) {
            AlarmState state = alarm.state();
            ObjectNode item = listed.addObject()
                .put("AlarmID", alarm.alarmId())
                .put("Status", state.current().status().name())
                .put("ChangedAt", Rfc3339.format(state.current().changedAt()));
            version(item, "Delivered", state.lastDelivered());
            item.put("ChangedSinceDelivery", state.changedSinceDelivery());
            item.put("Pending", state.isDue());
            if (state.expires()) {
                item.put("ExpiresAt", Rfc3339.format(Instant.ofEpochMilli(state.lastTouchedMs() + retentionMs)));
            } else {
                item.putNull("ExpiresAt");
            }
        }
        return view;
    }

    private static void version(ObjectNode item, String field, AlarmState.Version version) {
        if (version == null) {
            item.putNull(field);
        } else {
            item.putObject(field)
                .put("Status", version.status().name())
                .put("ChangedAt", Rfc3339.format(version.changedAt()));
        }
    }
}
