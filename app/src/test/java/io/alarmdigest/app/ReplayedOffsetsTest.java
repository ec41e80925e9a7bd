package io.alarmdigest.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;

class ReplayedOffsetsTest {
    @Test
    void shouldStartAtTheBeginningWithNothingReplayed() {
        ReplayedOffsets replayed = ReplayedOffsets.of(null, 5);
        assertTrue(replayed.contains(4), "below the beginning: gone from the topic, nothing to replay");
        assertFalse(replayed.contains(5));
        assertEquals(new OffsetAndMetadata(5, "replayed:"), replayed.commit());
    }

    @Test
    void shouldKeepWhatWasReplayedAboveALetterLeftBehindAsRanges() {
        ReplayedOffsets replayed = ReplayedOffsets.of(null, 0);
        replayed.add(0);
        replayed.add(1);
        // 2 left behind (another reason), 3 to 5 and 7 replayed
        for (long offset : new long[] {3, 4, 5, 7}) {
            replayed.add(offset);
        }
        OffsetAndMetadata commit = replayed.commit();
        assertEquals(new OffsetAndMetadata(2, "replayed:3-5,7"), commit);

        ReplayedOffsets again = ReplayedOffsets.of(commit, 0);
        assertTrue(again.contains(1) && again.contains(3) && again.contains(5) && again.contains(7));
        assertFalse(again.contains(2) || again.contains(6) || again.contains(8));
        again.add(2);
        again.add(6);
        assertEquals(new OffsetAndMetadata(8, "replayed:"), again.commit(), "the gap filled: one offset again");
    }

    @Test
    void shouldPassOverTheTransactionMarkersBetweenLetters() {
        // Letters at 0, 2 and 4 (the dead-letter topic is transactional: a commit marker after each), 2 left behind.
        ReplayedOffsets replayed = ReplayedOffsets.of(null, 0);
        replayed.add(0);
        replayed.passOver(1, 2);
        replayed.passOver(3, 4);
        replayed.add(4);
        replayed.passOver(5, 6);
        assertEquals(new OffsetAndMetadata(2, "replayed:3-5"), replayed.commit());
        replayed.add(2);
        assertEquals(new OffsetAndMetadata(6, "replayed:"), replayed.commit(), "one offset once nothing is left");
    }

    @Test
    void shouldPassOverARangeStartingBelowTheOffset() {
        ReplayedOffsets replayed = ReplayedOffsets.of(new OffsetAndMetadata(3, "replayed:5,9"), 0);
        replayed.passOver(0, 6);
        assertEquals(new OffsetAndMetadata(6, "replayed:9"), replayed.commit());
    }
}
