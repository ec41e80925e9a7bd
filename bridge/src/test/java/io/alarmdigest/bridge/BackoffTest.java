package io.alarmdigest.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Waits between retries: from 100 ms, doubling, with up to a fifth more at random, never over the maximum. */
class BackoffTest {
    @Test
    void shouldDoubleFromAHundredMillisecondsUpToTheMaximum() {
        Backoff backoff = new Backoff(Duration.ofMillis(1_000));
        long[] base = {100, 200, 400, 800, 1_000, 1_000};
        for (long expected : base) {
            long wait = backoff.next().toMillis();
            assertTrue(wait >= expected && wait <= Math.min(1_000, expected + expected / 5),
                "expected " + expected + " ms plus at most a fifth, capped at 1000, was " + wait);
        }
    }

    @Test
    void shouldStartOverAfterASuccess() {
        Backoff backoff = new Backoff(Duration.ofSeconds(30));
        backoff.next();
        backoff.next();
        backoff.reset();
        assertTrue(backoff.next().toMillis() <= 120);
    }

    @Test
    void shouldNeverWaitLessThanTheFirstStepEvenWithASmallerMaximum() {
        assertEquals(100, new Backoff(Duration.ofMillis(10)).next().toMillis());
    }
}
