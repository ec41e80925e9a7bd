package io.alarmdigest.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Every log line of this JVM while it is started, the service's own loggers at DEBUG, for a test that checks that
 * no secret reaches the log: a line's message and its exception's text are searched.
 */
final class CapturedLogs {
    private static final String SERVICE = "io.alarmdigest";

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    void start() {
        appender.start();
        root().addAppender(appender);
        ((Logger) LoggerFactory.getLogger(SERVICE)).setLevel(Level.DEBUG);
    }

    void stop() {
        root().detachAppender(appender);
        ((Logger) LoggerFactory.getLogger(SERVICE)).setLevel(null);
    }

    /** Fails when a captured line holds one of {@code secrets} (shown masked), or when nothing was captured. */
    void assertNone(Collection<String> secrets) {
        List<String> leaks = new ArrayList<>();
        for (ILoggingEvent event : appender.list) {
            String line = event.getFormattedMessage()
                + (event.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(event.getThrowableProxy()));
            for (String secret : secrets) {
                if (line.contains(secret)) {
                    leaks.add(event.getLoggerName() + ": " + line.replace(secret, "<a secret>"));
                }
            }
        }
        assertFalse(appender.list.isEmpty(), "the log was captured");
        assertEquals(List.of(), leaks, "log lines holding a secret");
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }
}
