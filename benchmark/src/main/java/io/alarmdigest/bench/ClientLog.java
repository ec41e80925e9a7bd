package io.alarmdigest.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.LoggerFactory;

/**
 * Watches what the Kafka and NATS clients of this JVM log at WARN or above while a raw stage is measured: a
 * stage whose clients retried errors (a producer's {@code OUT_OF_ORDER_SEQUENCE_NUMBER}, a rebalance in the
 * middle) measured the errors as much as the stage, so it is measured again. The benchmark's own lines do not
 * count.
 */
final class ClientLog implements AutoCloseable {
    private static final String OWN = "io.alarmdigest";

    private final Logger root;
    private final Watch watch = new Watch();

    private ClientLog(Logger root) {
        this.root = root;
    }

    /** Starts watching the root logger (and so every logger that does not stop its lines on the way). */
    static ClientLog attach() {
        Logger root = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ClientLog log = new ClientLog(root);
        log.watch.setContext(root.getLoggerContext());
        log.watch.setName("bench-client-log");
        log.watch.start();
        root.addAppender(log.watch);
        return log;
    }

    /** Forgets what was seen: a new measurement starts. */
    void reset() {
        watch.first.set(null);
    }

    /** The first client line at WARN or above since the last {@link #reset}, as logger and message; null if none. */
    String firstProblem() {
        return watch.first.get();
    }

    @Override
    public void close() {
        root.detachAppender(watch);
        watch.stop();
    }

    private static final class Watch extends AppenderBase<ILoggingEvent> {
        final AtomicReference<String> first = new AtomicReference<>();

        @Override
        protected void append(ILoggingEvent event) {
            if (event.getLevel().isGreaterOrEqual(Level.WARN) && !event.getLoggerName().startsWith(OWN)) {
                String logger = event.getLoggerName();
                first.compareAndSet(null, logger.substring(logger.lastIndexOf('.') + 1) + ": "
                    + event.getFormattedMessage());
            }
        }
    }
}
