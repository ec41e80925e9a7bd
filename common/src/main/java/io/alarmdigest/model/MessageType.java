package io.alarmdigest.model;

import java.util.Optional;

/**
 * What an input record is, as its {@code message-type} header says ({@link HeaderNames#MESSAGE_TYPE}): both kinds
 * share the one input topic, because what must stay in order must share a partition (contract rule 3). The header
 * names the message, not the NATS subject, which is a setting.
 */
public enum MessageType {
    ALARM_STATUS_CHANGED("AlarmStatusChanged"),
    SEND_ALARM_DIGEST("SendAlarmDigest");

    private final String headerValue;

    MessageType(String headerValue) {
        this.headerValue = headerValue;
    }

    /** The header's value, exactly as the contract writes it. */
    public String headerValue() {
        return headerValue;
    }

    /** The type a header value names (exact spelling), or empty when it names none. */
    public static Optional<MessageType> ofHeader(String value) {
        for (MessageType type : values()) {
            if (type.headerValue.equals(value)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
