package io.alarmdigest.processor.state;

import io.alarmdigest.model.AlarmStatus;
import io.alarmdigest.model.AlarmStatusChanged;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * What the service knows of one (UserID, AlarmID): the digest rules of the contract live here and in
 * {@link io.alarmdigest.processor.topology.DigestRequestProcessor}'s ordering and splitting.
 *
 * <ul>
 *   <li><b>Rule 1, latest wins.</b> {@link #current} is the highest {@link Version} received; a lower or equal one
 *       never replaces it, so redelivered and late events change nothing.</li>
 *   <li><b>Rule 2, pending.</b> An alarm is pending when it was never delivered, or when some event of a higher
 *       version than the delivered one carried another status ({@link #changedSinceDelivery}). Every event of a
 *       higher version than the delivered one arrives after that delivery (the delivered version was the highest
 *       at the time), so this mark depends on the set of events received, not on their order.</li>
 *   <li><b>Rule 5, delivery marks.</b> {@link #delivered()} records the version sent, and clears the mark.</li>
 *   <li><b>Rule 10, retention.</b> {@link #lastTouchedMs} is the latest stream time (record timestamp) of an event
 *       for this alarm, from which a CLEARED entry's expiry is computed.</li>
 * </ul>
 *
 * Immutable; stored as a fixed-size binary value ({@link #encode()}).
 */
public final class AlarmState {
    private static final byte FORMAT = 1;
    private static final byte NONE = -1;
    private static final int ENCODED_SIZE = 1 + Version.ENCODED_SIZE + 1 + Version.ENCODED_SIZE + 1 + Long.BYTES;

    private final Version current;
    private final Version lastDelivered;
    private final boolean changedSinceDelivery;
    private final long lastTouchedMs;

    private AlarmState(Version current, Version lastDelivered, boolean changedSinceDelivery, long lastTouchedMs) {
        this.current = current;
        this.lastDelivered = lastDelivered;
        this.changedSinceDelivery = changedSinceDelivery;
        this.lastTouchedMs = lastTouchedMs;
    }

    /** The state after the first event of an alarm that the store does not hold. */
    public static AlarmState first(AlarmStatusChanged event, long recordTimestampMs) {
        return new AlarmState(Version.of(event), null, false, recordTimestampMs);
    }

    /** The state after {@code event}, given the alarm's state before it ({@code null} when the store has none). */
    public static AlarmState after(AlarmState before, AlarmStatusChanged event, long recordTimestampMs) {
        return before == null ? first(event, recordTimestampMs) : before.apply(event, recordTimestampMs);
    }

    /** The state after {@code event}, whatever order events arrive in and however often. */
    public AlarmState apply(AlarmStatusChanged event, long recordTimestampMs) {
        Version incoming = Version.of(event);
        boolean changed = changedSinceDelivery
            || lastDelivered != null && incoming.compareTo(lastDelivered) > 0 && incoming.status() != lastDelivered.status();
        Version latest = incoming.compareTo(current) > 0 ? incoming : current;
        return new AlarmState(latest, lastDelivered, changed, Math.max(lastTouchedMs, recordTimestampMs));
    }

    /** Whether a digest lists this alarm: its current status is active and it is new to the user. */
    public boolean isDue() {
        return current.status().isActive() && (lastDelivered == null || changedSinceDelivery);
    }

    /** The state once a digest listed the current version. */
    public AlarmState delivered() {
        return new AlarmState(current, current, false, lastTouchedMs);
    }

    public Version current() {
        return current;
    }

    /** The version last sent in a digest, or {@code null} if none was. */
    public Version lastDelivered() {
        return lastDelivered;
    }

    public boolean changedSinceDelivery() {
        return changedSinceDelivery;
    }

    public long lastTouchedMs() {
        return lastTouchedMs;
    }

    /** Only a CLEARED alarm expires: an active one matters until it clears. */
    public boolean expires() {
        return current.status() == AlarmStatus.CLEARED;
    }

    public byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(ENCODED_SIZE).put(FORMAT);
        current.writeTo(out);
        if (lastDelivered == null) {
            out.put(NONE).position(out.position() + Version.ENCODED_SIZE);
        } else {
            lastDelivered.writeTo(out.put((byte) 1));
        }
        return out.put((byte) (changedSinceDelivery ? 1 : 0)).putLong(lastTouchedMs).array();
    }

    public static AlarmState decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        byte format = in.get();
        if (format != FORMAT || bytes.length != ENCODED_SIZE) {
            throw new IllegalStateException("unknown alarm state format " + format + " of " + bytes.length + " bytes");
        }
        Version current = Version.readFrom(in);
        Version delivered = null;
        if (in.get() == NONE) {
            in.position(in.position() + Version.ENCODED_SIZE);
        } else {
            delivered = Version.readFrom(in);
        }
        return new AlarmState(current, delivered, in.get() == 1, in.getLong());
    }

    @Override
    public String toString() {
        return "AlarmState{current=" + current + ", lastDelivered=" + lastDelivered + ", changedSinceDelivery="
            + changedSinceDelivery + ", lastTouchedMs=" + lastTouchedMs + '}';
    }

    /**
     * The order of events of one alarm (contract rule 1): {@code ChangedAt} first, then severity for the same
     * instant.
     */
    public record Version(Instant changedAt, AlarmStatus status) implements Comparable<Version> {
        static final int ENCODED_SIZE = Long.BYTES + Integer.BYTES + 1;

        static Version of(AlarmStatusChanged event) {
            return new Version(event.changedAt(), event.status());
        }

        @Override
        public int compareTo(Version other) {
            int byTime = changedAt.compareTo(other.changedAt);
            return byTime != 0 ? byTime : status.compareTo(other.status);
        }

        void writeTo(ByteBuffer out) {
            out.putLong(changedAt.getEpochSecond()).putInt(changedAt.getNano()).put(status.code());
        }

        static Version readFrom(ByteBuffer in) {
            return new Version(Instant.ofEpochSecond(in.getLong(), in.getInt()), AlarmStatus.fromCode(in.get()));
        }
    }
}
