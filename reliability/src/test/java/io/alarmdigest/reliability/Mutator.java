package io.alarmdigest.reliability;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * Seeded mutations of valid input messages. A message is taken apart into its fields (name and value as raw JSON
 * text), changed by one to three operations — on its structure (fields removed, duplicated in another case,
 * renamed, retyped, nested, IDs lengthened, statuses and times edited, whitespace, encoding, subject) or on its bytes
 * (flips, deletions, insertions, truncation) — and put together again. It knows nothing of which results are valid:
 * that is for the judge to say. The same seed gives the same mutations.
 */
final class Mutator {
    /** A mutated message: where it goes, its bytes, and the operations that made it. */
    record Mutation(String subject, byte[] payload, String operations) {
    }

    private enum Op {
        REMOVE_FIELD(6), DUPLICATE_OTHER_CASE(6), DUPLICATE_SAME_CASE(2), RENAME_CASE(5), RENAME_LOOKALIKE(4),
        ESCAPE_NAME(3), SWAP_TYPE(6), EDIT_STATUS(8), EDIT_TIME(10), LENGTHEN_ID(6), SURROGATE_IN_ID(3),
        EMPTY_ID(2), ESCAPE_IN_ID(4), REPLACE_ID(5), UNKNOWN_FIELD(7), NEST(5), WRAP_BODY(2), REORDER(3),
        WHITESPACE(4), TRAILING(3), LEADING(2), OTHER_SUBJECT(3), ENCODING(2),
        FLIP_BIT(5, true), SET_BYTE(5, true), DELETE_BYTES(5, true), INSERT_BYTES(5, true), TRUNCATE(4, true),
        REPEAT_RANGE(2, true);

        final int weight;
        final boolean onBytes;

        Op(int weight) {
            this(weight, false);
        }

        Op(int weight, boolean onBytes) {
            this.weight = weight;
            this.onBytes = onBytes;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Op[] OPS = Op.values();
    private static final int TOTAL_WEIGHT = Arrays.stream(OPS).mapToInt(op -> op.weight).sum();
    private static final String[] STATUS_WORDS = {"CLEARED", "WARNING", "CRITICAL", "cleared", "warning",
        "Critical", "ACTIVE", "OK", "CLEAR", "WARN", "", " WARNING", "CRITICAL ", "WARNING\u0000", "CLEARED\n",
        "CRITICAL\u200b"};
    private static final String[] OFFSETS = {"Z", "z", "+00:00", "-00:00", "+18:00", "-18:00", "+18:01", "-19:00",
        "+05:30", "-05:60", "+0200", "+02", "", "+02:00:00", " Z", "+24:00", "-23:59", "UTC"};
    private static final String[] EDGE_TIMES = {"0000-01-01T00:00:00Z", "0000-01-01T00:00:00-00:01",
        "0000-01-01T00:00:00+00:01", "9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59-00:01",
        "9999-12-31T23:59:59+14:00", "2024-02-29T12:00:00Z", "2023-02-29T12:00:00Z", "2024-04-31T12:00:00Z",
        "2024-12-31T24:00:00Z", "2016-12-31T23:59:60Z", "2024-13-01T00:00:00Z", "2024-00-10T00:00:00Z",
        "2024-01-00T00:00:00Z", "2024-06-07T20:40:15.1234567890Z", "2024-06-07T20:40Z", "2024-06-07T20:40:15",
        "2024-06-07 20:40:15Z", "2024-06-07", "1623098415", "+2024-06-07T20:40:15Z", "02024-06-07T20:40:15Z",
        "2024-6-7T20:40:15Z", "2024-06-07T20:40:15.Z", "2024-06-07T20:40:15,5Z", "2024-06-07T20:40:15.5+18:00",
        "2024-06-07T20:40:15.000000001-18:00"};
    private static final String[] UNKNOWN_NAMES = {"Source", "Extra", "user", "User_ID", "UserIDs", "AlarmId2",
        "Statuses", "changed_at", "", "\uff35serID", "\u017ftatus", "u\u017ferid", "alarm\u0131d", "Us\u0435rID",
        "STATUS ", " userid", "\u212aey", "Tags", "ActiveAlarms", "LatestChangedAt"};
    private static final String[] LOOKALIKES = {"i\u0131", "I\u0130", "a\u0430", "e\u0435", "s\u017f", "d\u0501",
        "C\u0421", "A\u0410", "E\u0415", "k\u212a", "I\u0399"};
    private static final String[] WHITESPACE = {" ", "\t", "\n", "\r\n", "  \t", " ", "\n  ", "\u000b", "\f",
        "\u00a0", "\u2028", "\u3000"};
    private static final String[] TRAILERS = {" ", "\n", "\r\n\t ", " x", "{}", ",", "]", "}", "\u0000", "null",
        "0", " //", "\u00a0", "\uFEFF"};
    private static final String[] LEADERS = {" ", "\n", "\t\r\n", "\uFEFF", "\u00a0", "\u0000", "x", "\u001e"};
    private static final String[] ESCAPES = {"\\u0000", "\\n", "\\\"", "\\\\", "\\/", "\\u00e9", "\\u20AC", "\\t",
        "\\b", "\\f", "\\r", "\\u001f", "\\u007f", "\\uFFFF"};
    private static final String[] SURROGATES = {"\\ud800", "\\udc00", "\\uDBFF", "\\ud83d\\ude00",
        "\\uDBFF\\uDFFF", "\\ude00\\ud83d", "\\ud83dx", "\\ud800\\ud800"};
    private static final String[] ID_CHARS = {"a", "Z", "7", "-", "\u00e9", "\u20ac", "\u7528", "\ud83d\ude00",
        "\ud800\udc00", " "};
    private static final String[] SCALARS = {"0", "-0", "42", "-1.5e3", "1623098415", "1E+2", "true", "false",
        "null", "\"\"", "\"x\"", "\"\\u00e9\\n\"", "\"\u20ac\""};
    private static final String[] BROKEN = {"01", "1.", ".5", "+1", "NaN", "-", "1e", "tru", "nul", "'x'",
        "\"open", "[1,]", "{\"a\"}", "{\"a\":1,}", "\"\\x\"", "\"\\u12\"", "\"tab\there\"", "[1 2]", "{,}",
        "Infinity", "0x10", "\"\u0001\""};
    private static final String[] TYPE_SWAPS = {"0", "42", "-1.5e3", "1623098415", "true", "false", "null", "{}",
        "[]", "{\"value\":\"x\"}", "[\"WARNING\"]", "\"\"", "1623098415.598"};
    private static final byte[] INTERESTING_BYTES = {'"', '\\', '{', '}', '[', ']', ',', ':', ' ', '0', '9', 'a',
        'Z', '-', '.', 'e', 0x00, 0x0a, 0x7f, (byte) 0x80, (byte) 0xbf, (byte) 0xc0, (byte) 0xc3, (byte) 0xe2,
        (byte) 0xed, (byte) 0xef, (byte) 0xf0, (byte) 0xf4, (byte) 0xf5, (byte) 0xff};
    private static final Charset[] ENCODINGS = {StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE,
        StandardCharsets.UTF_16, Charset.forName("UTF-32BE"), Charset.forName("UTF-32LE"),
        StandardCharsets.ISO_8859_1};

    private final Random random;
    private final Map<String, Integer> applied = new TreeMap<>();

    Mutator(long seed) {
        this.random = new Random(seed);
    }

    /** How often each operation was applied so far. */
    Map<String, Integer> applied() {
        return Collections.unmodifiableMap(applied);
    }

    Mutation mutate(Workload.Message base) {
        Draft draft = new Draft(base.subject(), base.payload());
        int count = 1 + (random.nextInt(100) < 35 ? 1 : 0) + (random.nextInt(100) < 10 ? 1 : 0);
        List<Op> onBytes = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Op op = pick();
            names.add(op.name());
            applied.merge(op.name(), 1, Integer::sum);
            if (op.onBytes) {
                onBytes.add(op);
            } else {
                apply(op, draft);
            }
        }
        byte[] bytes = draft.render();
        for (Op op : onBytes) {
            bytes = apply(op, bytes);
        }
        return new Mutation(draft.subject, bytes, String.join("+", names));
    }

    private Op pick() {
        int roll = random.nextInt(TOTAL_WEIGHT);
        for (Op op : OPS) {
            roll -= op.weight;
            if (roll < 0) {
                return op;
            }
        }
        throw new IllegalStateException();
    }

    private void apply(Op op, Draft d) {
        switch (op) {
            case REMOVE_FIELD -> {
                if (!d.fields.isEmpty()) {
                    d.fields.remove(random.nextInt(d.fields.size()));
                }
            }
            case DUPLICATE_OTHER_CASE -> {
                if (!d.fields.isEmpty()) {
                    String[] field = d.fields.get(random.nextInt(d.fields.size()));
                    String name = decode(field[0]);
                    String value = random.nextInt(10) < 6 ? field[1] : random.nextBoolean()
                        ? quote("v-" + random.nextInt(1000)) : randomValue(1, false);
                    d.fields.add(random.nextInt(d.fields.size() + 1),
                        new String[] {quote(otherCase(name == null ? "UserID" : name)), value});
                }
            }
            case DUPLICATE_SAME_CASE -> {
                if (!d.fields.isEmpty()) {
                    String[] field = d.fields.get(random.nextInt(d.fields.size()));
                    d.fields.add(random.nextInt(d.fields.size() + 1), field.clone());
                }
            }
            case RENAME_CASE -> d.renameRandom(this::otherCase);
            case RENAME_LOOKALIKE -> d.renameRandom(this::lookalike);
            case ESCAPE_NAME -> {
                if (!d.fields.isEmpty()) {
                    String[] field = d.fields.get(random.nextInt(d.fields.size()));
                    String name = decode(field[0]);
                    if (name != null) {
                        field[0] = escapedLiteral(name);
                    }
                }
            }
            case SWAP_TYPE -> {
                if (!d.fields.isEmpty()) {
                    d.fields.get(random.nextInt(d.fields.size()))[1] = TYPE_SWAPS[random.nextInt(TYPE_SWAPS.length)];
                }
            }
            case EDIT_STATUS -> d.editString("status", "Status", this::editStatus,
                STATUS_WORDS[random.nextInt(3)]);
            case EDIT_TIME -> d.editString("changedat", "ChangedAt", this::editTime,
                "2024-06-07T20:40:15.598765212Z");
            case LENGTHEN_ID -> d.editString(idField(d), "UserID", this::lengthen, "u");
            case SURROGATE_IN_ID -> d.insertIntoLiteral(idField(d), SURROGATES[random.nextInt(SURROGATES.length)]);
            case EMPTY_ID -> d.editString(idField(d), "UserID", id -> "", "");
            case ESCAPE_IN_ID -> d.insertIntoLiteral(idField(d), ESCAPES[random.nextInt(ESCAPES.length)]);
            case REPLACE_ID -> d.editString(idField(d), "UserID", id -> randomId(), "u");
            case UNKNOWN_FIELD -> d.fields.add(random.nextInt(d.fields.size() + 1), new String[] {
                quote(UNKNOWN_NAMES[random.nextInt(UNKNOWN_NAMES.length)]), randomValue(3, random.nextInt(10) == 0)});
            case NEST -> nest(d);
            case WRAP_BODY -> {
                switch (random.nextInt(4)) {
                    case 0 -> d.wrap("[", "]");
                    case 1 -> d.wrap("{\"Message\":", "}");
                    case 2 -> d.wrap("[", "");
                    default -> d.wrap("[" + "[".repeat(random.nextInt(70)), "]".repeat(70));
                }
            }
            case REORDER -> Collections.shuffle(d.fields, random);
            case WHITESPACE -> {
                String ws = whitespace();
                switch (random.nextInt(4)) {
                    case 0 -> d.open = "{" + ws;
                    case 1 -> d.close = ws + "}";
                    case 2 -> d.comma = ws + "," + whitespace();
                    default -> d.colon = ws + ":" + whitespace();
                }
            }
            case TRAILING -> d.after = TRAILERS[random.nextInt(TRAILERS.length)];
            case LEADING -> d.before = LEADERS[random.nextInt(LEADERS.length)];
            case OTHER_SUBJECT -> d.subject = d.subject.equals(Workload.STATUS_SUBJECT) ? Workload.REQUEST_SUBJECT
                : Workload.STATUS_SUBJECT;
            case ENCODING -> {
                if (random.nextInt(4) == 0) {
                    d.utf8Bom = true;
                } else {
                    d.encoding = ENCODINGS[random.nextInt(ENCODINGS.length)];
                }
            }
            default -> throw new IllegalArgumentException(op.name());
        }
    }

    private byte[] apply(Op op, byte[] bytes) {
        if (bytes.length == 0) {
            return op == Op.INSERT_BYTES ? new byte[] {interestingByte()} : bytes;
        }
        int at = random.nextInt(bytes.length);
        switch (op) {
            case FLIP_BIT -> {
                byte[] out = bytes.clone();
                out[at] ^= (byte) (1 << random.nextInt(8));
                return out;
            }
            case SET_BYTE -> {
                byte[] out = bytes.clone();
                out[at] = random.nextBoolean() ? interestingByte() : (byte) random.nextInt(256);
                return out;
            }
            case DELETE_BYTES -> {
                int length = Math.min(bytes.length - at, 1 + random.nextInt(random.nextInt(4) == 0 ? 8 : 2));
                return splice(bytes, at, length, new byte[0]);
            }
            case INSERT_BYTES -> {
                byte[] insert = new byte[1 + random.nextInt(3)];
                for (int i = 0; i < insert.length; i++) {
                    insert[i] = random.nextBoolean() ? interestingByte() : (byte) random.nextInt(256);
                }
                return splice(bytes, at, 0, insert);
            }
            case TRUNCATE -> {
                return Arrays.copyOf(bytes, at);
            }
            case REPEAT_RANGE -> {
                int length = Math.min(bytes.length - at, 1 + random.nextInt(16));
                return splice(bytes, at, 0, Arrays.copyOfRange(bytes, at, at + length));
            }
            default -> throw new IllegalArgumentException(op.name());
        }
    }

    private static byte[] splice(byte[] bytes, int at, int remove, byte[] insert) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + insert.length);
        out.write(bytes, 0, at);
        out.write(insert, 0, insert.length);
        out.write(bytes, at + remove, bytes.length - at - remove);
        return out.toByteArray();
    }

    private byte interestingByte() {
        return INTERESTING_BYTES[random.nextInt(INTERESTING_BYTES.length)];
    }

    /** An ID field of the draft's message kind, by lower-case name. */
    private String idField(Draft d) {
        return d.subject.equals(Workload.STATUS_SUBJECT) && random.nextBoolean() ? "alarmid" : "userid";
    }

    private String otherCase(String name) {
        for (int attempt = 0; attempt < 4; attempt++) {
            StringBuilder out = new StringBuilder(name.length());
            for (char c : name.toCharArray()) {
                out.append(random.nextBoolean() ? Character.toUpperCase(c) : Character.toLowerCase(c));
            }
            if (!out.toString().equals(name)) {
                return out.toString();
            }
        }
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.equals(name) ? name.toUpperCase(Locale.ROOT) : lower;
    }

    /** One letter replaced by a character that looks like it, or some other near miss of the name. */
    private String lookalike(String name) {
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < name.length(); i++) {
            for (String pair : LOOKALIKES) {
                if (pair.charAt(0) == name.charAt(i)) {
                    candidates.add(i);
                }
            }
        }
        if (candidates.isEmpty() || random.nextInt(4) == 0) {
            int at = random.nextInt(name.length() + 1);
            return name.substring(0, at) + "_ 0\u00e9".charAt(random.nextInt(4)) + name.substring(at);
        }
        int at = candidates.get(random.nextInt(candidates.size()));
        for (String pair : LOOKALIKES) {
            if (pair.charAt(0) == name.charAt(at)) {
                return name.substring(0, at) + pair.charAt(1) + name.substring(at + 1);
            }
        }
        return name;
    }

    private String editStatus(String status) {
        if (status.isEmpty() || random.nextInt(4) == 0) {
            return STATUS_WORDS[random.nextInt(STATUS_WORDS.length)];
        }
        int at = random.nextInt(status.length());
        return switch (random.nextInt(5)) {
            case 0, 1 -> otherCase(status);
            case 2 -> lookalike(status);
            case 3 -> status.substring(0, at) + status.substring(at + 1);
            default -> status.substring(0, at) + (char) (0xff21 + Character.toUpperCase(status.charAt(at)) - 'A')
                + status.substring(at + 1);
        };
    }

    private String editTime(String time) {
        switch (random.nextInt(9)) {
            case 0, 1, 2 -> {
                char[] chars = time.toCharArray();
                for (int n = 1 + random.nextInt(2); n > 0; n--) {
                    List<Integer> digits = new ArrayList<>();
                    for (int i = 0; i < chars.length; i++) {
                        if (chars[i] >= '0' && chars[i] <= '9') {
                            digits.add(i);
                        }
                    }
                    if (!digits.isEmpty()) {
                        chars[digits.get(random.nextInt(digits.size()))] = (char) ('0' + random.nextInt(10));
                    }
                }
                return new String(chars);
            }
            case 3 -> {
                return time.replaceFirst("\\.[0-9]*", "");
            }
            case 4 -> {
                String fraction = "1234567890123".substring(0, 1 + random.nextInt(12));
                return time.replaceFirst("(:[0-9]{2})(\\.[0-9]*)?([Zz+-])", "$1." + fraction + "$3");
            }
            case 5 -> {
                return time.replaceFirst("([Zz]|[+-][0-9]{2}:[0-9]{2})$", "") + OFFSETS[random.nextInt(OFFSETS.length)];
            }
            case 6 -> {
                return random.nextBoolean() ? time.toLowerCase(Locale.ROOT)
                    : time.replace('T', " t_".charAt(random.nextInt(3)));
            }
            case 7 -> {
                return time.replaceFirst("(T[0-9]{2}:[0-9]{2}):[0-9]{2}", "$1");
            }
            default -> {
                return EDGE_TIMES[random.nextInt(EDGE_TIMES.length)];
            }
        }
    }

    /** The ID made longer, to a UTF-8 length around the 256-byte limit, in characters of 1 to 4 bytes. */
    private String lengthen(String id) {
        int target = 246 + random.nextInt(20);
        StringBuilder out = new StringBuilder(id);
        while (out.toString().getBytes(StandardCharsets.UTF_8).length < target) {
            out.append(ID_CHARS[random.nextInt(ID_CHARS.length)]);
        }
        return out.toString();
    }

    private String randomId() {
        return switch (random.nextInt(5)) {
            case 0 -> "u-" + random.nextInt(100_000);
            case 1 -> ID_CHARS[random.nextInt(ID_CHARS.length)];
            case 2 -> "\u7528\u6237-" + random.nextInt(1000);
            case 3 -> "tab\tand\"quote\\" + random.nextInt(100);
            default -> new UUID(random.nextLong(), random.nextLong()).toString();
        };
    }

    /** A field nested some 55 to 70 containers deep, around the limit of 64 (the object itself counts). */
    private void nest(Draft d) {
        int levels = 55 + random.nextInt(16);
        StringBuilder open = new StringBuilder();
        StringBuilder close = new StringBuilder();
        for (int i = 0; i < levels; i++) {
            if (random.nextBoolean()) {
                open.append('[');
                close.insert(0, ']');
            } else {
                open.append("{\"n\":");
                close.insert(0, '}');
            }
        }
        String value = open + SCALARS[random.nextInt(SCALARS.length)] + close;
        if (random.nextInt(4) == 0 && !d.fields.isEmpty()) {
            String[] field = d.fields.get(random.nextInt(d.fields.size()));
            field[1] = open + field[1] + close;
        } else {
            d.fields.add(random.nextInt(d.fields.size() + 1), new String[] {quote("Deep"), value});
        }
    }

    /** A random JSON value up to {@code depth} levels; now and then with one broken token somewhere. */
    private String randomValue(int depth, boolean broken) {
        if (broken && random.nextInt(3) == 0) {
            return BROKEN[random.nextInt(BROKEN.length)];
        }
        if (depth <= 0 || random.nextInt(3) == 0) {
            return SCALARS[random.nextInt(SCALARS.length)];
        }
        int size = random.nextInt(4);
        boolean array = random.nextBoolean();
        StringBuilder out = new StringBuilder(array ? "[" : "{");
        for (int i = 0; i < size; i++) {
            out.append(i == 0 ? "" : ",");
            if (!array) {
                // Names may repeat: a duplicate unknown field is still JSON, and still ignored.
                out.append(quote("k" + random.nextInt(3))).append(':');
            }
            out.append(randomValue(depth - 1, broken && i == size - 1));
        }
        return out.append(array ? ']' : '}').toString();
    }

    private String whitespace() {
        return random.nextInt(8) == 0 ? WHITESPACE[7 + random.nextInt(WHITESPACE.length - 7)]
            : WHITESPACE[random.nextInt(7)];
    }

    /** A JSON string literal with a random share of its characters written as {@code \\uXXXX} escapes. */
    private String escapedLiteral(String text) {
        StringBuilder out = new StringBuilder("\"");
        boolean any = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean last = i == text.length() - 1;
            if (c == '"' || c == '\\' || c < 0x20 || random.nextInt(3) == 0 || (!any && last)) {
                out.append(String.format(Locale.ROOT, random.nextBoolean() ? "\\u%04x" : "\\u%04X", (int) c));
                any = true;
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    static String quote(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The string a JSON string literal stands for, or null when it is not one. */
    static String decode(String literal) {
        try {
            JsonNode node = JSON.readTree(literal);
            return node != null && node.isTextual() ? node.textValue() : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** A message taken apart: its top-level fields as raw JSON text, and how they are put together again. */
    private final class Draft {
        String subject;
        final List<String[]> fields = new ArrayList<>();
        String open = "{";
        String close = "}";
        String comma = ",";
        String colon = ":";
        String before = "";
        String after = "";
        String wrapLeft = "";
        String wrapRight = "";
        Charset encoding = StandardCharsets.UTF_8;
        boolean utf8Bom;

        Draft(String subject, byte[] payload) {
            this.subject = subject;
            try {
                JsonNode node = JSON.readTree(payload);
                for (Map.Entry<String, JsonNode> field : node.properties()) {
                    fields.add(new String[] {quote(field.getKey()), JSON.writeValueAsString(field.getValue())});
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("the messages to mutate must be valid JSON objects", e);
            }
        }

        int find(String lowerCaseName) {
            List<Integer> found = new ArrayList<>();
            for (int i = 0; i < fields.size(); i++) {
                String name = decode(fields.get(i)[0]);
                if (name != null && name.toLowerCase(Locale.ROOT).equals(lowerCaseName)) {
                    found.add(i);
                }
            }
            return found.isEmpty() ? -1 : found.get(random.nextInt(found.size()));
        }

        void renameRandom(UnaryOperator<String> rename) {
            if (!fields.isEmpty()) {
                String[] field = fields.get(random.nextInt(fields.size()));
                String name = decode(field[0]);
                if (name != null && !name.isEmpty()) {
                    field[0] = quote(rename.apply(name));
                }
            }
        }

        /** Edits the string value of a field, or adds the field with {@code fallback} when it has none. */
        void editString(String lowerCaseName, String nameToAdd, UnaryOperator<String> edit,
                        String fallback) {
            int at = find(lowerCaseName);
            String value = at < 0 ? null : decode(fields.get(at)[1]);
            if (value == null) {
                fields.add(random.nextInt(fields.size() + 1), new String[] {quote(nameToAdd), quote(fallback)});
            } else {
                fields.get(at)[1] = quote(edit.apply(value));
            }
        }

        /** Puts raw literal text (an escape) at the start or the end of a string field's literal. */
        void insertIntoLiteral(String lowerCaseName, String text) {
            int at = find(lowerCaseName);
            if (at < 0 || !fields.get(at)[1].startsWith("\"")) {
                return;
            }
            String literal = fields.get(at)[1];
            fields.get(at)[1] = random.nextBoolean() ? "\"" + text + literal.substring(1)
                : literal.substring(0, literal.length() - 1) + text + "\"";
        }

        void wrap(String left, String right) {
            wrapLeft = left;
            wrapRight = right;
        }

        byte[] render() {
            StringBuilder text = new StringBuilder(before).append(wrapLeft).append(open);
            for (int i = 0; i < fields.size(); i++) {
                text.append(i == 0 ? "" : comma).append(fields.get(i)[0]).append(colon).append(fields.get(i)[1]);
            }
            text.append(close).append(wrapRight).append(after);
            byte[] bytes = text.toString().getBytes(encoding);
            if (utf8Bom) {
                return splice(bytes, 0, 0, new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf});
            }
            return bytes;
        }
    }
}
