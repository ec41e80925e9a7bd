package io.alarmdigest.model;

/**
 * A message that breaks the contract: it is not retried, it goes to the dead-letter topic with {@link #reason()}
 * and the message text, which names the offending field.
 */
public final class InvalidMessageException extends RuntimeException {
    private final DlqReason reason;

    public InvalidMessageException(DlqReason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public InvalidMessageException(DlqReason reason, String message, Throwable cause) {
        super(message, cause, false, false);
        this.reason = reason;
    }

    public DlqReason reason() {
        return reason;
    }

    /** The {@code dlq-reason} header: the machine-readable code, then the human sentence. */
    public String headerValue() {
        return reason.code() + ": " + getMessage();
    }
}
