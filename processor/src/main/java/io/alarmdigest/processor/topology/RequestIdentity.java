package io.alarmdigest.processor.topology;

import io.alarmdigest.model.DlqReason;
import io.alarmdigest.model.HeaderNames;
import io.alarmdigest.model.InvalidMessageException;
import io.alarmdigest.model.Json;
import io.alarmdigest.model.Rfc3339;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Which request a {@code SendAlarmDigest} record is (contract rule 7 and the header table). A request stored in a
 * NATS stream is identified by the stream's name, its creation time and the message's stream sequence, which the
 * ingress bridge puts in the {@code nats-stream}, {@code nats-stream-created} and {@code nats-stream-seq} headers;
 * a redelivery carries the same three, so it can be recognised. A record without them is its own request,
 * identified by where it sits in Kafka.
 *
 * @param digestId the {@code Digest-Id} of the answer: {@code <stream>:<created>:<seq>} or
 *     {@code kafka:<topic>:<partition>:<offset>}
 * @param deduplicated whether a redelivery of this request can be recognised (it has a NATS identity)
 */
record RequestIdentity(String digestId, boolean deduplicated) {
    static final String STREAM_HEADER = HeaderNames.NATS_STREAM;
    static final String STREAM_CREATED_HEADER = HeaderNames.NATS_STREAM_CREATED;
    static final String STREAM_SEQ_HEADER = HeaderNames.NATS_STREAM_SEQ;

    /**
     * @throws InvalidMessageException with reason {@code bad-request-identity} when the NATS headers are present
     *     but incomplete or malformed: then neither identity would be right
     */
    static RequestIdentity of(Headers headers, RecordMetadata metadata) {
        String stream = lastValue(headers, STREAM_HEADER);
        String created = lastValue(headers, STREAM_CREATED_HEADER);
        String seq = lastValue(headers, STREAM_SEQ_HEADER);
        if (stream == null && created == null && seq == null) {
            return new RequestIdentity(
                "kafka:" + metadata.topic() + ":" + metadata.partition() + ":" + metadata.offset(), false);
        }
        if (stream == null || stream.isEmpty() || created == null || seq == null) {
            throw bad("the request has some of the headers " + STREAM_HEADER + ", " + STREAM_CREATED_HEADER + ", "
                + STREAM_SEQ_HEADER + " but not all three");
        }
        long sequence;
        try {
            sequence = Long.parseLong(seq);
        } catch (NumberFormatException e) {
            sequence = 0;
        }
        if (sequence <= 0) {
            throw bad("header " + STREAM_SEQ_HEADER + " must be a positive stream sequence, but was "
                + Json.quoteForLog(seq));
        }
        String createdUtc;
        try {
            createdUtc = Rfc3339.format(Rfc3339.parse(STREAM_CREATED_HEADER, created));
        } catch (InvalidMessageException e) {
            throw bad("header " + e.getMessage());
        }
        return new RequestIdentity(stream + ":" + createdUtc + ":" + sequence, true);
    }

    private static InvalidMessageException bad(String message) {
        return new InvalidMessageException(DlqReason.BAD_REQUEST_IDENTITY, message);
    }

    private static String lastValue(Headers headers, String key) {
        Header header = headers.lastHeader(key);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
