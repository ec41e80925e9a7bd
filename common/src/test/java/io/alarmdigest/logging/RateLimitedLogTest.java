package io.alarmdigest.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** A problem that repeats is logged once per interval and kind, with the count of those left out. */
class RateLimitedLogTest {
    private final MockTime time = new MockTime();
    private final Lines lines = new Lines();
    private final RateLimitedLog log = new RateLimitedLog(lines, time);

    @Test
    void shouldLogTheFirstOfAKindAndCountTheRestUntilTheIntervalPassed() {
        log.warn("commit", "could not commit: {}", "timeout");
        time.sleep(4_000);
        log.warn("commit", "could not commit: {}", "timeout");
        log.warn("commit", "could not commit: {}", "timeout");
        assertEquals(List.of("could not commit: timeout"), lines.logged);

        time.sleep(6_000);
        log.warn("commit", "could not commit: {}", "rebalance");
        assertEquals(List.of("could not commit: timeout", "could not commit: rebalance (2 more like it in the last 10 s)"),
            lines.logged);
    }

    @Test
    void shouldLimitEachKindOnItsOwn() {
        log.warn("commit", "could not commit");
        log.warn("publish", "could not publish");
        log.warn("commit", "could not commit");
        assertEquals(List.of("could not commit", "could not publish"), lines.logged);
    }

    /** A logger that keeps the warnings it was given, formatted. */
    private static final class Lines extends LegacyAbstractLogger {
        final List<String> logged = new ArrayList<>();

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String message, Object[] arguments,
                                                   Throwable throwable) {
            logged.add(MessageFormatter.basicArrayFormat(message, arguments));
        }

        @Override
        public boolean isTraceEnabled() {
            return true;
        }

        @Override
        public boolean isDebugEnabled() {
            return true;
        }

        @Override
        public boolean isInfoEnabled() {
            return true;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }
    }
}
