package io.alarmdigest.model;

import java.util.Locale;

/**
 * The status of an alarm, in order of severity: for two events with the same {@code ChangedAt}, the more severe one
 * is the later version (contract rule 1).
 */
public enum AlarmStatus {
    CLEARED,
    WARNING,
    CRITICAL;

    private static final AlarmStatus[] BY_CODE = values();

    /** WARNING and CRITICAL are active: they are what a digest lists. */
    public boolean isActive() {
        return this != CLEARED;
    }

    /** A compact code for the state store; stable because the enum order is the severity order. */
    public byte code() {
        return (byte) ordinal();
    }

    public static AlarmStatus fromCode(byte code) {
        return BY_CODE[code];
    }

    /**
     * Parses a status case-insensitively, as producers written in Go may send {@code "warning"}.
     *
     * @throws InvalidMessageException naming the field when the status is not one of the three
     */
    public static AlarmStatus parse(String field, String text) {
        // Only ASCII letters fold: "warnıng" (dotless i) must not pass for WARNING.
        boolean ascii = text.chars().allMatch(c -> c < 0x80);
        switch (ascii ? text.toUpperCase(Locale.ROOT) : text) {
            case "CLEARED":
                return CLEARED;
            case "WARNING":
                return WARNING;
            case "CRITICAL":
                return CRITICAL;
            default:
                throw new InvalidMessageException(DlqReason.BAD_STATUS,
                    field + " must be one of CLEARED, WARNING, CRITICAL, but was " + Json.quoteForLog(text));
        }
    }
}
