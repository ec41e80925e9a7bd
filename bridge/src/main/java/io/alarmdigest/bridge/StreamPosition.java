package io.alarmdigest.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alarmdigest.model.Rfc3339;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * How far the ingress has copied an input stream: the stream's name and creation time, and the last sequence whose
 * message is in Kafka with the time NATS stored it. Written to the position topic in the same transaction as the
 * records it covers (key: the stream name; value:
 * {@code {"Stream":…,"StreamCreated":…,"LastSequence":…,"LastStored":…}}), so a committed position and the records
 * below it are in Kafka together or not at all.
 *
 * @param created the stream's creation time, RFC3339Nano UTC: a position applies only to the stream created then
 * @param lastSequence the last stream sequence copied; 0 before the first message
 * @param lastStored when NATS stored that message, RFC3339Nano UTC; null before the first message. A stream that
 *     lost messages it had acknowledged reuses their sequences, never their times: this tells the copied from the
 *     new.
 */
record StreamPosition(String stream, String created, long lastSequence, String lastStored) {
    private static final ObjectMapper JSON = new ObjectMapper();

    StreamPosition {
        if (stream == null || stream.isEmpty() || created == null || lastSequence < 0) {
            throw new IllegalArgumentException("not a stream position: " + stream + ", " + created + ", "
                + lastSequence);
        }
    }

    /** The same stream, {@code sequence} reached, its message stored at {@code stored}. */
    StreamPosition at(long sequence, String stored) {
        return new StreamPosition(stream, created, sequence, stored);
    }

    byte[] key() {
        return stream.getBytes(StandardCharsets.UTF_8);
    }

    byte[] value() {
        ObjectNode value = JSON.createObjectNode()
            .put("Stream", stream)
            .put("StreamCreated", created)
            .put("LastSequence", lastSequence);
        if (lastStored != null) {
            value.put("LastStored", lastStored);
        }
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a stream position", e);
        }
    }

    /**
     * Reads a position record's value.
     *
     * @throws IllegalStateException naming the record when it is not one this service wrote
     */
    static StreamPosition parse(String stream, byte[] value) {
        try {
            JsonNode node = JSON.readTree(value);
            JsonNode created = node.get("StreamCreated");
            JsonNode last = node.get("LastSequence");
            if (created == null || !created.isTextual() || last == null || !last.canConvertToLong()) {
                throw new IllegalStateException("the position record of stream " + stream + " is not "
                    + "{\"StreamCreated\":…,\"LastSequence\":…}: " + new String(value, StandardCharsets.UTF_8));
            }
            JsonNode stored = node.get("LastStored");
            String utc = Rfc3339.format(Rfc3339.parse("StreamCreated", created.textValue()));
            String storedUtc = stored == null || !stored.isTextual() ? null
                : Rfc3339.format(Rfc3339.parse("LastStored", stored.textValue()));
            return new StreamPosition(stream, utc, last.longValue(), storedUtc);
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalStateException known) {
                throw known;
            }
            throw new IllegalStateException("the position record of stream " + stream + " cannot be read: " + e, e);
        }
    }

    /**
     * The latest committed position of {@code stream} in the one-partition position topic: the topic is read from
     * the start to its last stable offset, with {@code read_committed}, so that a position only counts once its
     * transaction (and the records it covers) committed. Empty when the stream has none.
     *
     * @throws TimeoutException when the topic cannot be read to its end in
     *     {@code timeout}
     */
    static Optional<StreamPosition> readCommitted(Properties consumerProperties, String topic, String stream,
                                                  Duration timeout) {
        TopicPartition partition = new TopicPartition(topic, 0);
        try (Consumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProperties, new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + timeout.toNanos();
            long end = consumer.endOffsets(List.of(partition), timeout).get(partition);
            StreamPosition latest = null;
            byte[] key = stream.getBytes(StandardCharsets.UTF_8);
            while (consumer.position(partition, remaining(deadline)) < end) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (Arrays.equals(key, record.key())) {
                        latest = record.value() == null ? null : parse(stream, record.value());
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("the position topic " + topic
                        + " could not be read to its end (offset " + end + ") within " + timeout);
                }
            }
            return Optional.ofNullable(latest);
        }
    }

    private static Duration remaining(long deadlineNanos) {
        return Duration.ofNanos(Math.max(1_000_000, deadlineNanos - System.nanoTime()));
    }

    @Override
    public String toString() {
        return stream + " (created " + created + ") at sequence " + lastSequence
            + (lastStored == null ? "" : " (stored " + lastStored + ")");
    }
}
