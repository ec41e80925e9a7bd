package io.alarmdigest.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.alarmdigest.model.DlqReason;
import io.alarmdigest.model.InvalidMessageException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** Contract rule 9: a dead letter keeps what came, says why and where from, and always fits a request. */
class DeadLetterTest {
    private static final InvalidMessageException NOT_JSON = new InvalidMessageException(DlqReason.NOT_JSON,
        "the payload is not JSON");

    @Test
    void shouldKeepTheValueAndTheHeadersAndAddReasonAndSource() {
        Headers original = new RecordHeaders().add("nats-subject", utf8("AlarmStatusChanged"));
        DeadLetter letter = DeadLetter.of(original, utf8("{oops"), NOT_JSON, "alarm-digest-input/2/17", 100);

        assertArrayEquals(utf8("{oops"), letter.value());
        assertEquals("AlarmStatusChanged", header(letter.headers(), "nats-subject"));
        assertEquals("not-json: the payload is not JSON", header(letter.headers(), "dlq-reason"));
        assertEquals("alarm-digest-input/2/17", header(letter.headers(), "dlq-source"));
        assertNull(letter.headers().lastHeader("dlq-truncated-from"));
        assertEquals(1, original.toArray().length, "the record's own headers are left as they were");
    }

    @Test
    void shouldCutALargeValueToTheLimitAndSayItsSize() {
        byte[] large = new byte[1_000];
        Arrays.fill(large, (byte) 'x');
        DeadLetter letter = DeadLetter.of(new RecordHeaders(), large, NOT_JSON, "AlarmStatusChanged", 64);

        assertEquals(64, letter.value().length);
        assertEquals("1000", header(letter.headers(), "dlq-truncated-from"));
    }

    @Test
    void shouldReplaceTheDeadLetterHeadersOfARecordThatHadThem() {
        Headers replayed = new RecordHeaders().add("dlq-reason", utf8("bad-id: old")).add("dlq-source", utf8("old"));
        DeadLetter letter = DeadLetter.of(replayed, null, NOT_JSON, "new", 64);

        assertEquals(1, count(letter.headers(), "dlq-reason"));
        assertEquals(1, count(letter.headers(), "dlq-source"));
        assertEquals("new", header(letter.headers(), "dlq-source"));
        assertNull(letter.value());
    }

    @Test
    void shouldKeepTheOriginalSizeOfAnExcerpt() {
        Headers excerpt = new RecordHeaders().add("dlq-truncated-from", utf8("5000"));
        DeadLetter kept = DeadLetter.of(excerpt, new byte[64], NOT_JSON, "again", 64);
        assertEquals("5000", header(kept.headers(), "dlq-truncated-from"), "its value is still an excerpt");

        DeadLetter cut = DeadLetter.of(excerpt, new byte[100], NOT_JSON, "again", 64);
        assertEquals(64, cut.value().length);
        assertEquals(1, count(cut.headers(), "dlq-truncated-from"));
        assertEquals("5000", header(cut.headers(), "dlq-truncated-from"), "the size of the message it came from");
    }

    private static long count(Headers headers, String key) {
        return Arrays.stream(headers.toArray()).filter(h -> h.key().equals(key)).count();
    }

    private static String header(Headers headers, String key) {
        Header header = headers.lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
