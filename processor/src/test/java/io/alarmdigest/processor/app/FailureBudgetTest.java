package io.alarmdigest.processor.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.kafka.common.utils.MockTime;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

/** A failed stream thread is replaced, unless threads keep failing: then the processor stops. */
class FailureBudgetTest {
    private final MockTime time = new MockTime();
    private final FailureBudget budget = new FailureBudget(time);
    private final RuntimeException failure = new IllegalStateException("a poisoned record");

    @Test
    void shouldReplaceFailedThreadsUpToTheBudgetAndThenShutDown() {
        for (int i = 0; i < FailureBudget.MAX_FAILURES; i++) {
            assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, budget.handle(failure), "failure " + (i + 1));
            time.sleep(60_000);
        }
        assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, budget.handle(failure),
            "one failure more within " + FailureBudget.WINDOW);
    }

    @Test
    void shouldForgetFailuresOlderThanTheWindow() {
        for (int i = 0; i < FailureBudget.MAX_FAILURES; i++) {
            budget.handle(failure);
        }
        time.sleep(FailureBudget.WINDOW.toMillis() + 1);
        assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, budget.handle(failure));
    }
}
