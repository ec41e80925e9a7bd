package io.alarmdigest.processor.topology;

import io.alarmdigest.model.DlqReason;
import io.alarmdigest.model.HeaderNames;
import io.alarmdigest.model.InvalidMessageException;
import io.alarmdigest.model.Json;
import io.alarmdigest.model.MessageType;
import io.alarmdigest.processor.config.ProcessorConfig;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Hands each record of the input topic, in offset order, to the logic its {@code message-type} header names:
 * {@code AlarmStatusChanged} to {@value DigestTopology#STATUS_PROCESSOR}, {@code SendAlarmDigest} to
 * {@value DigestTopology#REQUEST_PROCESSOR}. Forwarding is synchronous, so a request is answered after every earlier
 * record of its partition has been applied and before any later one (contract rule 3). A record without the header,
 * or with a value naming neither kind, is a dead letter ({@code unknown-message-type}).
 */
final class InputRouter implements Processor<String, byte[], String, byte[]> {
    private final int deadLetterMaxBytes;

    private ProcessorContext<String, byte[]> context;
    private ProcessorMetrics metrics;
    private DeadLetters deadLetters;

    InputRouter(ProcessorConfig config) {
        this.deadLetterMaxBytes = config.deadLetterMaxBytes();
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.metrics = new ProcessorMetrics(context);
        this.deadLetters = new DeadLetters(context, metrics, deadLetterMaxBytes);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        Header header = record.headers().lastHeader(HeaderNames.MESSAGE_TYPE);
        String value = header == null || header.value() == null ? null
            : new String(header.value(), StandardCharsets.UTF_8);
        Optional<MessageType> type = MessageType.ofHeader(value);
        if (type.isEmpty()) {
            deadLetters.send(record, new InvalidMessageException(DlqReason.UNKNOWN_MESSAGE_TYPE, value == null
                ? "the record has no " + HeaderNames.MESSAGE_TYPE + " header; it must be "
                    + MessageType.ALARM_STATUS_CHANGED.headerValue() + " or " + MessageType.SEND_ALARM_DIGEST.headerValue()
                : "header " + HeaderNames.MESSAGE_TYPE + " is " + Json.quoteForLog(value) + ", neither "
                    + MessageType.ALARM_STATUS_CHANGED.headerValue() + " nor " + MessageType.SEND_ALARM_DIGEST.headerValue()));
            return;
        }
        context.forward(record, type.get() == MessageType.ALARM_STATUS_CHANGED
            ? DigestTopology.STATUS_PROCESSOR : DigestTopology.REQUEST_PROCESSOR);
    }

    @Override
    public void close() {
        if (metrics != null) {
            metrics.close();
        }
    }
}
