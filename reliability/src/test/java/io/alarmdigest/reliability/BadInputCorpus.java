package io.alarmdigest.reliability;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Hand-written input at and beyond the edges of the contract. Each malformed entry says where it is bad: on both
 * subjects, or only as an event (a request reads nothing but its UserID, so an event's other faults leave a good
 * request). Each control is good on both subjects, sits right at the edge of a rule, and says what event it is.
 */
final class BadInputCorpus {
    /** The user of every malformed entry; the requests among them that are good ask for this user's digest. */
    static final String USER = "corpus-user-e859dab9";
    private static final String ALARM = "corpus-alarm-e36a6c22";
    private static final int NATS_MAX_PAYLOAD = 1024 * 1024;
    /** Room for the headers a JetStream publish adds ({@code Nats-Msg-Id}), which count against max_payload. */
    private static final int HEADER_ROOM = 512;

    /** Where a malformed entry is bad. */
    enum BadAs {
        BOTH, EVENT
    }

    /** A malformed message. */
    record Malformed(String name, byte[] payload, BadAs badAs) {
        boolean badOn(String subject) {
            return badAs == BadAs.BOTH || subject.equals(Workload.STATUS_SUBJECT);
        }
    }

    /** A good message at the edge of a rule, and the event it states. */
    record Control(String name, byte[] payload, Oracle.Event event) {
    }

    private final Instant now;
    private final String time;
    private final List<Malformed> malformed = new ArrayList<>();
    private final List<Control> controls = new ArrayList<>();

    BadInputCorpus(Instant now) {
        this.now = now.truncatedTo(ChronoUnit.SECONDS);
        this.time = Oracle.goRfc3339Nano(this.now.minusSeconds(3_600).plusNanos(598_765_212));
        missingFields();
        wrongTypes();
        statusWords();
        ids();
        duplicates();
        sizes();
        encodings();
        nesting();
        topLevel();
        notJson();
        times();
        edgesThatAreGood();
    }

    List<Malformed> malformed() {
        return List.copyOf(malformed);
    }

    List<Control> controls() {
        return List.copyOf(controls);
    }

    private void missingFields() {
        bad("no AlarmID", object("UserID", str(USER), "Status", str("WARNING"), "ChangedAt", str(time)), BadAs.EVENT);
        bad("no UserID", object("AlarmID", str(ALARM), "Status", str("WARNING"), "ChangedAt", str(time)), BadAs.BOTH);
        bad("no Status", object("AlarmID", str(ALARM), "UserID", str(USER), "ChangedAt", str(time)), BadAs.EVENT);
        bad("no ChangedAt", object("AlarmID", str(ALARM), "UserID", str(USER), "Status", str("WARNING")),
            BadAs.EVENT);
        bad("an empty object", "{}", BadAs.BOTH);
        bad("only near-miss names", object("Alarm_ID", str(ALARM), "User", str(USER), "UserID ", str(USER),
            "State", str("WARNING"), "Changed", str(time)), BadAs.BOTH);
    }

    private void wrongTypes() {
        String[][] fields = {{"AlarmID", ALARM}, {"UserID", USER}, {"Status", "WARNING"}, {"ChangedAt", time}};
        for (String[] field : fields) {
            String[][] kinds = {{"a number", "42"}, {"a boolean", "true"}, {"null", "null"},
                {"an object", "{\"value\":" + str(field[1]) + "}"}, {"an array", "[" + str(field[1]) + "]"}};
            for (String[] kind : kinds) {
                bad(field[0] + " as " + kind[0], event(field[0], kind[1]),
                    field[0].equals("UserID") ? BadAs.BOTH : BadAs.EVENT);
            }
        }
        bad("ChangedAt as epoch seconds", event("ChangedAt", "1623098415"), BadAs.EVENT);
        bad("ChangedAt as epoch seconds with fraction", event("ChangedAt", "1623098415.598765212"), BadAs.EVENT);
        bad("Status as its severity number", event("Status", "2"), BadAs.EVENT);
        bad("UserID as a number written like an ID", event("UserID", "123e4567"), BadAs.BOTH);
        bad("AlarmID as a negative number", event("AlarmID", "-7"), BadAs.EVENT);
    }

    private void statusWords() {
        String[][] words = {{"an unknown word", "ACTIVE"}, {"a prefix", "CLEAR"}, {"a shortening", "WARN"},
            {"too long", "CRITICALS"}, {"empty", ""}, {"a leading space", " WARNING"},
            {"a trailing space", "WARNING "}, {"a dotless i", "cr\u0131tical"}, {"a dotted capital I", "WARN\u0130NG"},
            {"a Cyrillic C", "\u0421RITICAL"}, {"full-width letters", "\uff37\uff21\uff32\uff2e\uff29\uff2e\uff27"},
            {"a NUL at the end", "WARNING\u0000"}, {"a zero-width space", "CRITI\u200bCAL"},
            {"a combining dot", "WARNI\u0307NG"}};
        for (String[] word : words) {
            bad("Status with " + word[0], event("Status", str(word[1])), BadAs.EVENT);
        }
    }

    private void ids() {
        bad("UserID of 257 ASCII bytes", event("UserID", str("u".repeat(257))), BadAs.BOTH);
        bad("AlarmID of 257 ASCII bytes", event("AlarmID", str("a".repeat(257))), BadAs.EVENT);
        bad("UserID of 257 UTF-8 bytes in 86 characters", event("UserID", str("\u20ac".repeat(85) + "\u00e9")),
            BadAs.BOTH);
        bad("AlarmID of 257 UTF-8 bytes, 64 of them emoji", event("AlarmID", str("\ud83d\ude00".repeat(64) + "a")),
            BadAs.EVENT);
        bad("AlarmID of 258 UTF-8 bytes written as escapes", event("AlarmID", "\"" + "\\u00e9".repeat(129) + "\""),
            BadAs.EVENT);
        bad("an empty UserID", event("UserID", "\"\""), BadAs.BOTH);
        bad("an empty AlarmID", event("AlarmID", "\"\""), BadAs.EVENT);
        bad("UserID a lone high surrogate", event("UserID", "\"\\ud800\""), BadAs.BOTH);
        bad("AlarmID ending in a lone low surrogate", event("AlarmID", "\"alarm-\\udc00\""), BadAs.EVENT);
        bad("UserID a surrogate pair reversed", event("UserID", "\"\\udc00\\ud800\""), BadAs.BOTH);
        bad("UserID ending in a high surrogate", event("UserID", "\"u\\ud83d\""), BadAs.BOTH);
        bad("AlarmID a high surrogate before a pair", event("AlarmID", "\"\\ud83d\\ud83d\\ude00\""), BadAs.EVENT);
    }

    private void duplicates() {
        String tail = ",\"Status\":\"WARNING\",\"ChangedAt\":" + str(time) + "}";
        bad("UserID and userId", "{\"AlarmID\":" + str(ALARM) + ",\"UserID\":" + str(USER) + ",\"userId\":"
            + str(USER) + tail, BadAs.BOTH);
        bad("UserID twice in the same case", "{\"AlarmID\":" + str(ALARM) + ",\"UserID\":" + str(USER)
            + ",\"UserID\":" + str(USER + "-2") + tail, BadAs.BOTH);
        bad("UserID and USERID null", "{\"AlarmID\":" + str(ALARM) + ",\"UserID\":" + str(USER) + ",\"USERID\":null"
            + tail, BadAs.BOTH);
        bad("UserID and an escaped User\\u0049D", "{\"AlarmID\":" + str(ALARM) + ",\"User\\u0049D\":" + str(USER)
            + ",\"UserID\":" + str(USER) + tail, BadAs.BOTH);
        bad("AlarmID and alarmid", "{\"AlarmID\":" + str(ALARM) + ",\"UserID\":" + str(USER) + ",\"alarmid\":"
            + str(ALARM) + tail, BadAs.EVENT);
        bad("Status and STATUS", event("Status", "\"WARNING\",\"STATUS\":\"CRITICAL\""), BadAs.EVENT);
        bad("Status twice with the same value", event("Status", "\"WARNING\",\"status\":\"WARNING\""), BadAs.EVENT);
        bad("ChangedAt and changedAt", event("ChangedAt", str(time) + ",\"changedAt\":" + str(time)), BadAs.EVENT);
    }

    private void sizes() {
        bad("an event of 900 KiB and one byte", padded(InputJudge.MAX_MESSAGE_BYTES + 1), BadAs.BOTH);
        bad("an event just under the NATS max_payload", padded(NATS_MAX_PAYLOAD - HEADER_ROOM), BadAs.BOTH);
        byte[] text = new byte[InputJudge.MAX_MESSAGE_BYTES + 1];
        Arrays.fill(text, (byte) 'x');
        bad("900 KiB and one byte of text", text, BadAs.BOTH);
    }

    private void encodings() {
        String good = event("Status", "\"WARNING\"");
        bad("a 0xff byte in an unknown field", bytes("{\"Note\":\"a", new byte[] {(byte) 0xff},
            "\"," + good.substring(1)), BadAs.BOTH);
        bad("an overlong slash", bytes("{\"UserID\":\"u", new byte[] {(byte) 0xc0, (byte) 0xaf}, "\"}"), BadAs.BOTH);
        bad("a surrogate encoded in UTF-8", bytes("{\"UserID\":\"u", new byte[] {(byte) 0xed, (byte) 0xa0,
            (byte) 0x80}, "\"}"), BadAs.BOTH);
        bad("a code point above U+10FFFF", bytes("{\"UserID\":\"u", new byte[] {(byte) 0xf4, (byte) 0x90,
            (byte) 0x80, (byte) 0x80}, "\"}"), BadAs.BOTH);
        bad("a two-byte character cut short", bytes("{\"UserID\":\"u", new byte[] {(byte) 0xc3}, "\"}"), BadAs.BOTH);
        bad("an AlarmID in Latin-1", good.replace(ALARM, "alarm-\u00e9").getBytes(StandardCharsets.ISO_8859_1),
            BadAs.BOTH);
        bad("UTF-16LE", good.getBytes(StandardCharsets.UTF_16LE), BadAs.BOTH);
        bad("UTF-16 with a byte order mark", good.getBytes(StandardCharsets.UTF_16), BadAs.BOTH);
        bad("UTF-32LE", good.getBytes(Charset.forName("UTF-32LE")), BadAs.BOTH);
        bad("UTF-8 with a byte order mark", bytes("", new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf}, good),
            BadAs.BOTH);
    }

    private void nesting() {
        bad("1000 levels of [ in an unknown field", event("Status", "\"WARNING\",\"Deep\":" + "[".repeat(1000)
            + "]".repeat(1000)), BadAs.BOTH);
        bad("1000 unclosed levels of [ in an unknown field", event("Status", "\"WARNING\",\"Deep\":"
            + "[".repeat(1000)), BadAs.BOTH);
        bad("1000 levels of [ as the body", "[".repeat(1000) + "]".repeat(1000), BadAs.BOTH);
        bad("1000 unclosed levels of [ as the body", "[".repeat(1000), BadAs.BOTH);
        bad("65 levels: the object and 64 arrays", event("Status", "\"WARNING\",\"Deep\":" + "[".repeat(64)
            + "]".repeat(64)), BadAs.BOTH);
        bad("65 levels: the object and 64 objects", event("Status", "\"WARNING\",\"Deep\":"
            + "{\"n\":".repeat(63) + "{}" + "}".repeat(63)), BadAs.BOTH);
    }

    private void topLevel() {
        String good = event("Status", "\"WARNING\"");
        bad("an array holding a good event", "[" + good + "]", BadAs.BOTH);
        bad("a string", str(USER), BadAs.BOTH);
        bad("a number", "42", BadAs.BOTH);
        bad("true", "true", BadAs.BOTH);
        bad("an empty body", "", BadAs.BOTH);
        bad("null", "null", BadAs.BOTH);
        bad("white space only", " \n\t ", BadAs.BOTH);
        bad("text after the object", good + " x", BadAs.BOTH);
        bad("a second object after the object", good + good, BadAs.BOTH);
        bad("a ] after the object", good + "]", BadAs.BOTH);
        bad("a comma after the object", good + ",", BadAs.BOTH);
        bad("a NUL byte after the object", good + "\u0000", BadAs.BOTH);
        bad("null after the object", good + " null", BadAs.BOTH);
    }

    private void notJson() {
        String good = event("Status", "\"WARNING\"");
        bad("single quotes", good.replace('"', '\''), BadAs.BOTH);
        bad("names without quotes", good.replace("\"AlarmID\"", "AlarmID").replace("\"UserID\"", "UserID"),
            BadAs.BOTH);
        bad("a trailing comma", good.replace("}", ",}"), BadAs.BOTH);
        bad("no closing brace", good.substring(0, good.length() - 1), BadAs.BOTH);
        bad("a comment", good.replace("{", "{/* agent 7 */"), BadAs.BOTH);
        bad("NaN in an unknown field", good.replace("{", "{\"Load\":NaN,"), BadAs.BOTH);
        bad("a raw tab in the UserID", good.replace(USER, "corpus\tuser"), BadAs.BOTH);
        bad("an unknown escape in the UserID", good.replace(USER, "corpus\\xuser"), BadAs.BOTH);
        bad("a short unicode escape", good.replace(USER, "corpus\\u12"), BadAs.BOTH);
        bad("a leading zero in an unknown field", good.replace("{", "{\"Load\":01,"), BadAs.BOTH);
        bad("plain text", "UserID=" + USER, BadAs.BOTH);
    }

    private void times() {
        String[][] times = {{"no offset", "2021-06-07T20:40:15"}, {"hour 24", "2021-06-07T24:00:00Z"},
            {"month 13", "2021-13-07T20:40:15Z"}, {"a leap second", "2016-12-31T23:59:60Z"},
            {"ten fraction digits", "2021-06-07T20:40:15.5987652121Z"}, {"no seconds", "2021-06-07T20:40Z"},
            {"February 30", "2024-02-30T20:40:15Z"}, {"February 29 of 2021", "2021-02-29T20:40:15Z"},
            {"a space for the T", "2021-06-07 20:40:15Z"}, {"offset without colon", "2021-06-07T20:40:15+0200"},
            {"offset hours only", "2021-06-07T20:40:15+02"}, {"offset beyond 18 hours", "2021-06-07T20:40:15+19:00"},
            {"offset minute 60", "2021-06-07T20:40:15+05:60"}, {"a five-digit year", "10000-01-01T00:00:00Z"},
            {"before year 0000 in UTC", "0000-01-01T00:00:00+00:01"},
            {"after year 9999 in UTC", "9999-12-31T23:59:59-00:01"}, {"empty", ""},
            {"a point without fraction", "2021-06-07T20:40:15.Z"}, {"a comma for the point", "2021-06-07T20:40:15,5Z"},
            {"Arabic-Indic digits", "\u0662\u0660\u0662\u0661-06-07T20:40:15Z"}, {"hour 25", "2021-06-07T25:40:15Z"},
            {"minute 60", "2021-06-07T20:60:15Z"}, {"a date only", "2021-06-07"}, {"day 00", "2021-06-00T20:40:15Z"},
            {"one-digit month", "2021-6-07T20:40:15Z"}, {"a zone name", "2021-06-07T20:40:15 UTC"},
            {"a plus sign before the year", "+2021-06-07T20:40:15Z"}};
        for (String[] bad : times) {
            bad("ChangedAt with " + bad[0], event("ChangedAt", str(bad[1])), BadAs.EVENT);
        }
    }

    private void edgesThatAreGood() {
        Instant t = now.minusSeconds(1_800);
        int n = 0;
        good("exactly 900 KiB", ++n, "WARNING", t, user -> paddedEvent(user, t, InputJudge.MAX_MESSAGE_BYTES));
        good("nested exactly 64 deep", ++n, "WARNING", t, user -> eventOf(ALARM, user, "WARNING", at(t),
            ",\"Deep\":" + "[".repeat(63) + "]".repeat(63)));
        String longUser = "u".repeat(256);
        control("a UserID of 256 ASCII bytes", eventOf(ALARM, longUser, "CRITICAL", at(t), ""),
            new Oracle.Event(longUser, ALARM, "CRITICAL", t));
        String euroUser = "\u20ac".repeat(85) + "a";
        control("a UserID of 256 UTF-8 bytes in 86 characters", eventOf(ALARM, euroUser, "WARNING", at(t), ""),
            new Oracle.Event(euroUser, ALARM, "WARNING", t));
        String emojiAlarm = "\ud83d\ude00".repeat(64);
        good("an AlarmID of 64 emoji, 256 UTF-8 bytes", ++n, "WARNING", t,
            user -> eventOf(emojiAlarm, user, "WARNING", at(t), ""), emojiAlarm);
        String pairUser = "control-pair-\ud83d\ude00";
        control("IDs holding an escaped surrogate pair", "{\"AlarmID\":\"a-\\ud83d\\ude00\",\"UserID\":"
            + "\"control-pair-\\uD83D\\uDE00\",\"Status\":\"WARNING\",\"ChangedAt\":" + str(at(t)) + "}",
            new Oracle.Event(pairUser, "a-\ud83d\ude00", "WARNING", t));
        String oddUser = "control-" + ++n;
        control("names in odd case and escaped", "{\"aLaRmId\":" + str(ALARM) + ",\"\\u0055ser\\u0069D\":"
            + str(oddUser) + ",\"STATUS\":\"warning\",\"changedAT\":" + str(at(t)) + "}",
            new Oracle.Event(oddUser, ALARM, "WARNING", t));
        good("Status in mixed case", ++n, "CRITICAL", t, user -> eventOf(ALARM, user, "cRiTiCaL", at(t), ""));
        good("Status written with escapes", ++n, "WARNING", t, user -> eventOf(ALARM, user, "W\\u0041RNING",
            at(t), ""));
        good("lower-case t and z", ++n, "WARNING", t.plusMillis(500), user -> eventOf(ALARM, user, "WARNING",
            at(t.plusMillis(500)).replace('T', 't').replace('Z', 'z'), ""));
        good("offset +18:00", ++n, "WARNING", t, user -> eventOf(ALARM, user, "WARNING", local(t, 18 * 60)
            + "+18:00", ""));
        good("offset -18:00", ++n, "WARNING", t, user -> eventOf(ALARM, user, "WARNING", local(t, -18 * 60)
            + "-18:00", ""));
        good("offset -00:00", ++n, "WARNING", t, user -> eventOf(ALARM, user, "WARNING", local(t, 0) + "-00:00", ""));
        Instant first = Instant.parse("0000-01-01T00:01:00Z");
        good("year 0000, in range once in UTC", ++n, "WARNING", first, user -> eventOf(ALARM, user, "WARNING",
            "0000-01-01T00:00:00-00:01", ""));
        Instant last = Instant.parse("9999-12-31T23:59:59.999999999Z");
        good("the last nanosecond of 9999", ++n, "CRITICAL", last, user -> eventOf(ALARM, user, "CRITICAL",
            "9999-12-31T23:59:59.999999999Z", ""));
        Instant lateLocal = Instant.parse("9999-12-31T22:59:59Z");
        good("9999-12-31T23:59:59+01:00", ++n, "WARNING", lateLocal, user -> eventOf(ALARM, user, "WARNING",
            "9999-12-31T23:59:59+01:00", ""));
        Instant leapDay = Instant.parse("2024-02-29T12:00:00Z");
        good("a leap day", ++n, "WARNING", leapDay, user -> eventOf(ALARM, user, "WARNING", "2024-02-29T12:00:00Z",
            ""));
        good("one fraction digit", ++n, "WARNING", t.plusMillis(100), user -> eventOf(ALARM, user, "WARNING",
            at(t).replace("Z", ".1Z"), ""));
        good("nine fraction digits, trailing zeros", ++n, "WARNING", t.plusMillis(120), user -> eventOf(ALARM, user,
            "WARNING", at(t).replace("Z", ".120000000Z"), ""));
        good("unknown fields of every JSON type, repeated", ++n, "WARNING", t, user -> eventOf(ALARM, user,
            "WARNING", at(t), ",\"x\":1,\"x\":-0.5e-3,\"y\":true,\"y\":null,\"z\":[{},[],\"\u2028\"],\"z\":{\"a\":"
                + "{\"b\":[1,2,{\"c\":\"d\"}]}},\"Alarm_ID\":7,\"\":\"\""));
        good("white space of all four kinds around every token", ++n, "WARNING", t, user -> " \t\r\n{ \"AlarmID\"\n:"
            + "\t" + str(ALARM) + " ,\r\n\"UserID\" : " + str(user) + "\t,\"Status\":\"WARNING\"\n,\"ChangedAt\":"
            + str(at(t)) + " \n} \r\n\t");
        String escapedUser = "control-\"quoted\\slash\nline\u0000nul";
        control("a UserID holding escapes", "{\"AlarmID\":" + str(ALARM) + ",\"UserID\":"
            + "\"control-\\\"quoted\\\\slash\\nline\\u0000nul\",\"Status\":\"WARNING\",\"ChangedAt\":" + str(at(t))
            + "}", new Oracle.Event(escapedUser, ALARM, "WARNING", t));
        String wideUser = "control-\u00e4\u20ac\u7528\u6237\ud83d\ude00";
        control("IDs outside ASCII", eventOf("\u00e4-\ud83d\ude00", wideUser, "WARNING", at(t), ""),
            new Oracle.Event(wideUser, "\u00e4-\ud83d\ude00", "WARNING", t));
    }

    private void good(String name, int n, String status, Instant at, Function<String, String> make) {
        good(name, n, status, at, make, ALARM);
    }

    /** A control for its own user {@code control-<n>}, made by {@code make} from that user. */
    private void good(String name, int n, String status, Instant at, Function<String, String> make, String alarm) {
        String user = "control-" + n;
        control(name, make.apply(user), new Oracle.Event(user, alarm, status, at));
    }

    private void control(String name, String payload, Oracle.Event event) {
        control(name, payload.getBytes(StandardCharsets.UTF_8), event);
    }

    private void control(String name, byte[] payload, Oracle.Event event) {
        controls.add(new Control(name, payload, event));
    }

    private void bad(String name, String payload, BadAs badAs) {
        bad(name, payload.getBytes(StandardCharsets.UTF_8), badAs);
    }

    private void bad(String name, byte[] payload, BadAs badAs) {
        malformed.add(new Malformed(name, payload, badAs));
    }

    /** The good event of the corpus with one field's value replaced by raw JSON text. */
    private String event(String field, String rawValue) {
        String[] names = {"AlarmID", "UserID", "Status", "ChangedAt"};
        String[] values = {str(ALARM), str(USER), str("WARNING"), str(time)};
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < names.length; i++) {
            out.append(i == 0 ? "" : ",").append('"').append(names[i]).append("\":")
                .append(names[i].equals(field) ? rawValue : values[i]);
        }
        return out.append('}').toString();
    }

    /** An object of the given names and raw JSON values, in that order. */
    private static String object(String... namesAndValues) {
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < namesAndValues.length; i += 2) {
            out.append(i == 0 ? "" : ",").append(str(namesAndValues[i])).append(':').append(namesAndValues[i + 1]);
        }
        return out.append('}').toString();
    }

    private static String eventOf(String alarm, String user, String status, String changedAt, String extra) {
        return "{\"AlarmID\":" + str(alarm) + ",\"UserID\":" + str(user) + ",\"Status\":\"" + status
            + "\",\"ChangedAt\":" + str(changedAt) + extra + "}";
    }

    /** The corpus user's good event, made exactly {@code size} bytes: too large is its only fault. */
    private String padded(int size) {
        return paddedEvent(USER, now.minusSeconds(600), size);
    }

    /** A good event with an unknown field {@code Pad} making it exactly {@code size} bytes. */
    private static String paddedEvent(String user, Instant at, int size) {
        String head = "{\"AlarmID\":" + str(ALARM) + ",\"UserID\":" + str(user) + ",\"Status\":\"WARNING\","
            + "\"ChangedAt\":" + str(at(at)) + ",\"Pad\":\"";
        String tail = "\"}";
        int fill = size - head.getBytes(StandardCharsets.UTF_8).length - tail.length();
        return head + "p".repeat(fill) + tail;
    }

    private static byte[] bytes(String before, byte[] middle, String after) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(middle);
        out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static String at(Instant instant) {
        return Oracle.goRfc3339Nano(instant);
    }

    /** The local date-time of {@code instant} at an offset of {@code minutes}, without the offset. */
    private static String local(Instant instant, int minutes) {
        return at(instant.plusSeconds(minutes * 60L)).replace("Z", "");
    }

    static String str(String text) {
        return Mutator.quote(text);
    }
}
