package io.alarmdigest.reliability;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Publishes to the input stream with JetStream publish, so that the oracle learns exactly which messages were
 * <em>accepted</em> (contract rule 8: stored by the input stream). A message whose acknowledgement does not come is
 * published again with the same {@code Nats-Msg-Id} until it does: the stream stores it once, and a retried request
 * is still one request. Load is paced to a rate; the number of unacknowledged messages is bounded.
 */
public final class Publisher implements AutoCloseable {
    private static final int MAX_OUTSTANDING = 2_000;
    private static final long RETRY_DELAY_MS = 250;

    private final JetStream jetStream;
    private final Oracle oracle;
    private final String runId;
    private final Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "publisher-retries");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong republished = new AtomicLong();
    private volatile boolean loadStopped;
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();

    public Publisher(Connection connection, Oracle oracle, String runId) throws IOException {
        this.jetStream = connection.jetStream();
        this.oracle = oracle;
        this.runId = runId;
    }

    /** Publishes {@code message}; {@code quiet} marks a request sent at a quiet point (nothing else published since
     *  everything before was accepted). Blocks when too many are unacknowledged. */
    public void publish(Workload.Message message, boolean quiet) throws InterruptedException {
        outstanding.acquire();
        attempt(message, runId + "-" + sent.incrementAndGet(), quiet);
    }

    private void attempt(Workload.Message message, String msgId, boolean quiet) {
        CompletableFuture<PublishAck> ack;
        try {
            ack = jetStream.publishAsync(message.subject(), null, message.payload(),
                PublishOptions.builder().messageId(msgId).build());
        } catch (RuntimeException e) { // e.g. the reconnect buffer is full while NATS is away
            retryLater(message, msgId, quiet);
            return;
        }
        ack.whenComplete((done, error) -> {
            if (error != null || done == null || done.hasError()) {
                retryLater(message, msgId, quiet);
                return;
            }
            try {
                if (message.isRequest()) {
                    oracle.requestAccepted(done.getSeqno(), message.user(), quiet);
                } else if (!message.isBad()) {
                    oracle.eventAccepted(message.event());
                }
                accepted.incrementAndGet();
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
            } finally {
                outstanding.release();
            }
        });
    }

    private void retryLater(Workload.Message message, String msgId, boolean quiet) {
        republished.incrementAndGet();
        if (message.isRequest()) {
            oracle.requestRetried(message.user());
        }
        retries.schedule(() -> attempt(message, msgId, quiet), RETRY_DELAY_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * Publishes the workload's messages at {@code perSecond} for {@code duration} (or until {@link #stopLoad});
     * returns the number published.
     * The pace is held against the clock, so a stall (NATS away) is followed by a catch-up burst, as real
     * producers that buffer would do.
     */
    public long run(Workload workload, double perSecond, Duration duration) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long count = 0;
        while (System.nanoTime() < end && !loadStopped) {
            long due = (long) ((System.nanoTime() - start) / 1e9 * perSecond);
            if (count >= due) {
                TimeUnit.MILLISECONDS.sleep(1);
                continue;
            }
            publish(workload.next(), false);
            count++;
        }
        return count;
    }

    /** Ends a running {@link #run} early. */
    public void stopLoad() {
        loadStopped = true;
    }

    /** Waits until every message published so far is acknowledged. */
    public void awaitAccepted(Duration timeout) throws InterruptedException {
        if (!outstanding.tryAcquire(MAX_OUTSTANDING, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError((MAX_OUTSTANDING - outstanding.availablePermits())
                + " messages still unacknowledged by the input stream after " + timeout);
        }
        outstanding.release(MAX_OUTSTANDING);
        if (failure.get() != null) {
            throw new AssertionError("the oracle refused an acknowledgement: " + failure.get(), failure.get());
        }
    }

    public long accepted() {
        return accepted.get();
    }

    /** Publish attempts that got no acknowledgement in time and were made again. */
    public long retried() {
        return republished.get();
    }

    @Override
    public void close() {
        retries.shutdownNow();
    }
}
