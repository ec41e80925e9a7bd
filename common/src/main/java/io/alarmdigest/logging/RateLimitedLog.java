package io.alarmdigest.logging;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;

/**
 * Logs a warning per kind of problem at most once per interval, with the count of those left unlogged: during an
 * outage the log says what is wrong every few seconds instead of thousands of times. Thread-safe.
 */
public final class RateLimitedLog {
    private static final long INTERVAL_MS = 10_000;

    private final Logger log;
    private final Time time;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    public RateLimitedLog(Logger log) {
        this(log, Time.SYSTEM);
    }

    public RateLimitedLog(Logger log, Time time) {
        this.log = log;
        this.time = time;
    }

    /**
     * Logs {@code message} (SLF4J {@code {}} placeholders, {@code args}) unless a message of the same {@code kind}
     * was logged less than the interval ago; the next one logged says how many were left out.
     */
    public void warn(String kind, String message, Object... args) {
        Window window = windows.computeIfAbsent(kind, k -> new Window());
        long now = time.milliseconds();
        long last = window.loggedAtMs.get();
        if (last != 0 && now - last < INTERVAL_MS || !window.loggedAtMs.compareAndSet(last, now)) {
            window.suppressed.incrementAndGet();
            return;
        }
        long suppressed = window.suppressed.getAndSet(0);
        if (suppressed > 0) {
            log.warn(message + " ({} more like it in the last {} s)", append(args, suppressed, (now - last) / 1000));
        } else {
            log.warn(message, args);
        }
    }

    private static Object[] append(Object[] args, Object... more) {
        Object[] all = new Object[args.length + more.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return all;
    }

    private static final class Window {
        final AtomicLong loggedAtMs = new AtomicLong();
        final AtomicLong suppressed = new AtomicLong();
    }
}
