package io.alarmdigest.processor.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.alarmdigest.processor.config.ProcessorConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Contract rule 11: a digest over the size limit is split into consecutive, complete parts, never cut. */
class SplitDigestTest {
    private static final int LIMIT = 16 * 1024;
    private static final String USER = "user-with-many-alarms";

    private final DigestDriver digests = new DigestDriver(Map.of(ProcessorConfig.DIGEST_MAX_BYTES, LIMIT));

    @AfterEach
    void close() {
        digests.close();
    }

    @Test
    void shouldSplitABigDigestIntoOrderedPartsUnderTheLimit() {
        Instant base = Instant.parse("2021-06-07T20:40:15.598765212Z");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            String alarm = String.format("alarm-%04d-%s", i, "x".repeat(i % 50));
            String changedAt = base.plusSeconds(i).toString();
            digests.event(USER, alarm, "CRITICAL", changedAt);
            expected.add(alarm + "=CRITICAL@" + changedAt);
        }
        digests.request(USER);
        List<DigestDriver.Part> parts = digests.readParts();

        assertTrue(parts.size() > 5, "1,000 alarms of ~100 bytes take several 16 KiB parts: " + parts.size());
        List<String> listed = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            DigestDriver.Part part = parts.get(i);
            assertEquals(i + 1, part.part());
            assertEquals(parts.size(), part.parts());
            assertEquals(parts.get(0).digestId(), part.digestId());
            assertEquals(USER, part.key());
            assertEquals(USER, part.userId(), "every part is a complete AlarmDigest");
            assertTrue(part.value().length <= LIMIT, "part " + (i + 1) + " has " + part.value().length + " bytes");
            assertTrue(!part.alarms().isEmpty(), "no empty part");
            listed.addAll(part.alarms());
        }
        assertEquals(expected, listed, "the parts hold every alarm once, in order");
        assertTrue(parts.get(0).value().length > LIMIT - 200, "parts are filled up to the limit");
        assertEquals(List.of(), digests.digestOf(USER), "every alarm of every part was marked delivered");
    }

    @Test
    void shouldFitTheLargestPossibleAlarmInTheSmallestLimit() {
        String id = "\u0001".repeat(256); // 256 bytes that JSON escapes to 6 bytes each
        digests.event(id, id, "WARNING", "2021-06-07T20:40:15.598765212+14:00");
        digests.request(id);
        List<DigestDriver.Part> parts = digests.readParts();
        assertEquals(1, parts.size());
        assertEquals(1, parts.get(0).alarms().size());
        assertTrue(parts.get(0).value().length > 3000 && parts.get(0).value().length <= LIMIT);
    }
}
