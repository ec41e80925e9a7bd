package io.alarmdigest.bridge;

import io.alarmdigest.kafka.DeadLetter;
import io.alarmdigest.kafka.InputHeaders;
import io.alarmdigest.model.DlqReason;
import io.alarmdigest.model.Ids;
import io.alarmdigest.model.InvalidMessageException;
import io.alarmdigest.model.MessageType;
import io.nats.client.Message;
import io.nats.client.impl.NatsJetStreamMetaData;
import java.time.Instant;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;

/**
 * The Kafka records the ingress writes for the messages of one input stream: a message of either subject becomes a
 * record of the input topic (key: its UserID; value: the payload as received; timestamp: the time NATS stored it;
 * headers {@code message-type} and {@code nats-*}); a message that is bad becomes a dead letter instead, with its
 * reason; and each transaction ends with the position it reaches. Pure mapping, no I/O.
 */
final class InputRecords {
    /**
     * A dead letter for a record Kafka refused although it was under our size limit (the topic's own limit is lower
     * than the broker said at start) is cut to this, which any topic takes.
     */
    static final int REFUSED_EXCERPT_BYTES = 64 * 1024;

    /** One message of the input stream, as the ingress reads it. */
    record StreamMessage(String subject, byte[] payload, long sequence, Instant storedAt) {
        static StreamMessage of(Message message) {
            NatsJetStreamMetaData meta = message.metaData();
            return new StreamMessage(message.getSubject(), message.getData() == null ? new byte[0] : message.getData(),
                meta.streamSequence(), meta.timestamp().toInstant());
        }
    }

    /** What one message became: its record, and the problem when that record is a dead letter. */
    record Copy(ProducerRecord<String, byte[]> record, InvalidMessageException deadLettered) {
    }

    private final BridgeConfig config;
    private final NatsStreams.Input input;

    InputRecords(BridgeConfig config, NatsStreams.Input input) {
        this.config = config;
        this.input = input;
    }

    /** The record for {@code message}: its input record, or its dead letter when it is bad. */
    Copy copyOf(StreamMessage message) {
        MessageType type = typeOf(message.subject());
        try {
            if (type == null) {
                throw new InvalidMessageException(DlqReason.UNKNOWN_SUBJECT,
                    "subject " + message.subject() + " is not an input subject of the bridge");
            }
            if (message.payload().length > config.ingressMaxMessageBytes()) {
                throw new InvalidMessageException(DlqReason.TOO_LARGE, "the message has " + message.payload().length
                    + " bytes, more than " + BridgeConfig.INGRESS_MAX_MESSAGE_BYTES + "="
                    + config.ingressMaxMessageBytes());
            }
            String userId = Ids.userIdOf(message.payload());
            return new Copy(new ProducerRecord<>(config.topics().input(), null, message.storedAt().toEpochMilli(),
                userId, message.payload(), natsHeaders(message, type)), null);
        } catch (InvalidMessageException problem) {
            return new Copy(deadLetter(message, type, problem, config.ingressMaxMessageBytes()), problem);
        }
    }

    /** The dead letter for a message whose input record Kafka refused for good. */
    Copy refusedByKafka(StreamMessage message, String error) {
        InvalidMessageException problem = new InvalidMessageException(DlqReason.KAFKA_REFUSED,
            "Kafka refused the record for good (" + error + "); the dead letter holds its first "
                + REFUSED_EXCERPT_BYTES + " bytes at most");
        return new Copy(deadLetter(message, typeOf(message.subject()), problem, REFUSED_EXCERPT_BYTES), problem);
    }

    /** The position record: the last message of the transaction it ends is {@code position.lastSequence()}. */
    ProducerRecord<String, byte[]> position(StreamPosition position) {
        return new ProducerRecord<>(config.topics().ingressPosition(), 0, null, position.stream(), position.value());
    }

    private ProducerRecord<String, byte[]> deadLetter(StreamMessage message, MessageType type,
                                                      InvalidMessageException problem, int maxBytes) {
        DeadLetter letter = DeadLetter.of(natsHeaders(message, type), message.payload(), problem, message.subject(),
            maxBytes);
        return new ProducerRecord<>(config.topics().deadLetter(), null, message.storedAt().toEpochMilli(), null,
            letter.value(), letter.headers());
    }

    private Headers natsHeaders(StreamMessage message, MessageType type) {
        return InputHeaders.of(type, message.subject(), input.stream(), input.created(), message.sequence(),
            message.storedAt());
    }

    private MessageType typeOf(String subject) {
        if (subject.equals(config.statusSubject())) {
            return MessageType.ALARM_STATUS_CHANGED;
        }
        if (subject.equals(config.requestSubject())) {
            return MessageType.SEND_ALARM_DIGEST;
        }
        return null;
    }

}
