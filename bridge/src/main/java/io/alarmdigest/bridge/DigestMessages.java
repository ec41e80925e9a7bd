package io.alarmdigest.bridge;

import io.alarmdigest.model.HeaderNames;
import io.nats.client.impl.Headers;
import io.nats.client.support.NatsJetStreamConstants;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The NATS message the egress publishes for a digest record: the record's value as the payload, and the contract's
 * headers from the record's digest headers — {@code Digest-Id}, {@code Digest-Part}, {@code Digest-Parts} — plus
 * {@code Nats-Msg-Id} ({@code <Digest-Id>#<part>}), by which the digest stream drops a re-publication. A record
 * without digest headers (not written by the processor) gets an identity from its Kafka position, as one part of
 * one. Pure mapping, no I/O.
 */
final class DigestMessages {
    private DigestMessages() {
    }

    static Headers headers(ConsumerRecord<String, byte[]> record) {
        String id = digestId(record);
        String part = header(record, HeaderNames.DIGEST_PART, "1");
        return new Headers()
            .put(HeaderNames.NATS_DIGEST_ID, id)
            .put(HeaderNames.NATS_DIGEST_PART, part)
            .put(HeaderNames.NATS_DIGEST_PARTS, header(record, HeaderNames.DIGEST_PARTS, "1"))
            .put(NatsJetStreamConstants.MSG_ID_HDR, id + "#" + part);
    }

    /** The {@code Nats-Msg-Id} of {@link #headers}. */
    static String messageId(Headers headers) {
        return headers.getFirst(NatsJetStreamConstants.MSG_ID_HDR);
    }

    static String digestId(ConsumerRecord<String, byte[]> record) {
        return header(record, HeaderNames.DIGEST_ID,
            "kafka:" + record.topic() + ":" + record.partition() + ":" + record.offset());
    }

    private static String header(ConsumerRecord<String, byte[]> record, String key, String fallback) {
        Header header = record.headers().lastHeader(key);
        return header == null || header.value() == null ? fallback : new String(header.value(), StandardCharsets.UTF_8);
    }
}
