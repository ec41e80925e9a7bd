package io.alarmdigest.model;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.ResolverStyle;
import java.time.format.SignStyle;
import java.time.temporal.ChronoField;

/**
 * RFC 3339 timestamps as the contract has them: parsed with any offset and up to nanosecond precision, compared
 * as instants, written in UTC like Go's {@code time.RFC3339Nano} (fraction without trailing zeros, none at all
 * when it is zero), so that a Go producer's {@code 2021-06-07T20:40:15.598765212Z} comes back byte for byte.
 */
public final class Rfc3339 {
    /**
     * Strict RFC 3339 {@code date-time}: four-digit year, seconds required, an optional fraction of 1–9 digits,
     * and an offset that is {@code Z} or {@code ±hh:mm}. {@code T} and {@code Z} may be lower case (RFC 3339 §5.6).
     */
    private static final DateTimeFormatter PARSER = new DateTimeFormatterBuilder()
        .parseCaseInsensitive()
        .appendValue(ChronoField.YEAR, 4, 4, SignStyle.NOT_NEGATIVE)
        .appendLiteral('-')
        .appendValue(ChronoField.MONTH_OF_YEAR, 2)
        .appendLiteral('-')
        .appendValue(ChronoField.DAY_OF_MONTH, 2)
        .appendLiteral('T')
        .appendValue(ChronoField.HOUR_OF_DAY, 2)
        .appendLiteral(':')
        .appendValue(ChronoField.MINUTE_OF_HOUR, 2)
        .appendLiteral(':')
        .appendValue(ChronoField.SECOND_OF_MINUTE, 2)
        .optionalStart()
        .appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true)
        .optionalEnd()
        .appendOffset("+HH:MM", "Z")
        .toFormatter()
        .withResolverStyle(ResolverStyle.STRICT)
        .withChronology(java.time.chrono.IsoChronology.INSTANCE);

    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss");

    /** Years that survive the round trip to four-digit UTC output. */
    private static final Instant MIN = Instant.parse("0000-01-01T00:00:00Z");
    private static final Instant MAX = Instant.parse("9999-12-31T23:59:59.999999999Z");

    private Rfc3339() {
    }

    /**
     * @throws InvalidMessageException naming {@code field} when {@code text} is not an RFC 3339 date-time with
     *     offset, or lies outside the years 0000–9999 once moved to UTC
     */
    public static Instant parse(String field, String text) {
        Instant instant;
        try {
            instant = OffsetDateTime.parse(text, PARSER).toInstant();
        } catch (DateTimeException e) {
            throw new InvalidMessageException(DlqReason.BAD_TIME,
                field + " must be an RFC 3339 time with offset (like 2021-06-07T20:40:15.598765212Z), but was "
                    + Json.quoteForLog(text));
        }
        if (instant.isBefore(MIN) || instant.isAfter(MAX)) {
            throw new InvalidMessageException(DlqReason.BAD_TIME,
                field + " must lie between the years 0000 and 9999 in UTC, but was " + Json.quoteForLog(text));
        }
        return instant;
    }

    /** Formats like Go's {@code time.RFC3339Nano} in UTC. */
    public static String format(Instant instant) {
        LocalDateTime utc = LocalDateTime.ofEpochSecond(instant.getEpochSecond(), 0, ZoneOffset.UTC);
        StringBuilder out = new StringBuilder(30).append(SECONDS.format(utc));
        int nanos = instant.getNano();
        if (nanos != 0) {
            String digits = Integer.toString(nanos + 1_000_000_000).substring(1);
            int end = digits.length();
            while (digits.charAt(end - 1) == '0') {
                end--;
            }
            out.append('.').append(digits, 0, end);
        }
        return out.append('Z').toString();
    }
}
