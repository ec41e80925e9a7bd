package io.alarmdigest.processor.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.alarmdigest.processor.config.ProcessorConfig;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Contract rule 9: every kind of bad input goes to the dead-letter topic with its reason and source, is counted,
 * and processing goes on with the next record.
 */
class BadInputTest {
    private static final String USER = "u-1";
    private static final String GOOD_TIME = "2021-06-07T20:40:15.598765212Z";

    private final DigestDriver digests = new DigestDriver();

    @AfterEach
    void close() {
        digests.close();
    }

    static Stream<Arguments> badEvents() {
        String longId = "x".repeat(257);
        String longUtf8 = "é".repeat(129); // 258 bytes in 129 characters
        return Stream.of(
            Arguments.of("not JSON", "hello", "not-json"),
            Arguments.of("truncated JSON", "{\"UserID\":\"u-1\"", "not-json"),
            Arguments.of("trailing data", event("a", "WARNING", GOOD_TIME) + " {}", "not-json"),
            Arguments.of("array", "[" + event("a", "WARNING", GOOD_TIME) + "]", "not-an-object"),
            Arguments.of("string", "\"u-1\"", "not-an-object"),
            Arguments.of("number", "42", "not-an-object"),
            Arguments.of("null", "null", "not-an-object"),
            Arguments.of("missing UserID", "{\"AlarmID\":\"a\",\"Status\":\"WARNING\",\"ChangedAt\":\"" + GOOD_TIME
                + "\"}", "missing-field"),
            Arguments.of("missing AlarmID", "{\"UserID\":\"u-1\",\"Status\":\"WARNING\",\"ChangedAt\":\"" + GOOD_TIME
                + "\"}", "missing-field"),
            Arguments.of("missing Status", "{\"UserID\":\"u-1\",\"AlarmID\":\"a\",\"ChangedAt\":\"" + GOOD_TIME
                + "\"}", "missing-field"),
            Arguments.of("missing ChangedAt", "{\"UserID\":\"u-1\",\"AlarmID\":\"a\",\"Status\":\"WARNING\"}",
                "missing-field"),
            Arguments.of("duplicate field in two cases", "{\"UserID\":\"u-1\",\"userId\":\"u-1\",\"AlarmID\":\"a\","
                + "\"Status\":\"WARNING\",\"ChangedAt\":\"" + GOOD_TIME + "\"}", "duplicate-field"),
            Arguments.of("duplicate field, same case", "{\"UserID\":\"u-1\",\"AlarmID\":\"a\",\"AlarmID\":\"b\","
                + "\"Status\":\"WARNING\",\"ChangedAt\":\"" + GOOD_TIME + "\"}", "duplicate-field"),
            Arguments.of("number for a string", "{\"UserID\":\"u-1\",\"AlarmID\":7,\"Status\":\"WARNING\","
                + "\"ChangedAt\":\"" + GOOD_TIME + "\"}", "wrong-type"),
            Arguments.of("null for a string", "{\"UserID\":\"u-1\",\"AlarmID\":null,\"Status\":\"WARNING\","
                + "\"ChangedAt\":\"" + GOOD_TIME + "\"}", "wrong-type"),
            Arguments.of("object for a string", "{\"UserID\":{\"id\":\"u-1\"},\"AlarmID\":\"a\",\"Status\":\"WARNING\","
                + "\"ChangedAt\":\"" + GOOD_TIME + "\"}", "wrong-type"),
            Arguments.of("empty AlarmID", event("", "WARNING", GOOD_TIME), "bad-id"),
            Arguments.of("AlarmID of 257 bytes", event(longId, "WARNING", GOOD_TIME), "bad-id"),
            Arguments.of("AlarmID of 258 UTF-8 bytes", event(longUtf8, "WARNING", GOOD_TIME), "bad-id"),
            Arguments.of("unknown status", event("a", "MAJOR", GOOD_TIME), "bad-status"),
            Arguments.of("status with a dotless i", event("a", "warn\u0131ng", GOOD_TIME), "bad-status"),
            Arguments.of("AlarmID with a lone surrogate", "{\"AlarmID\":\"a\\ud800\",\"UserID\":\"" + USER
                + "\",\"Status\":\"WARNING\",\"ChangedAt\":\"" + GOOD_TIME + "\"}", "bad-id"),
            Arguments.of("empty status", event("a", "", GOOD_TIME), "bad-status"),
            Arguments.of("time without offset", event("a", "WARNING", "2021-06-07T20:40:15"), "bad-time"),
            Arguments.of("time without seconds", event("a", "WARNING", "2021-06-07T20:40Z"), "bad-time"),
            Arguments.of("date only", event("a", "WARNING", "2021-06-07"), "bad-time"),
            Arguments.of("ten fraction digits", event("a", "WARNING", "2021-06-07T20:40:15.1234567890Z"), "bad-time"),
            Arguments.of("February 30th", event("a", "WARNING", "2021-02-30T20:40:15Z"), "bad-time"),
            Arguments.of("hour 24", event("a", "WARNING", "2021-06-07T24:00:00Z"), "bad-time"),
            Arguments.of("epoch number as string", event("a", "WARNING", "1623098415"), "bad-time"),
            Arguments.of("offset with seconds", event("a", "WARNING", "2021-06-07T20:40:15+02:00:30"), "bad-time"),
            Arguments.of("year beyond 9999 in UTC", event("a", "WARNING", "9999-12-31T23:00:00-02:00"), "bad-time"),
            Arguments.of("deep nesting", "{\"UserID\":\"u-1\",\"x\":" + "[".repeat(500) + "]".repeat(500) + "}",
                "not-json"));
    }

    private static String event(String alarm, String status, String changedAt) {
        return "{\"AlarmID\":" + DigestDriver.quote(alarm) + ",\"UserID\":\"" + USER + "\",\"Status\":"
            + DigestDriver.quote(status) + ",\"ChangedAt\":" + DigestDriver.quote(changedAt) + "}";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badEvents")
    void shouldDeadLetterABadEventWithItsReasonAndKeepGoing(String what, String payload, String reason) {
        digests.eventJson(USER, payload);
        digests.event(USER, "good", "WARNING", GOOD_TIME);

        List<TestRecord<String, byte[]>> dead = digests.readDeadLetters();
        assertEquals(1, dead.size(), what);
        assertDeadLetter(dead.get(0), payload.getBytes(StandardCharsets.UTF_8), reason, "alarm-digest-input/0/0");
        assertEquals(1.0, Metrics.total(digests, ProcessorMetrics.DEAD_LETTERS));
        assertEquals(List.of("good=WARNING@" + GOOD_TIME), digests.digestOf(USER), "the next record is processed");
    }

    @Test
    void shouldDeadLetterInvalidUtf8() {
        byte[] payload = event("a\u00ff", "WARNING", GOOD_TIME).getBytes(StandardCharsets.ISO_8859_1);
        digests.eventBytes(USER, payload);
        assertDeadLetter(digests.readDeadLetters().get(0), payload, "not-json", "alarm-digest-input/0/0");
    }

    @Test
    void shouldDeadLetterUtf16EvenWhenItWouldParse() {
        byte[] payload = event("a", "WARNING", GOOD_TIME).getBytes(StandardCharsets.UTF_16BE);
        digests.eventBytes(USER, payload);
        assertDeadLetter(digests.readDeadLetters().get(0), payload, "not-json", "alarm-digest-input/0/0");
        assertEquals(List.of(), digests.digestOf(USER));
    }

    @Test
    void shouldDeadLetterAnEmptyOrMissingValue() {
        digests.eventBytes(USER, new byte[0]);
        digests.eventBytes(USER, null);
        List<TestRecord<String, byte[]>> dead = digests.readDeadLetters();
        assertEquals(2, dead.size());
        assertTrue(DigestDriver.header(dead.get(1).headers(), "dlq-reason").startsWith("not-json: "));
    }

    @Test
    void shouldDeadLetterAnEventKeyedByAnotherUser() {
        String payload = event("a", "WARNING", GOOD_TIME);
        digests.eventJson("someone-else", payload);
        digests.eventJson(null, payload);
        List<TestRecord<String, byte[]>> dead = digests.readDeadLetters();
        assertEquals(2, dead.size());
        assertDeadLetter(dead.get(0), payload.getBytes(StandardCharsets.UTF_8), "key-mismatch",
            "alarm-digest-input/0/0");
        assertEquals("someone-else", dead.get(0).key());
        assertEquals(List.of(), digests.digestOf(USER), "a misrouted event changes no state");
    }

    @Test
    void shouldDeadLetterBadRequestsWithoutAnswering() {
        digests.requestRaw(USER, DigestDriver.bytes("{\"userID\":\"\"}"), new RecordHeaders());
        digests.requestRaw(USER, DigestDriver.bytes("{\"UserID\":\"other\"}"), new RecordHeaders());
        digests.requestRaw(USER, DigestDriver.bytes("{}"), new RecordHeaders());
        digests.requestRaw(USER, DigestDriver.bytes("{\"UserID\":\"" + USER + "\"}"), new RecordHeaders()
            .add(RequestIdentity.STREAM_HEADER, DigestDriver.bytes("ALARMS")));
        digests.requestRaw(USER, DigestDriver.bytes("{\"UserID\":\"" + USER + "\"}"), new RecordHeaders()
            .add(RequestIdentity.STREAM_HEADER, DigestDriver.bytes("ALARMS"))
            .add(RequestIdentity.STREAM_CREATED_HEADER, DigestDriver.bytes("yesterday"))
            .add(RequestIdentity.STREAM_SEQ_HEADER, DigestDriver.bytes("1")));
        List<TestRecord<String, byte[]>> dead = digests.readDeadLetters();
        assertEquals(List.of("bad-id", "key-mismatch", "missing-field", "bad-request-identity", "bad-request-identity"),
            dead.stream().map(r -> code(DigestDriver.header(r.headers(), "dlq-reason"))).toList());
        assertEquals("alarm-digest-input/0/4", DigestDriver.header(dead.get(4).headers(), "dlq-source"));
        assertTrue(digests.noMoreDigests());
        assertEquals(5.0, Metrics.total(digests, ProcessorMetrics.DEAD_LETTERS));
    }

    @Test
    void shouldKeepADeadLetterWholeWhateverTheDigestPartSize() {
        try (DigestDriver small = new DigestDriver(Map.of(ProcessorConfig.DIGEST_MAX_BYTES, 16 * 1024))) {
            byte[] payload = ("{\"UserID\":\"" + "x".repeat(20_000) + "\"}").getBytes(StandardCharsets.UTF_8);
            small.eventBytes(USER, payload);
            small.requestRaw(USER, payload, new RecordHeaders());
            for (TestRecord<String, byte[]> dead : small.readDeadLetters()) {
                assertArrayEquals(payload, dead.value());
                assertNull(dead.headers().lastHeader("dlq-truncated-from"));
            }
        }
    }

    @Test
    void shouldTruncateADeadLetterTooBigForAProducerRequest() {
        try (DigestDriver small = new DigestDriver(Map.of(ProcessorConfig.DIGEST_MAX_BYTES, 16 * 1024,
            "producer.max.request.size", 64 * 1024))) {
            byte[] payload = ("{\"UserID\":\"" + "x".repeat(60_000) + "\"}").getBytes(StandardCharsets.UTF_8);
            small.eventBytes(USER, payload);
            TestRecord<String, byte[]> dead = small.readDeadLetters().get(0);
            assertEquals(48 * 1024, dead.value().length, "64 KiB request less 16 KiB for key and headers");
            assertEquals(Integer.toString(payload.length), DigestDriver.header(dead.headers(), "dlq-truncated-from"));
            assertEquals("missing-field", code(DigestDriver.header(dead.headers(), "dlq-reason")));
        }
    }

    @Test
    void shouldKeepTheOriginalHeadersOnADeadLetter() {
        digests.requestRaw(USER, DigestDriver.bytes("not json"), new RecordHeaders()
            .add("nats-subject", DigestDriver.bytes("SendAlarmDigest")));
        TestRecord<String, byte[]> dead = digests.readDeadLetters().get(0);
        assertEquals("SendAlarmDigest", DigestDriver.header(dead.headers(), "nats-subject"));
    }

    @Test
    void shouldDeadLetterAnInputRecordWithoutAMessageType() {
        byte[] payload = event("a", "WARNING", GOOD_TIME).getBytes(StandardCharsets.UTF_8);
        digests.inputRaw(USER, payload, new RecordHeaders().add("nats-subject", DigestDriver.bytes("AlarmStatusChanged")));
        TestRecord<String, byte[]> dead = digests.readDeadLetters().get(0);
        assertDeadLetter(dead, payload, "unknown-message-type", "alarm-digest-input/0/0");
        assertTrue(DigestDriver.header(dead.headers(), "dlq-reason").contains("no message-type header"));
        assertEquals("AlarmStatusChanged", DigestDriver.header(dead.headers(), "nats-subject"), "provenance kept");
        assertEquals(List.of(), digests.digestOf(USER), "it changed no state");
    }

    @Test
    void shouldDeadLetterAnInputRecordOfAnUnknownMessageType() {
        byte[] request = DigestDriver.bytes("{\"UserID\":\"" + USER + "\"}");
        // The subject's name is not a message type, and the header is matched exactly.
        for (String type : List.of("SendAlarmDigests", "sendalarmdigest", "")) {
            digests.inputRaw(USER, request, new RecordHeaders().add("message-type", DigestDriver.bytes(type)));
        }
        List<TestRecord<String, byte[]>> dead = digests.readDeadLetters();
        assertEquals(List.of("unknown-message-type", "unknown-message-type", "unknown-message-type"),
            dead.stream().map(r -> code(DigestDriver.header(r.headers(), "dlq-reason"))).toList());
        assertTrue(DigestDriver.header(dead.get(0).headers(), "dlq-reason").contains("\"SendAlarmDigests\""));
        assertTrue(digests.noMoreDigests(), "no digest for a record that is not a request");
        assertEquals(3.0, Metrics.total(digests, ProcessorMetrics.DEAD_LETTERS));
    }

    @Test
    void shouldCountButProcessAnEventFarAheadOfStreamTime() {
        digests.event(USER, "a", "WARNING", GOOD_TIME);
        String farAhead = "2031-06-07T20:40:15Z";
        digests.event(USER, "b", "CRITICAL", farAhead);
        assertEquals(1.0, Metrics.total(digests, ProcessorMetrics.CLOCK_SKEW));
        assertEquals(List.of("a=WARNING@" + GOOD_TIME, "b=CRITICAL@" + farAhead), digests.digestOf(USER));
        assertTrue(digests.readDeadLetters().isEmpty());
    }

    private static void assertDeadLetter(TestRecord<String, byte[]> dead, byte[] payload, String reason,
                                         String source) {
        assertArrayEquals(payload, dead.value(), "the offending bytes as they came");
        String header = DigestDriver.header(dead.headers(), "dlq-reason");
        assertNotNull(header);
        assertEquals(reason, code(header), header);
        assertTrue(header.length() > reason.length() + 10, "a human sentence follows the code: " + header);
        assertEquals(source, DigestDriver.header(dead.headers(), "dlq-source"));
    }

    private static String code(String reasonHeader) {
        return reasonHeader.substring(0, reasonHeader.indexOf(": "));
    }
}
