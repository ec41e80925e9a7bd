package io.alarmdigest.reliability;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides from the contract alone whether an input message is good, and what it says when it is. It shares no code
 * with the service: it checks UTF-8 byte by byte itself, takes only the tokens from Jackson's streaming parser and
 * walks them its own way (depth, duplicates, types), and applies its own rules to IDs, statuses and times, building
 * instants from their parts with {@code java.time}.
 *
 * <p>The rules, in the order they are applied:
 * <ol>
 *   <li>at most {@value #MAX_MESSAGE_BYTES} bytes (the ingress size limit);</li>
 *   <li>well-formed UTF-8 (so UTF-16 and UTF-32 are bad, and a byte order mark is not JSON whitespace);</li>
 *   <li>exactly one JSON object, nothing but JSON whitespace after it, containers nested at most
 *       {@value #MAX_DEPTH} deep anywhere (the object itself is depth 1);</li>
 *   <li>the subject's field names, matched after {@code toLowerCase(Locale.ROOT)}, at most once each, and each a JSON
 *       string; other fields are ignored. A request reads only {@code UserID}, so on {@code SendAlarmDigest} the
 *       event's other field names are unknown fields;</li>
 *   <li>IDs non-empty, at most {@value #MAX_ID_BYTES} UTF-8 bytes, no unpaired surrogate; Status one of the three
 *       words in any ASCII case; ChangedAt an RFC 3339 date-time within the years 0000–9999 once in UTC.</li>
 * </ol>
 */
final class InputJudge {
    static final int MAX_MESSAGE_BYTES = 900 * 1024;
    static final int MAX_ID_BYTES = 256;
    static final int MAX_DEPTH = 64;

    private static final String ALARM_ID = "alarmid";
    private static final String USER_ID = "userid";
    private static final String STATUS = "status";
    private static final String CHANGED_AT = "changedat";
    private static final Set<String> EVENT_FIELDS = Set.of(ALARM_ID, USER_ID, STATUS, CHANGED_AT);
    private static final Set<String> REQUEST_FIELDS = Set.of(USER_ID);
    private static final List<String> STATUSES = List.of("CLEARED", "WARNING", "CRITICAL");

    /**
     * Depth is counted here, so Jackson's own nesting limit is out of the way. Its limits on a number's and a field
     * name's length stay as Jackson ships them: the service's reader has them too, and the contract is silent.
     */
    private static final JsonFactory TOKENS = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(Integer.MAX_VALUE)
            .maxNumberLength(1_000)
            .maxNameLength(50_000)
            .build())
        .build();

    private static final Pattern RFC3339 = Pattern.compile(
        "([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\\.([0-9]{1,9}))?"
            + "(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))");
    private static final Instant EARLIEST = LocalDateTime.of(0, 1, 1, 0, 0).toInstant(ZoneOffset.UTC);
    private static final Instant LATEST = LocalDateTime.of(9999, 12, 31, 23, 59, 59, 999_999_999)
        .toInstant(ZoneOffset.UTC);

    /** The judgement of one message: bad (with why), or good with what it says. */
    record Verdict(boolean valid, String reason, String user, Oracle.Event event) {
        static Verdict bad(String reason) {
            return new Verdict(false, reason, null, null);
        }

        static Verdict request(String user) {
            return new Verdict(true, null, user, null);
        }

        static Verdict event(Oracle.Event event) {
            return new Verdict(true, null, event.user(), event);
        }

        String describe() {
            if (!valid) {
                return "invalid (" + reason + ")";
            }
            return event == null ? "valid request of user " + Escape.text(user)
                : "valid event " + Escape.text(event.user()) + "/" + Escape.text(event.alarm()) + " "
                    + event.status() + " at " + event.at();
        }
    }

    /** One top-level field: its name as decoded, the token of its value, the value's text when it is a string. */
    private record Field(String name, JsonToken token, String text) {
    }

    Verdict judge(String subject, byte[] payload) {
        boolean event;
        if (Workload.STATUS_SUBJECT.equals(subject)) {
            event = true;
        } else if (Workload.REQUEST_SUBJECT.equals(subject)) {
            event = false;
        } else {
            throw new IllegalArgumentException("not an input subject: " + subject);
        }
        if (payload.length > MAX_MESSAGE_BYTES) {
            return Verdict.bad("larger than " + MAX_MESSAGE_BYTES + " bytes");
        }
        int malformedAt = firstMalformedUtf8(payload);
        if (malformedAt >= 0) {
            return Verdict.bad("not UTF-8 at byte " + malformedAt);
        }
        List<Field> fields = new ArrayList<>();
        String notOneObject = readObject(new String(payload, StandardCharsets.UTF_8), fields);
        if (notOneObject != null) {
            return Verdict.bad(notOneObject);
        }
        Set<String> known = event ? EVENT_FIELDS : REQUEST_FIELDS;
        Set<String> seen = new HashSet<>();
        String alarm = null;
        String user = null;
        String status = null;
        String changedAt = null;
        for (Field field : fields) {
            String key = field.name().toLowerCase(Locale.ROOT);
            if (!known.contains(key)) {
                continue;
            }
            if (!seen.add(key)) {
                return Verdict.bad("field " + key + " given twice");
            }
            if (field.token() != JsonToken.VALUE_STRING) {
                return Verdict.bad("field " + key + " is " + field.token() + ", not a string");
            }
            switch (key) {
                case ALARM_ID -> alarm = field.text();
                case USER_ID -> user = field.text();
                case STATUS -> status = field.text();
                default -> changedAt = field.text();
            }
        }
        String badUser = idProblem("UserID", user);
        if (badUser != null) {
            return Verdict.bad(badUser);
        }
        if (!event) {
            return Verdict.request(user);
        }
        String badAlarm = idProblem("AlarmID", alarm);
        if (badAlarm != null) {
            return Verdict.bad(badAlarm);
        }
        if (status == null || changedAt == null) {
            return Verdict.bad(status == null ? "no Status" : "no ChangedAt");
        }
        String word = asciiUpperCase(status);
        if (word == null || !STATUSES.contains(word)) {
            return Verdict.bad("Status " + Escape.text(status) + " is none of " + STATUSES);
        }
        Instant at = rfc3339(changedAt);
        if (at == null) {
            return Verdict.bad("ChangedAt " + Escape.text(changedAt) + " is no RFC 3339 time in years 0000-9999");
        }
        return Verdict.event(new Oracle.Event(user, alarm, word, at));
    }

    /**
     * Reads {@code text} as one JSON object, collecting its top-level fields; returns why it is not one, or null.
     * Every token is read, so a grammar error anywhere counts.
     */
    private static String readObject(String text, List<Field> fields) {
        try (JsonParser parser = TOKENS.createParser(text)) {
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_OBJECT) {
                return "top level is " + first + ", not an object";
            }
            int depth = 1;
            String name = null;
            while (depth > 0) {
                JsonToken token = parser.nextToken();
                if (token == null) {
                    return "ends inside the object";
                }
                if (depth == 1 && token == JsonToken.FIELD_NAME) {
                    name = parser.currentName();
                    continue;
                }
                if (depth == 1 && name != null) {
                    fields.add(new Field(name, token, token == JsonToken.VALUE_STRING ? parser.getText() : null));
                    name = null;
                }
                if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
                    depth++;
                    if (depth > MAX_DEPTH) {
                        return "nested deeper than " + MAX_DEPTH;
                    }
                } else if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
                    depth--;
                }
            }
            JsonToken after = parser.nextToken();
            return after == null ? null : "more after the object: " + after;
        } catch (IOException e) {
            return "not JSON: " + e.getClass().getSimpleName();
        }
    }

    /**
     * The index of the first byte that does not continue a well-formed UTF-8 sequence (Unicode's table of
     * well-formed byte sequences: no overlong forms, no surrogates, nothing above U+10FFFF), or -1.
     */
    static int firstMalformedUtf8(byte[] bytes) {
        int i = 0;
        while (i < bytes.length) {
            int b = bytes[i] & 0xff;
            int more;
            int low = 0x80;
            int high = 0xbf;
            if (b < 0x80) {
                i++;
                continue;
            } else if (b >= 0xc2 && b <= 0xdf) {
                more = 1;
            } else if (b >= 0xe0 && b <= 0xef) {
                more = 2;
                low = b == 0xe0 ? 0xa0 : 0x80;
                high = b == 0xed ? 0x9f : 0xbf;
            } else if (b >= 0xf0 && b <= 0xf4) {
                more = 3;
                low = b == 0xf0 ? 0x90 : 0x80;
                high = b == 0xf4 ? 0x8f : 0xbf;
            } else {
                return i;
            }
            for (int k = 1; k <= more; k++) {
                if (i + k >= bytes.length) {
                    return i;
                }
                int next = bytes[i + k] & 0xff;
                int min = k == 1 ? low : 0x80;
                int max = k == 1 ? high : 0xbf;
                if (next < min || next > max) {
                    return i;
                }
            }
            i += more + 1;
        }
        return -1;
    }

    private static String idProblem(String field, String id) {
        if (id == null) {
            return "no " + field;
        }
        if (id.isEmpty()) {
            return field + " is empty";
        }
        int bytes = 0;
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c >= 0xd800 && c <= 0xdbff && i + 1 < id.length() && id.charAt(i + 1) >= 0xdc00
                && id.charAt(i + 1) <= 0xdfff) {
                bytes += 4;
                i++;
            } else if (c >= 0xd800 && c <= 0xdfff) {
                return field + " holds an unpaired surrogate at " + i;
            } else {
                bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
            }
        }
        return bytes > MAX_ID_BYTES ? field + " has " + bytes + " UTF-8 bytes" : null;
    }

    /** Upper case for ASCII letters only; null when {@code text} holds anything but ASCII letters. */
    private static String asciiUpperCase(String text) {
        StringBuilder upper = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 'a' && c <= 'z') {
                upper.append((char) (c - 'a' + 'A'));
            } else if (c >= 'A' && c <= 'Z') {
                upper.append(c);
            } else {
                return null;
            }
        }
        return upper.toString();
    }

    /** The instant of an RFC 3339 date-time within the years 0000–9999 in UTC, or null. */
    static Instant rfc3339(String text) {
        Matcher m = RFC3339.matcher(text);
        if (!m.matches()) {
            return null;
        }
        try {
            LocalDate date = LocalDate.of(number(m, 1), number(m, 2), number(m, 3));
            String fraction = m.group(7) == null ? "" : m.group(7);
            int nanos = fraction.isEmpty() ? 0 : Integer.parseInt((fraction + "00000000").substring(0, 9));
            LocalTime time = LocalTime.of(number(m, 4), number(m, 5), number(m, 6), nanos);
            ZoneOffset offset = ZoneOffset.UTC;
            if (m.group(8) != null) {
                int sign = m.group(8).equals("-") ? -1 : 1;
                int hours = number(m, 9);
                int minutes = number(m, 10);
                if (minutes > 59) {
                    return null;
                }
                offset = ZoneOffset.ofHoursMinutes(sign * hours, sign * minutes);
            }
            Instant at = LocalDateTime.of(date, time).toInstant(offset);
            return at.isBefore(EARLIEST) || at.isAfter(LATEST) ? null : at;
        } catch (DateTimeException e) {
            return null;
        }
    }

    private static int number(Matcher m, int group) {
        return Integer.parseInt(m.group(group));
    }
}
