package io.alarmdigest.processor.state;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * One user's alarms as the {@code alarm-state} store holds them: read by a digest (the due ones, in digest order)
 * and by the interactive queries (all of them), the same way.
 */
public final class UserAlarms {
    /** Contract rule 4: by {@code LatestChangedAt}, then by AlarmID as UTF-8 bytes. */
    public static final Comparator<UserAlarm> DIGEST_ORDER = Comparator
        .comparing((UserAlarm alarm) -> alarm.state().current().changedAt())
        .thenComparing((a, b) -> Arrays.compareUnsigned(a.alarmIdUtf8(), b.alarmIdUtf8()));

    private UserAlarms() {
    }

    /** The user's alarms whose state passes {@code which}, in key order; a prefix seek, never a scan of the store. */
    public static List<UserAlarm> read(ReadOnlyKeyValueStore<Bytes, byte[]> store, String userId,
                                       Predicate<AlarmState> which) {
        List<UserAlarm> alarms = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> entries =
                 store.prefixScan(StateKeys.userPrefix(userId), Serdes.Bytes().serializer())) {
            while (entries.hasNext()) {
                KeyValue<Bytes, byte[]> entry = entries.next();
                AlarmState state = AlarmState.decode(entry.value);
                if (which.test(state)) {
                    alarms.add(UserAlarm.of(entry.key, state));
                }
            }
        }
        return alarms;
    }

    /** What the user's next digest lists (contract rules 2 and 4): the due alarms, oldest first. */
    public static List<UserAlarm> pending(ReadOnlyKeyValueStore<Bytes, byte[]> store, String userId) {
        List<UserAlarm> due = read(store, userId, AlarmState::isDue);
        due.sort(DIGEST_ORDER);
        return due;
    }

    /** One alarm of the user: its store key, its AlarmID (also as UTF-8, for ordering) and its state. */
    public record UserAlarm(Bytes key, String alarmId, byte[] alarmIdUtf8, AlarmState state) {
        static UserAlarm of(Bytes key, AlarmState state) {
            String alarmId = StateKeys.alarmId(key);
            return new UserAlarm(key, alarmId, alarmId.getBytes(StandardCharsets.UTF_8), state);
        }
    }
}
