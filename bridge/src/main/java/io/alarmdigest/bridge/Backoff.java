package io.alarmdigest.bridge;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with jitter, from 100 ms up to a maximum; {@link #reset()} after a success. */
final class Backoff {
    private static final long INITIAL_MS = 100;

    private final long maxMs;
    private long nextMs = INITIAL_MS;

    Backoff(Duration max) {
        this.maxMs = Math.max(INITIAL_MS, max.toMillis());
    }

    /** The next delay: doubles each time, with up to 20% jitter so that instances do not retry in step. */
    Duration next() {
        long delay = nextMs;
        nextMs = Math.min(maxMs, nextMs * 2);
        long jitter = ThreadLocalRandom.current().nextLong(delay / 5 + 1);
        return Duration.ofMillis(Math.min(maxMs, delay + jitter));
    }

    void reset() {
        nextMs = INITIAL_MS;
    }
}
