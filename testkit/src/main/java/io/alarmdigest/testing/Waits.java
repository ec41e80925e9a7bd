package io.alarmdigest.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.hamcrest.Matcher;

/**
 * Deadline waits that say what they waited for: past the deadline, the failure names {@code what}, the expected
 * value and the last one seen (Awaitility's message), and, where given, a context read once the wait has failed
 * (a component's metrics, a log).
 */
public final class Waits {
    /** Long enough for the slowest thing a test here waits for on a loaded two-core machine. */
    public static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(50);

    private Waits() {
    }

    /** Polls {@code value} until it satisfies {@code done}, up to {@link #DEADLINE}; returns the value that did. */
    public static <T> T awaitThat(String what, Callable<T> value, Matcher<? super T> done) {
        return awaitThat(DEADLINE, what, value, done);
    }

    public static <T> T awaitThat(Duration deadline, String what, Callable<T> value, Matcher<? super T> done) {
        return Awaitility.await(what).atMost(deadline).pollInterval(POLL).until(value, done);
    }

    /** The same; a failure also shows {@code context}. */
    public static <T> T awaitThat(String what, Callable<T> value, Matcher<? super T> done, Supplier<?> context) {
        return awaitThat(DEADLINE, what, value, done, context);
    }

    public static <T> T awaitThat(Duration deadline, String what, Callable<T> value, Matcher<? super T> done,
                                  Supplier<?> context) {
        try {
            return awaitThat(deadline, what, value, done);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "; " + context.get(), e);
        }
    }
}
