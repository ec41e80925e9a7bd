package io.alarmdigest.processor.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.alarmdigest.processor.config.ProcessorConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The digest rules of the contract (rules 1, 2, 4, 6, 7), one event sequence each, through the production topology.
 * Alarms are written "AlarmID=STATUS@LatestChangedAt".
 */
class DigestRulesTest {
    private static final String USER = "e859dab9-66d4-4bf4-a578-113d223b94f0";
    private static final String OTHER_USER = "0b0a5b2e-2b7e-4a3d-9a39-1c3c4a0f8e11";
    private static final String A = "e36a6c22-ece6-46eb-9016-9303273edbfe";
    private static final String B = "29f717c1-70b8-4f42-b2f5-89bf21f560e9";
    private static final String T1 = "2021-06-07T20:40:15.598765212Z";
    private static final String T2 = "2021-06-07T21:23:01.828161292Z";
    private static final String T3 = "2021-06-07T22:00:00Z";

    private DigestDriver digests = new DigestDriver();

    @AfterEach
    void close() {
        digests.close();
    }

    @Test
    void shouldReproduceTheContractExampleByteForByte() {
        digests.event(USER, A, "WARNING", T1).event(USER, B, "CRITICAL", T2);
        digests.request(USER);
        DigestDriver.Part part = digests.readOnlyDigest();
        assertEquals("{\"UserID\":\"" + USER + "\",\"ActiveAlarms\":["
            + "{\"AlarmID\":\"" + A + "\",\"Status\":\"WARNING\",\"LatestChangedAt\":\"" + T1 + "\"},"
            + "{\"AlarmID\":\"" + B + "\",\"Status\":\"CRITICAL\",\"LatestChangedAt\":\"" + T2 + "\"}]}", part.text());
        assertEquals(USER, part.key());
        assertEquals(1, part.part());
        assertEquals(1, part.parts());
    }

    @Test
    void shouldListASingleActiveAlarm() {
        digests.event(USER, A, "CRITICAL", T1);
        assertEquals(List.of(A + "=CRITICAL@" + T1), digests.digestOf(USER));
    }

    @Test
    void shouldListTheLatestStatusAfterAnUpdate() {
        digests.event(USER, A, "WARNING", T1).event(USER, A, "CRITICAL", T2);
        assertEquals(List.of(A + "=CRITICAL@" + T2), digests.digestOf(USER));
    }

    @Test
    void shouldLetTheLatestChangeWinWhenEventsArriveOutOfOrder() {
        digests.event(USER, A, "CRITICAL", T2).event(USER, A, "WARNING", T1);
        assertEquals(List.of(A + "=CRITICAL@" + T2), digests.digestOf(USER));
    }

    @Test
    void shouldMoveLatestChangedAtWhenTheSameStatusIsReportedAgainLater() {
        // The later report is the higher version, so it is the event that set the current status.
        digests.event(USER, A, "WARNING", T1).event(USER, A, "WARNING", T2);
        assertEquals(List.of(A + "=WARNING@" + T2), digests.digestOf(USER));
    }

    @Test
    void shouldFollowAnAlarmBackAndForth() {
        digests.event(USER, A, "WARNING", T1).event(USER, A, "CRITICAL", T2).event(USER, A, "WARNING", T3);
        assertEquals(List.of(A + "=WARNING@" + T3), digests.digestOf(USER));
    }

    @Test
    void shouldOmitACleared() {
        digests.event(USER, A, "CRITICAL", T1).event(USER, A, "CLEARED", T2).event(USER, B, "WARNING", T1);
        assertEquals(List.of(B + "=WARNING@" + T1), digests.digestOf(USER));
    }

    @Test
    void shouldOmitAClearedWhoseEarlierRaiseArrivesLate() {
        digests.event(USER, A, "CLEARED", T2).event(USER, A, "CRITICAL", T1);
        assertEquals(List.of(), digests.digestOf(USER));
    }

    @Test
    void shouldNotRepeatAnAlarmThatDidNotChange() {
        digests.event(USER, A, "CRITICAL", T1);
        assertEquals(List.of(A + "=CRITICAL@" + T1), digests.digestOf(USER));
        assertEquals(List.of(), digests.digestOf(USER));
    }

    @Test
    void shouldNotRepeatACriticalMerelyReportedAgain() {
        digests.event(USER, A, "CRITICAL", T1);
        assertEquals(List.of(A + "=CRITICAL@" + T1), digests.digestOf(USER));
        digests.event(USER, A, "CRITICAL", T2);
        assertEquals(List.of(), digests.digestOf(USER));
    }

    @Test
    void shouldResendAnAlarmThatClearedAndCameBack() {
        digests.event(USER, A, "CRITICAL", T1);
        assertEquals(List.of(A + "=CRITICAL@" + T1), digests.digestOf(USER));
        digests.event(USER, A, "CLEARED", T2);
        assertEquals(List.of(), digests.digestOf(USER));
        digests.event(USER, A, "CRITICAL", T3);
        assertEquals(List.of(A + "=CRITICAL@" + T3), digests.digestOf(USER));
    }

    @Test
    void shouldResendAClearAndReraiseThatHappenedBetweenTwoDigests() {
        digests.event(USER, A, "CRITICAL", T1);
        assertEquals(List.of(A + "=CRITICAL@" + T1), digests.digestOf(USER));
        digests.event(USER, A, "CRITICAL", T3).event(USER, A, "CLEARED", T2);
        assertEquals(List.of(A + "=CRITICAL@" + T3), digests.digestOf(USER));
    }

    @Test
    void shouldResendOnEscalation() {
        digests.event(USER, A, "WARNING", T1);
        assertEquals(List.of(A + "=WARNING@" + T1), digests.digestOf(USER));
        digests.event(USER, A, "CRITICAL", T2);
        assertEquals(List.of(A + "=CRITICAL@" + T2), digests.digestOf(USER));
    }

    @Test
    void shouldResendWhenAnIntermediateStatusArrivesLate() {
        digests.event(USER, A, "CRITICAL", T1);
        assertEquals(List.of(A + "=CRITICAL@" + T1), digests.digestOf(USER));
        digests.event(USER, A, "CRITICAL", T3);
        assertEquals(List.of(), digests.digestOf(USER));
        // WARNING at T2 lies between the delivered CRITICAL@T1 and the current CRITICAL@T3: the alarm did change.
        digests.event(USER, A, "WARNING", T2);
        assertEquals(List.of(A + "=CRITICAL@" + T3), digests.digestOf(USER));
    }

    @Test
    void shouldNotResendForAnUpdateOlderThanTheDeliveredOne() {
        digests.event(USER, A, "CRITICAL", T2);
        assertEquals(List.of(A + "=CRITICAL@" + T2), digests.digestOf(USER));
        digests.event(USER, A, "WARNING", T1).event(USER, A, "CLEARED", T1);
        assertEquals(List.of(), digests.digestOf(USER));
    }

    @Test
    void shouldIgnoreRedeliveredEvents() {
        digests.event(USER, A, "WARNING", T1).event(USER, A, "WARNING", T1).event(USER, A, "WARNING", T1);
        assertEquals(List.of(A + "=WARNING@" + T1), digests.digestOf(USER));
        digests.event(USER, A, "WARNING", T1);
        assertEquals(List.of(), digests.digestOf(USER));
    }

    @Test
    void shouldAnswerARedeliveredRequestOnlyOnce() {
        digests.event(USER, A, "WARNING", T1);
        digests.requestWithIdentity(USER, 42);
        DigestDriver.Part first = digests.readOnlyDigest();
        assertEquals(List.of(A + "=WARNING@" + T1), first.alarms());
        assertEquals("ALARMS:2021-06-01T00:00:00.5Z:42", first.digestId());

        digests.event(USER, B, "CRITICAL", T2);
        digests.requestWithIdentity(USER, 42);
        assertTrue(digests.noMoreDigests(), "a redelivered request must not yield a second digest");
        assertEquals(List.of(B + "=CRITICAL@" + T2), digests.digestOf(USER), "nothing was marked by the duplicate");
        assertEquals(1.0, Metrics.total(digests, ProcessorMetrics.DUPLICATE_REQUESTS));
    }

    @Test
    void shouldAnswerARequestAgainOnceTheDedupeWindowHasPassed() {
        digests.close();
        digests = new DigestDriver(Map.of(ProcessorConfig.REQUEST_DEDUPE_WINDOW_MS, 60_000L));
        long seq = digests.request(USER);
        assertEquals(1, digests.readParts().size());
        // A redelivery with the stored time of the original, long after: the window is counted in stream time.
        long original = digests.nowMs();
        digests.advance(10 * 60_000L).request(OTHER_USER);
        digests.readParts();
        digests.at(original - DigestDriver.STEP_MS).requestWithIdentity(USER, seq);
        assertEquals(1, digests.readParts().size(), "outside the window a redelivery is answered again");
    }

    @Test
    void shouldRememberARequestThatWaitedLongerThanTheWindowInItsTopic() {
        digests.close();
        digests = new DigestDriver(Map.of(ProcessorConfig.REQUEST_DEDUPE_WINDOW_MS, 60_000L));
        digests.event(USER, A, "WARNING", T1);
        long storedAt = digests.nowMs();
        // Events moved stream time an hour on; the request, stored long before, is taken in only now.
        digests.advance(3_600_000L).event(OTHER_USER, B, "WARNING", T1);
        digests.at(storedAt).requestWithIdentity(USER, 77);
        assertEquals(List.of(A + "=WARNING@" + T1), digests.readOnlyDigest().alarms());
        digests.event(USER, B, "CRITICAL", T2);
        digests.at(storedAt).requestWithIdentity(USER, 77);
        assertTrue(digests.noMoreDigests(), "its redelivery is recognised: the window runs from the answer");
    }

    @Test
    void shouldIdentifyRequestsWithoutANatsIdentityByTheirKafkaPosition() {
        digests.requestRaw(USER, DigestDriver.bytes("{\"UserID\":\"" + USER + "\"}"), new RecordHeaders());
        digests.requestRaw(USER, DigestDriver.bytes("{\"UserID\":\"" + USER + "\"}"), new RecordHeaders());
        List<DigestDriver.Part> parts = digests.readParts();
        assertEquals(2, parts.size(), "without a NATS identity every record is a request of its own");
        assertEquals("kafka:alarm-digest-input:0:0", parts.get(0).digestId());
        assertEquals("kafka:alarm-digest-input:0:1", parts.get(1).digestId());
    }

    @Test
    void shouldNormalizeTheStreamCreationTimeInTheDigestId() {
        digests.requestRaw(USER, DigestDriver.bytes("{\"UserID\":\"" + USER + "\"}"), new RecordHeaders()
            .add(RequestIdentity.STREAM_HEADER, DigestDriver.bytes("ALARMS"))
            .add(RequestIdentity.STREAM_CREATED_HEADER, DigestDriver.bytes("2021-06-01T02:00:00.500+02:00"))
            .add(RequestIdentity.STREAM_SEQ_HEADER, DigestDriver.bytes("7")));
        assertEquals("ALARMS:2021-06-01T00:00:00.5Z:7", digests.readOnlyDigest().digestId());
    }

    @Test
    void shouldKeepTwoUsersWithTheSameAlarmIdApart() {
        digests.event(USER, A, "WARNING", T1).event(OTHER_USER, A, "CRITICAL", T2);
        assertEquals(List.of(A + "=WARNING@" + T1), digests.digestOf(USER));
        digests.event(OTHER_USER, A, "CLEARED", T3);
        assertEquals(List.of(), digests.digestOf(OTHER_USER));
        digests.event(USER, A, "CRITICAL", T3);
        assertEquals(List.of(A + "=CRITICAL@" + T3), digests.digestOf(USER));
    }

    @Test
    void shouldNotConfuseAUserWhoseIdIsAPrefixOfAnother() {
        digests.event("u", "1", "WARNING", T1).event("u1", "x", "CRITICAL", T1).event("u\u0000", "y", "WARNING", T1);
        assertEquals(List.of("1=WARNING@" + T1), digests.digestOf("u"));
        assertEquals(List.of("x=CRITICAL@" + T1), digests.digestOf("u1"));
    }

    @Test
    void shouldSortAThousandAlarmsOldestFirst() {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(7));
        Instant base = Instant.parse(T1);
        for (int i : order) {
            digests.event(USER, String.format("alarm-%04d", i), i % 2 == 0 ? "WARNING" : "CRITICAL",
                base.plusMillis(1000L * (999 - i)).toString());
        }
        List<String> listed = digests.digestOf(USER);
        assertEquals(1000, listed.size());
        for (int i = 0; i < 1000; i++) {
            int alarm = 999 - i;
            assertTrue(listed.get(i).startsWith(String.format("alarm-%04d=", alarm)), listed.get(i));
        }
    }

    @Test
    void shouldBreakTiesByAlarmIdAsUtf8Bytes() {
        // Java's UTF-16 order puts U+1F600 (surrogates D83D DE00) before U+FF21; UTF-8 byte order puts it last
        // (F0 9F 98 80 after EF BC A1). "é" (C3 A9) sorts after "z" (7A) either way.
        digests.event(USER, "\uD83D\uDE00", "WARNING", T1).event(USER, "\uFF21", "WARNING", T1)
            .event(USER, "z", "WARNING", T1).event(USER, "é", "WARNING", T1).event(USER, "Z", "WARNING", T1);
        assertEquals(List.of("Z", "z", "é", "\uFF21", "\uD83D\uDE00"),
            digests.digestOf(USER).stream().map(a -> a.substring(0, a.indexOf('='))).toList());
    }

    @Test
    void shouldBreakAChangedAtTieBySeverity() {
        digests.event(USER, A, "CRITICAL", T1).event(USER, A, "CLEARED", T1).event(USER, A, "WARNING", T1);
        assertEquals(List.of(A + "=CRITICAL@" + T1), digests.digestOf(USER));
        digests.event(USER, B, "WARNING", T1).event(USER, B, "CLEARED", T1);
        assertEquals(List.of(B + "=WARNING@" + T1), digests.digestOf(USER));
    }

    @Test
    void shouldCompareTimesAsInstantsAcrossOffsetsAndPrecisions() {
        // The same instant three ways, then a later one by one nanosecond in another zone.
        digests.event(USER, A, "WARNING", "2021-06-07T22:40:15.5987652+02:00")
            .event(USER, A, "CRITICAL", "2021-06-07T20:40:15.598765200Z")
            .event(USER, A, "WARNING", "2021-06-07T16:40:15.59876520-04:00");
        assertEquals(List.of(A + "=CRITICAL@2021-06-07T20:40:15.5987652Z"), digests.digestOf(USER));
        digests.event(USER, A, "WARNING", "2021-06-08T05:40:15.598765201+09:00");
        assertEquals(List.of(A + "=WARNING@2021-06-07T20:40:15.598765201Z"), digests.digestOf(USER));
        digests.event(USER, B, "WARNING", "2021-06-07t20:40:15z");
        assertEquals(List.of(B + "=WARNING@2021-06-07T20:40:15Z"), digests.digestOf(USER));
    }

    @Test
    void shouldAcceptFieldNamesAndStatusInAnyCase() {
        digests.eventJson(USER, "{\"alarmId\":\"" + A + "\",\"userid\":\"" + USER
            + "\",\"STATUS\":\"warning\",\"changedAt\":\"" + T1 + "\",\"Severity\":{\"nested\":[1,2]}}");
        digests.requestRaw(USER, DigestDriver.bytes("{\"userId\":\"" + USER + "\",\"extra\":null}"),
            new RecordHeaders());
        assertEquals(List.of(A + "=WARNING@" + T1), digests.readOnlyDigest().alarms());
        assertTrue(digests.readDeadLetters().isEmpty());
    }

    @Test
    void shouldSendNothingForAnEmptyDigestWhenEmptyDigestsAreOff() {
        digests.close();
        digests = new DigestDriver(Map.of(ProcessorConfig.EMPTY_DIGESTS, "false"));
        digests.request(USER);
        assertTrue(digests.noMoreDigests());
        digests.event(USER, A, "WARNING", T1);
        assertEquals(List.of(A + "=WARNING@" + T1), digests.digestOf(USER));
    }

    @Test
    void shouldStampTheDigestWithTheRequestTime() {
        digests.event(USER, A, "WARNING", T1);
        digests.request(USER);
        DigestDriver.Part part = digests.readOnlyDigest();
        assertEquals(digests.nowMs(), part.timestamp());
    }
}
