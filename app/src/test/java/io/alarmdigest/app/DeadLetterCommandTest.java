package io.alarmdigest.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.alarmdigest.model.InvalidMessageException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DeadLetterCommandTest {
    private static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");

    @Test
    void shouldReadSinceAsATimeOrAnAge() {
        assertEquals(Instant.parse("2026-12-01T10:00:00Z"), DeadLetterCommand.since("2026-12-01T11:00:00+01:00", NOW));
        assertEquals(Instant.parse("2026-12-03T11:30:00Z"), DeadLetterCommand.since("30m", NOW));
        assertEquals(Instant.parse("2026-12-03T10:00:00Z"), DeadLetterCommand.since("2h", NOW));
        assertEquals(Instant.parse("2026-11-26T12:00:00Z"), DeadLetterCommand.since("7d", NOW));
        assertEquals(Instant.parse("2026-12-03T11:59:15Z"), DeadLetterCommand.since("45s", NOW));
        InvalidMessageException bad = assertThrows(InvalidMessageException.class,
            () -> DeadLetterCommand.since("yesterday", NOW));
        assertEquals(true, bad.getMessage().contains("--since"), bad.getMessage());
    }
}
