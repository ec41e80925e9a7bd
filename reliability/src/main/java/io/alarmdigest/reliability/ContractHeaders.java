package io.alarmdigest.reliability;

/**
 * The header names of the contract's header table, as the harness reads them: written here from the contract, not
 * taken from the service's own constants, so that the harness checks what the contract says rather than what the
 * service believes it says.
 */
final class ContractHeaders {
    /** NATS {@code AlarmDigest}: the digest's identity, derived from its request. */
    static final String DIGEST_ID = "Digest-Id";
    /** NATS {@code AlarmDigest}: the 1-based part number. */
    static final String DIGEST_PART = "Digest-Part";
    /** NATS {@code AlarmDigest}: the number of parts. */
    static final String DIGEST_PARTS = "Digest-Parts";
    /** NATS {@code AlarmDigest}: {@code <Digest-Id>#<part>}, JetStream's de-duplication id. */
    static final String MSG_ID = "Nats-Msg-Id";
    /** Kafka {@code alarm-digest}: as {@link #DIGEST_ID}. */
    static final String RECORD_DIGEST_ID = "digest-id";
    /** Kafka {@code alarm-digest}: as {@link #DIGEST_PART}. */
    static final String RECORD_DIGEST_PART = "digest-part";
    /** Kafka input records: the input stream's creation time. */
    static final String NATS_STREAM_CREATED = "nats-stream-created";
    /** Kafka input records: the message's sequence in the input stream. */
    static final String NATS_STREAM_SEQ = "nats-stream-seq";

    private ContractHeaders() {
    }
}
