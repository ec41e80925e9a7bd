package io.alarmdigest.model;

/** The record and message headers of the contract's header table, named once for every component. */
public final class HeaderNames {
    /** Kafka input records: what the record is, {@link MessageType#headerValue()}. */
    public static final String MESSAGE_TYPE = "message-type";
    /** Kafka input records: the NATS subject the message was published on. */
    public static final String NATS_SUBJECT = "nats-subject";
    /** Kafka input records: the JetStream stream that stored the message. */
    public static final String NATS_STREAM = "nats-stream";
    /** Kafka input records: that stream's creation time, RFC3339Nano UTC. */
    public static final String NATS_STREAM_CREATED = "nats-stream-created";
    /** Kafka input records: the message's sequence in that stream. */
    public static final String NATS_STREAM_SEQ = "nats-stream-seq";
    /** Kafka input records: when the stream stored the message, RFC3339Nano UTC (also the record timestamp). */
    public static final String NATS_TIMESTAMP = "nats-timestamp";

    /** Kafka {@code alarm-digest}: the digest's identity, derived from its request. */
    public static final String DIGEST_ID = "digest-id";
    /** Kafka {@code alarm-digest}: 1-based part number. */
    public static final String DIGEST_PART = "digest-part";
    /** Kafka {@code alarm-digest}: number of parts of the digest. */
    public static final String DIGEST_PARTS = "digest-parts";

    /** NATS {@code AlarmDigest}: as {@link #DIGEST_ID}. */
    public static final String NATS_DIGEST_ID = "Digest-Id";
    /** NATS {@code AlarmDigest}: as {@link #DIGEST_PART}. */
    public static final String NATS_DIGEST_PART = "Digest-Part";
    /** NATS {@code AlarmDigest}: as {@link #DIGEST_PARTS}. */
    public static final String NATS_DIGEST_PARTS = "Digest-Parts";

    /** Dead letters: {@code <code>: <sentence>}. */
    public static final String DLQ_REASON = "dlq-reason";
    /** Dead letters: the subject, or {@code <topic>/<partition>/<offset>}, it came from. */
    public static final String DLQ_SOURCE = "dlq-source";
    /** Dead letters: the original size of a value that was cut to fit. */
    public static final String DLQ_TRUNCATED_FROM = "dlq-truncated-from";

    private HeaderNames() {
    }
}
