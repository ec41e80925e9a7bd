package io.alarmdigest.processor.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.alarmdigest.model.AlarmStatus;
import io.alarmdigest.model.AlarmStatusChanged;
import java.time.Instant;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

class AlarmStateTest {
    private static AlarmStatusChanged event(AlarmStatus status, String changedAt) {
        return new AlarmStatusChanged("a", "u", status, Instant.parse(changedAt));
    }

    @Test
    void shouldRoundTripThroughItsBinaryForm() {
        AlarmState state = AlarmState.first(event(AlarmStatus.WARNING, "2021-06-07T20:40:15.598765212Z"), 5)
            .delivered()
            .apply(event(AlarmStatus.CRITICAL, "2021-06-07T21:40:15Z"), 9);
        AlarmState decoded = AlarmState.decode(state.encode());
        assertEquals(state.current(), decoded.current());
        assertEquals(state.lastDelivered(), decoded.lastDelivered());
        assertTrue(decoded.changedSinceDelivery());
        assertEquals(9, decoded.lastTouchedMs());

        AlarmState fresh = AlarmState.decode(AlarmState.first(event(AlarmStatus.CLEARED, "1970-01-01T00:00:00Z"), 0)
            .encode());
        assertNull(fresh.lastDelivered());
        assertFalse(fresh.changedSinceDelivery());
    }

    @Test
    void shouldRefuseAValueOfAnotherFormat() {
        assertThrows(IllegalStateException.class, () -> AlarmState.decode(new byte[] {9, 1, 2}));
    }

    @Test
    void shouldNeverMoveLastTouchedBackwards() {
        AlarmState state = AlarmState.first(event(AlarmStatus.CLEARED, "2021-06-07T20:40:15Z"), 100)
            .apply(event(AlarmStatus.CLEARED, "2021-06-07T20:40:15Z"), 50);
        assertEquals(100, state.lastTouchedMs());
    }

    @Test
    void shouldKeyAlarmsByLengthPrefixedUser() {
        Bytes key = StateKeys.alarmKey("user", "alarm:1");
        assertEquals("alarm:1", StateKeys.alarmId(key));
        Bytes prefix = StateKeys.userPrefix("user");
        assertFalse(startsWith(StateKeys.alarmKey("user1", "x"), StateKeys.userPrefix("user")));
        assertTrue(startsWith(key, prefix));
        assertEquals(key, StateKeys.alarmKeyOfExpiryKey(StateKeys.expiryKey(12345, key)));
    }

    private static boolean startsWith(Bytes key, Bytes prefix) {
        byte[] k = key.get();
        byte[] p = prefix.get();
        if (k.length < p.length) {
            return false;
        }
        for (int i = 0; i < p.length; i++) {
            if (k[i] != p[i]) {
                return false;
            }
        }
        return true;
    }
}
