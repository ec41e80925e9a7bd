package io.alarmdigest.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nats.client.impl.Headers;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The contract's NATS headers of a published digest part, from its record's headers. */
class DigestMessagesTest {
    @Test
    void shouldCarryTheDigestHeadersAndAMessageIdPerPart() {
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>("alarm-digest", 3, 120, "u1", new byte[0]);
        record.headers().add("digest-id", utf8("ALARM_DIGEST_INPUT:2021-06-01T00:00:00Z:5"))
            .add("digest-part", utf8("2")).add("digest-parts", utf8("3"));

        Headers headers = DigestMessages.headers(record);

        assertEquals("ALARM_DIGEST_INPUT:2021-06-01T00:00:00Z:5", headers.getFirst("Digest-Id"));
        assertEquals("2", headers.getFirst("Digest-Part"));
        assertEquals("3", headers.getFirst("Digest-Parts"));
        assertEquals("ALARM_DIGEST_INPUT:2021-06-01T00:00:00Z:5#2", headers.getFirst("Nats-Msg-Id"));
        assertEquals(headers.getFirst("Nats-Msg-Id"), DigestMessages.messageId(headers));
    }

    @Test
    void shouldNameARecordWithoutDigestHeadersByItsKafkaPosition() {
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>("alarm-digest", 3, 120, "u1", new byte[0]);

        Headers headers = DigestMessages.headers(record);

        assertEquals("kafka:alarm-digest:3:120", headers.getFirst("Digest-Id"));
        assertEquals("1", headers.getFirst("Digest-Part"));
        assertEquals("1", headers.getFirst("Digest-Parts"));
        assertEquals("kafka:alarm-digest:3:120#1", headers.getFirst("Nats-Msg-Id"));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
