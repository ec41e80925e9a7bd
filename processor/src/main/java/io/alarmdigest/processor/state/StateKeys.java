package io.alarmdigest.processor.state;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Bytes;

/**
 * Binary keys of the state stores.
 *
 * <p>An alarm's key is {@code [UserID length: 2 bytes][UserID UTF-8][AlarmID UTF-8]}. IDs may hold any character,
 * so the UserID is length-prefixed rather than delimited: the prefix {@code [length][UserID]} then matches exactly
 * one user's alarms, and a digest scans that user's keys only (RocksDB prefix seek), never the whole store.
 *
 * <p>An expiry-index key is {@code [expiry time: 8 bytes big-endian][alarm key]}: keys sort by expiry time, so the
 * alarms due for removal are one range scan from the start, and the work per purge is bounded by what is due.
 */
public final class StateKeys {
    private static final int LENGTH_BYTES = Short.BYTES;

    private StateKeys() {
    }

    public static Bytes userPrefix(String userId) {
        byte[] user = userId.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(LENGTH_BYTES + user.length)
            .putShort((short) user.length).put(user).array());
    }

    public static Bytes alarmKey(String userId, String alarmId) {
        byte[] user = userId.getBytes(StandardCharsets.UTF_8);
        byte[] alarm = alarmId.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(LENGTH_BYTES + user.length + alarm.length)
            .putShort((short) user.length).put(user).put(alarm).array());
    }

    /** The AlarmID of an alarm key. */
    public static String alarmId(Bytes alarmKey) {
        byte[] key = alarmKey.get();
        int offset = LENGTH_BYTES + (ByteBuffer.wrap(key).getShort() & 0xffff);
        return new String(key, offset, key.length - offset, StandardCharsets.UTF_8);
    }

    public static Bytes expiryKey(long expiresAtMs, Bytes alarmKey) {
        byte[] alarm = alarmKey.get();
        return Bytes.wrap(ByteBuffer.allocate(Long.BYTES + alarm.length)
            .putLong(Math.max(0, expiresAtMs)).put(alarm).array());
    }

    /** The lowest expiry-index key. */
    public static Bytes expiryRangeStart() {
        return Bytes.wrap(new byte[Long.BYTES]);
    }

    /** An upper bound above every expiry-index key whose expiry time is at or before {@code nowMs}. */
    public static Bytes expiryRangeEnd(long nowMs) {
        return Bytes.wrap(ByteBuffer.allocate(Long.BYTES).putLong(Math.max(0, nowMs) + 1).array());
    }

    public static Bytes alarmKeyOfExpiryKey(Bytes expiryKey) {
        byte[] key = expiryKey.get();
        byte[] alarm = new byte[key.length - Long.BYTES];
        System.arraycopy(key, Long.BYTES, alarm, 0, alarm.length);
        return Bytes.wrap(alarm);
    }
}
