package io.alarmdigest.kafka;

import io.alarmdigest.model.HeaderNames;
import io.alarmdigest.model.InvalidMessageException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A dead letter (contract rule 9), as the ingress and the processor write it: the offending bytes as they came, with
 * the headers they came with (so their NATS provenance travels), plus {@code dlq-reason} ({@code <code>: <sentence>})
 * and {@code dlq-source} (where it came from); a value larger than the limit is cut to it, and
 * {@code dlq-truncated-from} gives its size, so that a dead letter always fits a producer request. A record that
 * was a dead letter before (one replayed) gets this reason and source instead of its old ones, and keeps its
 * {@code dlq-truncated-from}: its value is an excerpt of a message of that size, whether or not it is cut again.
 *
 * @param headers the original headers with the dead-letter headers
 * @param value the value, cut to the limit
 */
public record DeadLetter(Headers headers, byte[] value) {
    /**
     * @param original the record's headers (copied, not changed)
     * @param source where the record came from: a NATS subject, or {@code <topic>/<partition>/<offset>}
     * @param maxValueBytes the largest value written whole
     */
    public static DeadLetter of(Headers original, byte[] value, InvalidMessageException problem, String source,
                                int maxValueBytes) {
        Headers headers = new RecordHeaders(original.toArray());
        headers.remove(HeaderNames.DLQ_REASON).remove(HeaderNames.DLQ_SOURCE);
        headers.add(HeaderNames.DLQ_REASON, utf8(problem.headerValue()));
        headers.add(HeaderNames.DLQ_SOURCE, utf8(source));
        byte[] kept = value;
        if (value != null && value.length > maxValueBytes) {
            if (headers.lastHeader(HeaderNames.DLQ_TRUNCATED_FROM) == null) {
                headers.add(HeaderNames.DLQ_TRUNCATED_FROM, utf8(Integer.toString(value.length)));
            }
            kept = Arrays.copyOf(value, maxValueBytes);
        }
        return new DeadLetter(headers, kept);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
