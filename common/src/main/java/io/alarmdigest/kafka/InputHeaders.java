package io.alarmdigest.kafka;

import io.alarmdigest.model.HeaderNames;
import io.alarmdigest.model.MessageType;
import io.alarmdigest.model.Rfc3339;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The headers of an input record, as the contract's header table gives them: what the message is
 * ({@code message-type}) and where NATS stored it ({@code nats-subject}, {@code nats-stream},
 * {@code nats-stream-created}, {@code nats-stream-seq}, {@code nats-timestamp}). The stream, its creation time and
 * the sequence are a request's identity, from which its digest's id is derived.
 */
public final class InputHeaders {
    private InputHeaders() {
    }

    /**
     * @param type what the message is; null for a message of no input subject (a dead letter), which gets no
     *     {@code message-type}
     * @param streamCreated the stream's creation time, RFC3339Nano UTC
     */
    public static Headers of(MessageType type, String subject, String stream, String streamCreated, long sequence,
                             Instant storedAt) {
        Headers headers = new RecordHeaders();
        if (type != null) {
            headers.add(HeaderNames.MESSAGE_TYPE, utf8(type.headerValue()));
        }
        headers.add(HeaderNames.NATS_SUBJECT, utf8(subject));
        headers.add(HeaderNames.NATS_STREAM, utf8(stream));
        headers.add(HeaderNames.NATS_STREAM_CREATED, utf8(streamCreated));
        headers.add(HeaderNames.NATS_STREAM_SEQ, utf8(Long.toString(sequence)));
        headers.add(HeaderNames.NATS_TIMESTAMP, utf8(Rfc3339.format(storedAt)));
        return headers;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
