package io.alarmdigest.processor.topology;

import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;

/**
 * Logs a warning per kind of problem at most once per interval, with the count of those left unlogged, so that a
 * flood of bad input tells the operator what is wrong without drowning the log. Not thread-safe: one per task.
 */
final class RateLimitedLog {
    private static final long INTERVAL_MS = 10_000;

    private final Logger log;
    private final Map<String, Window> windows = new HashMap<>();

    RateLimitedLog(Logger log) {
        this.log = log;
    }

    /** Logs {@code message} unless a message of {@code kind} was logged less than the interval ago. */
    void warn(String kind, String message) {
        long now = System.currentTimeMillis();
        Window window = windows.computeIfAbsent(kind, k -> new Window());
        if (window.loggedAtMs != 0 && now - window.loggedAtMs < INTERVAL_MS) {
            window.suppressed++;
            return;
        }
        if (window.suppressed > 0) {
            log.warn("{} ({} more of kind {} in the last {} s, not logged)", message, window.suppressed, kind,
                (now - window.loggedAtMs) / 1000);
        } else {
            log.warn(message);
        }
        window.loggedAtMs = now;
        window.suppressed = 0;
    }

    private static final class Window {
        long loggedAtMs;
        long suppressed;
    }
}
