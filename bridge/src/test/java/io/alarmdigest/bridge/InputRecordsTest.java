package io.alarmdigest.bridge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.alarmdigest.bridge.InputRecords.Copy;
import io.alarmdigest.bridge.InputRecords.StreamMessage;
import io.alarmdigest.model.DlqReason;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/** What the ingress writes for each message of the input stream: its input record or its dead letter. */
class InputRecordsTest {
    private static final Instant STORED = Instant.parse("2021-06-07T20:40:15.598765212Z");
    private static final String EVENT = "{\"AlarmID\":\"a1\",\"UserID\":\"u1\",\"Status\":\"WARNING\","
        + "\"ChangedAt\":\"2021-06-07T20:40:15Z\"}";
    private final BridgeConfig config = new BridgeConfig(Map.of("bootstrap.servers", "127.0.0.1:9092",
        BridgeConfig.INGRESS_MAX_MESSAGE_BYTES, 2048));
    private final InputRecords records = new InputRecords(config,
        new NatsStreams.Input("ALARM_DIGEST_INPUT", "2021-06-01T00:00:00Z"));

    @Test
    void shouldKeyAnEventByItsUserAndCarryWhereNatsStoredIt() {
        Copy copy = records.copyOf(new StreamMessage("AlarmStatusChanged", utf8(EVENT), 42, STORED));

        ProducerRecord<String, byte[]> record = copy.record();
        assertNull(copy.deadLettered());
        assertEquals(config.topics().input(), record.topic());
        assertEquals("u1", record.key());
        assertArrayEquals(utf8(EVENT), record.value(), "the payload as received");
        assertEquals(STORED.toEpochMilli(), record.timestamp(), "stream time is NATS' stored time");
        assertEquals("AlarmStatusChanged", header(record, "message-type"));
        assertEquals("AlarmStatusChanged", header(record, "nats-subject"));
        assertEquals("ALARM_DIGEST_INPUT", header(record, "nats-stream"));
        assertEquals("2021-06-01T00:00:00Z", header(record, "nats-stream-created"));
        assertEquals("42", header(record, "nats-stream-seq"));
        assertEquals("2021-06-07T20:40:15.598765212Z", header(record, "nats-timestamp"));
    }

    @Test
    void shouldTellARequestByItsSubject() {
        Copy copy = records.copyOf(new StreamMessage("SendAlarmDigest", utf8("{\"UserID\":\"u1\"}"), 43, STORED));
        assertEquals("SendAlarmDigest", header(copy.record(), "message-type"));
        assertEquals("u1", copy.record().key());
    }

    @Test
    void shouldDeadLetterAMessageWithoutAUserWithItsProvenance() {
        Copy copy = records.copyOf(new StreamMessage("AlarmStatusChanged", utf8("not json"), 44, STORED));

        assertEquals(DlqReason.NOT_JSON, copy.deadLettered().reason());
        assertEquals(config.topics().deadLetter(), copy.record().topic());
        assertNull(copy.record().key());
        assertArrayEquals(utf8("not json"), copy.record().value());
        assertTrue(header(copy.record(), "dlq-reason").startsWith("not-json: "), header(copy.record(), "dlq-reason"));
        assertEquals("AlarmStatusChanged", header(copy.record(), "dlq-source"));
        assertEquals("44", header(copy.record(), "nats-stream-seq"));
    }

    @Test
    void shouldDeadLetterATooLargeMessageCutToTheLimit() {
        byte[] large = utf8("{\"UserID\":\"u1\",\"x\":\"" + "y".repeat(5_000) + "\"}");
        Copy copy = records.copyOf(new StreamMessage("AlarmStatusChanged", large, 45, STORED));

        assertEquals(DlqReason.TOO_LARGE, copy.deadLettered().reason());
        assertEquals(2048, copy.record().value().length);
        assertEquals(Integer.toString(large.length), header(copy.record(), "dlq-truncated-from"));
    }

    @Test
    void shouldDeadLetterAMessageOfAnotherSubjectWithoutAType() {
        Copy copy = records.copyOf(new StreamMessage("Elsewhere", utf8(EVENT), 46, STORED));

        assertEquals(DlqReason.UNKNOWN_SUBJECT, copy.deadLettered().reason());
        assertNull(copy.record().headers().lastHeader("message-type"));
    }

    @Test
    void shouldDeadLetterWhatKafkaRefusedAsAnExcerpt() {
        byte[] payload = utf8(EVENT.repeat(3_000));
        Copy copy = records.refusedByKafka(new StreamMessage("AlarmStatusChanged", payload, 47, STORED),
            "RecordTooLargeException");

        assertEquals(DlqReason.KAFKA_REFUSED, copy.deadLettered().reason());
        assertEquals(InputRecords.REFUSED_EXCERPT_BYTES, copy.record().value().length);
        assertEquals("AlarmStatusChanged", header(copy.record(), "message-type"), "its type is kept");
    }

    @Test
    void shouldWriteThePositionUnderTheStreamNameInTheOnePartition() {
        StreamPosition position = new StreamPosition("ALARM_DIGEST_INPUT", "2021-06-01T00:00:00Z", 47,
            "2021-06-07T20:40:15.598765212Z");
        ProducerRecord<String, byte[]> record = records.position(position);

        assertEquals(config.topics().ingressPosition(), record.topic());
        assertEquals(0, record.partition());
        assertEquals("ALARM_DIGEST_INPUT", record.key());
        assertArrayEquals(position.value(), record.value());
    }

    private static String header(ProducerRecord<String, byte[]> record, String key) {
        Header header = record.headers().lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
