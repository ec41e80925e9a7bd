package io.alarmdigest.processor.topology;

import io.alarmdigest.model.DlqReason;
import io.alarmdigest.model.InvalidMessageException;
import io.alarmdigest.model.Json;

/**
 * What an input record must have before its payload is applied: a value, and a key that is the UserID of that
 * value. A record that fails either is a dead letter, not a message to repair by guessing.
 */
final class RecordChecks {
    private RecordChecks() {
    }

    /**
     * A record's key must be its payload's UserID: state is partitioned by the key, so a record under another key
     * would read and write another partition's view of the user. Such a record is a producer bug, not a message
     * we may repair by guessing.
     *
     * @throws InvalidMessageException with reason {@code key-mismatch}
     */
    static void requireKeyIsUser(String key, String userId) {
        if (!userId.equals(key)) {
            throw new InvalidMessageException(DlqReason.KEY_MISMATCH, "the record key "
                + (key == null ? "is missing" : Json.quoteForLog(key)) + " but UserID is " + Json.quoteForLog(userId)
                + "; records must be keyed by their UserID");
        }
    }

    /**
     * @throws InvalidMessageException with reason {@code not-json} when the record has no value
     */
    static byte[] requireValue(byte[] value) {
        if (value == null || value.length == 0) {
            throw new InvalidMessageException(DlqReason.NOT_JSON, "the payload is empty");
        }
        return value;
    }
}
