package io.alarmdigest.model;

import java.nio.charset.StandardCharsets;

/** The contract's rule for IDs: non-empty strings of at most {@value #MAX_BYTES} UTF-8 bytes, any characters. */
public final class Ids {
    public static final int MAX_BYTES = 256;

    private Ids() {
    }

    /**
     * The UserID of an input message of either kind, reading no more than needed: the message must be one JSON
     * object whose {@code UserID} (any case, once) is a valid ID; its other fields are not looked at.
     *
     * @throws InvalidMessageException naming what is wrong
     */
    public static String userIdOf(byte[] payload) {
        return require("UserID", Json.readStringFields(payload, "userid").get("userid"));
    }

    /**
     * @throws InvalidMessageException naming {@code field} when it is missing, empty or too long
     */
    public static String require(String field, String value) {
        if (value == null) {
            throw new InvalidMessageException(DlqReason.MISSING_FIELD, field + " is missing");
        }
        if (value.isEmpty()) {
            throw new InvalidMessageException(DlqReason.BAD_ID, field + " must not be empty");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                // An escaped lone surrogate (\\ud800) has no UTF-8 form, so it cannot be a key.
                throw new InvalidMessageException(DlqReason.BAD_ID, field + " holds an unpaired surrogate (\\u"
                    + Integer.toHexString(c) + "), which is not a Unicode character");
            }
        }
        int bytes = value.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            throw new InvalidMessageException(DlqReason.BAD_ID,
                field + " must be at most " + MAX_BYTES + " UTF-8 bytes, but has " + bytes);
        }
        return value;
    }
}
