package io.alarmdigest.processor.app;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces a failed stream thread (its transaction is aborted, its tasks resume from the last commit), unless threads
 * keep failing: a failure that comes back every time would replay the same record for ever, so after
 * {@value #MAX_FAILURES} failures within {@link #WINDOW} the client shuts down, for the operator or the
 * orchestrator to see and act.
 */
final class FailureBudget implements StreamsUncaughtExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(FailureBudget.class);
    static final int MAX_FAILURES = 5;
    static final Duration WINDOW = Duration.ofMinutes(10);

    private final Time time;
    private final Deque<Long> failures = new ArrayDeque<>();

    FailureBudget(Time time) {
        this.time = time;
    }

    @Override
    public synchronized StreamThreadExceptionResponse handle(Throwable error) {
        long now = time.nanoseconds();
        failures.addLast(now);
        while (now - failures.peekFirst() > WINDOW.toNanos()) {
            failures.removeFirst();
        }
        if (failures.size() > MAX_FAILURES) {
            LOG.error("Stream threads failed {} times in {} minutes; shutting the processor down instead of "
                + "replaying the same failure. Last error:", failures.size(), WINDOW.toMinutes(), error);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        LOG.error("A stream thread failed; its open transaction is aborted and a new thread resumes its tasks "
            + "from the last commit", error);
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }
}
