package io.alarmdigest.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the contract's input messages strictly and writes its output: one JSON object in UTF-8, field names
 * matched case-insensitively (producers are often Go, whose decoder ignores case), unknown fields ignored, a known
 * field given twice in any spelling rejected, and the known fields' values required to be strings.
 */
public final class Json {
    /** Shared, thread-safe; also writes {@link AlarmDigest}. */
    public static final ObjectMapper MAPPER = new ObjectMapper(new JsonFactory().setStreamReadConstraints(
        StreamReadConstraints.builder().maxNestingDepth(64).build()));

    private static final int LOG_QUOTE_LIMIT = 80;

    private Json() {
    }

    /**
     * Returns the string values of the requested fields, keyed by the lower-case name given in
     * {@code lowerCaseNames}. Absent fields are absent from the map; callers decide which are required.
     *
     * @throws InvalidMessageException when the payload is not one UTF-8 JSON object, when a requested field appears
     *     twice (whatever its case), or when its value is not a string
     */
    public static Map<String, String> readStringFields(byte[] payload, String... lowerCaseNames) {
        // Parsing the decoded text, not the bytes, keeps Jackson from detecting UTF-16 or UTF-32 on its own.
        String text = decodeUtf8(payload);
        Map<String, String> found = new HashMap<>(lowerCaseNames.length * 2);
        try (JsonParser parser = MAPPER.getFactory().createParser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidMessageException(DlqReason.NOT_AN_OBJECT,
                    "the payload must be a JSON object, but it starts with " + describe(parser.currentToken()));
            }
            for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
                String name = parser.currentName();
                String wanted = match(name, lowerCaseNames);
                JsonToken value = parser.nextToken();
                if (wanted == null) {
                    parser.skipChildren();
                    continue;
                }
                if (found.containsKey(wanted)) {
                    throw new InvalidMessageException(DlqReason.DUPLICATE_FIELD,
                        "field " + quoteForLog(name) + " appears twice (names are matched ignoring case)");
                }
                if (value != JsonToken.VALUE_STRING) {
                    throw new InvalidMessageException(DlqReason.WRONG_TYPE,
                        "field " + quoteForLog(name) + " must be a string, but was " + describe(value));
                }
                found.put(wanted, parser.getText());
            }
            if (parser.nextToken() != null) {
                throw new InvalidMessageException(DlqReason.NOT_JSON, "the payload holds data after its JSON object");
            }
        } catch (JsonProcessingException e) {
            throw new InvalidMessageException(DlqReason.NOT_JSON,
                "the payload is not valid JSON: " + withoutSourceLocation(e.getOriginalMessage()), e);
        } catch (IOException e) {
            throw new InvalidMessageException(DlqReason.NOT_JSON, "the payload is not valid JSON: " + e.getMessage(), e);
        }
        return found;
    }

    /** Jackson appends where in the source the error is, with the source itself hidden: noise in a reason. */
    private static String withoutSourceLocation(String message) {
        int at = message.indexOf(" (start marker at [Source");
        if (at < 0) {
            at = message.indexOf(" at [Source");
        }
        return (at < 0 ? message : message.substring(0, at)).replace('\n', ' ');
    }

    private static String match(String name, String[] lowerCaseNames) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (String candidate : lowerCaseNames) {
            if (candidate.equals(lower)) {
                return candidate;
            }
        }
        return null;
    }

    private static String decodeUtf8(byte[] payload) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(payload))
                .toString();
        } catch (CharacterCodingException e) {
            throw new InvalidMessageException(DlqReason.NOT_JSON, "the payload is not valid UTF-8");
        }
    }

    private static String describe(JsonToken token) {
        if (token == null) {
            return "nothing";
        }
        switch (token) {
            case START_ARRAY:
                return "an array";
            case START_OBJECT:
                return "an object";
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return "a number";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "a boolean";
            case VALUE_NULL:
                return "null";
            case VALUE_STRING:
                return "a string";
            default:
                return token.asString() == null ? token.name() : token.asString();
        }
    }

    /** A value quoted for a log line or error message: escaped, and cut so a huge input cannot flood the log. */
    public static String quoteForLog(String value) {
        StringBuilder out = new StringBuilder(Math.min(value.length(), LOG_QUOTE_LIMIT) + 16).append('"');
        int limit = Math.min(value.length(), LOG_QUOTE_LIMIT);
        for (int i = 0; i < limit; i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
        if (value.length() > limit) {
            out.append("…(").append(value.length()).append(" chars)");
        }
        return out.toString();
    }
}
