package io.alarmdigest.processor.topology;

import io.alarmdigest.kafka.DeadLetter;
import io.alarmdigest.logging.RateLimitedLog;
import io.alarmdigest.model.HeaderNames;
import io.alarmdigest.model.InvalidMessageException;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a bad record to the dead-letter topic (contract rule 9): the offending bytes and key as they came, their
 * headers kept (so the NATS provenance travels), plus {@code dlq-reason} ({@code <code>: <sentence>}) and
 * {@code dlq-source} ({@code <topic>/<partition>/<offset>}); a value too big to be sure to fit a producer request is
 * cut, with {@code dlq-truncated-from} giving its size. Counts it and logs it, rate-limited per reason.
 * Written in the same transaction as the input offset, so a bad record is neither lost nor dead-lettered twice.
 */
final class DeadLetters {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);

    private final ProcessorContext<String, byte[]> context;
    private final int maxValueBytes;
    private final Sensor counter;
    private final RateLimitedLog log = new RateLimitedLog(LOG);

    /**
     * @param maxValueBytes the largest value written as it came; a larger one is cut to this size (with a
     *     {@code dlq-truncated-from} header giving its size), so that a dead letter always fits in a producer request
     */
    DeadLetters(ProcessorContext<String, byte[]> context, ProcessorMetrics metrics, int maxValueBytes) {
        this.context = context;
        this.maxValueBytes = maxValueBytes;
        this.counter = metrics.counter(ProcessorMetrics.DEAD_LETTERS);
    }

    void send(Record<String, byte[]> record, InvalidMessageException problem) {
        String source = context.recordMetadata()
            .map(DeadLetters::describe)
            .orElse("unknown");
        DeadLetter letter = DeadLetter.of(record.headers(), record.value(), problem, source, maxValueBytes);
        context.forward(record.withValue(letter.value()).withHeaders(letter.headers()), DigestTopology.DLQ_SINK);
        counter.record();
        Header subject = record.headers().lastHeader(HeaderNames.NATS_SUBJECT);
        log.warn(problem.reason().code(), "Dead-lettered the record at {}{}: {}", source,
            subject == null ? "" : " (NATS subject " + new String(subject.value(), StandardCharsets.UTF_8) + ")",
            problem.headerValue());
    }

    private static String describe(RecordMetadata metadata) {
        return metadata.topic() + "/" + metadata.partition() + "/" + metadata.offset();
    }
}
