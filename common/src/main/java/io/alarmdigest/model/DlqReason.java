package io.alarmdigest.model;

/**
 * Why a record went to the dead-letter topic. {@link #code()} is the machine-readable part of the
 * {@code dlq-reason} header; it never changes once released, so that operators can alert on it.
 */
public enum DlqReason {
    NOT_JSON("not-json"),
    NOT_AN_OBJECT("not-an-object"),
    MISSING_FIELD("missing-field"),
    DUPLICATE_FIELD("duplicate-field"),
    WRONG_TYPE("wrong-type"),
    BAD_ID("bad-id"),
    BAD_STATUS("bad-status"),
    BAD_TIME("bad-time"),
    KEY_MISMATCH("key-mismatch"),
    BAD_REQUEST_IDENTITY("bad-request-identity"),
    TOO_LARGE("too-large"),
    UNKNOWN_SUBJECT("unknown-subject"),
    UNKNOWN_MESSAGE_TYPE("unknown-message-type"),
    KAFKA_REFUSED("kafka-refused");

    private final String code;

    DlqReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
