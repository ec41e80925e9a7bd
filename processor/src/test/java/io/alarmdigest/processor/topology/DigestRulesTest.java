package io.alarmdigest.processor.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The digest rules of the contract (rules 1, 2, 4, 6, 7), one sequence each, through the whole topology. */
class DigestRulesTest {
    private static final String USER = "e859dab9-66d4-4bf4-a578-113d223b94f0";
    private static final String A = "e36a6c22-ece6-46eb-9016-9303273edbfe";
    private static final String B = "29f717c1-70b8-4f42-b2f5-89bf21f560e9";
    private static final String T1 = "2021-06-07T20:40:15.598765212Z";
    private static final String T2 = "2021-06-07T21:23:01.828161292Z";
    private static final String T3 = "2021-06-07T22:00:00Z";

    private final DigestDriver digests = new DigestDriver();

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
    void shouldEmitAnEmptyDigestWhenNothingIsPending() {
        assertEquals(List.of(), digests.digestOf(USER));
        assertTrue(digests.noMoreDigests());
    }
}
