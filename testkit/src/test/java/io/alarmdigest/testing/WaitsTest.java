package io.alarmdigest.testing;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/** The deadline wait of the integration tests and the harness: one that fails says what it awaited and saw last. */
class WaitsTest {
    @Test
    void shouldReturnTheValueOnceItMatches() {
        AtomicLong polls = new AtomicLong();
        assertEquals(3L, Waits.awaitThat(Duration.ofSeconds(60), "three polls", polls::incrementAndGet,
            equalTo(3L)));
    }

    @Test
    void shouldNameWhatItAwaitedAndTheLastValueWhenTheDeadlinePasses() {
        ConditionTimeoutException failure = assertThrows(ConditionTimeoutException.class,
            () -> Waits.awaitThat(Duration.ofMillis(200), "ingress position", () -> 987L, equalTo(1_000L)));
        assertTrue(failure.getMessage().contains("ingress position"), failure.getMessage());
        assertTrue(failure.getMessage().contains("1000L") && failure.getMessage().contains("987L"),
            failure.getMessage());
    }

    @Test
    void shouldAddTheContextReadAfterTheWaitFailed() {
        AtomicLong reads = new AtomicLong();
        AssertionError failure = assertThrows(AssertionError.class, () -> Waits.awaitThat(Duration.ofMillis(200),
            "never", () -> false, equalTo(true), () -> "context read " + reads.incrementAndGet() + " time(s)"));
        assertTrue(failure.getMessage().contains("never") && failure.getMessage().endsWith("context read 1 time(s)"),
            failure.getMessage());
    }
}
