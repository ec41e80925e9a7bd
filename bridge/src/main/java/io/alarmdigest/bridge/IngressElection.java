package io.alarmdigest.bridge;

import io.alarmdigest.logging.RateLimitedLog;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Elects the one active ingress of an input stream by Kafka group membership: every ingress of the stream is a
 * static member of one consumer group subscribed to the one-partition position topic, and the member that owns
 * partition 0 is the active one; the others stand by. A standby gets the partition after the active one's session
 * timed out; a restarted ingress with the same instance id gets it back at once. The group's polling runs on its
 * own thread, so that the copying never delays a heartbeat.
 *
 * <p>Owning the partition is an invitation, not the lock: the lock is the transactional id all ingresses of the
 * stream share, and the one that initialises it fences any other. An ingress that finds itself fenced calls
 * {@link #fenced()}: it counts as a standby until the group has been asked again and still gives it the partition.
 */
final class IngressElection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IngressElection.class);
    private static final Duration POLL = Duration.ofMillis(200);

    /** What the active ingress does when it must give the partition up: stop writing, within the timeout. */
    interface StepDown {
        void stepDown(Duration timeout) throws InterruptedException;
    }

    private final BridgeConfig config;
    private final TopicPartition lock;
    private final Consumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final RateLimitedLog log = new RateLimitedLog(LOG);
    private final Object monitor = new Object();
    /** Guarded by {@link #monitor}: whether the group gave this member partition 0 in its last assignment. */
    private boolean assigned;
    /** Guarded by {@link #monitor}: assignments received so far. */
    private long assignments;
    /** Guarded by {@link #monitor}: after a fencing, ownership counts only from an assignment later than this. */
    private long fencedAt = -1;
    private volatile boolean rejoin;
    private volatile boolean running = true;
    private volatile boolean started;
    private volatile String failure;
    private volatile StepDown stepDown = timeout -> { };

    IngressElection(BridgeConfig config) {
        this.config = config;
        this.lock = new TopicPartition(config.topics().ingressPosition(), 0);
        this.consumer = new KafkaConsumer<>(config.electionConsumerProperties(), new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "alarm-digest-ingress-election");
    }

    void start(StepDown onRevoked) {
        this.stepDown = onRevoked;
        started = true;
        thread.start();
        LOG.info("Ingress joins group {} as {} (session timeout {} ms): the member owning {} copies stream {}",
            config.ingressGroupId(), config.ingressInstanceId(), config.ingressSessionTimeout().toMillis(), lock,
            config.inputStream());
    }

    /** Whether this ingress is the elected one now. */
    boolean isOwner() {
        synchronized (monitor) {
            return ownerLocked();
        }
    }

    /** Waits up to {@code timeout} for this ingress to be elected; returns whether it is. */
    boolean awaitOwnership(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (monitor) {
            while (!ownerLocked() && running && failure == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(monitor, left);
            }
            return ownerLocked();
        }
    }

    private boolean ownerLocked() {
        return assigned && assignments > fencedAt && failure == null;
    }

    /**
     * Another ingress initialised the transactional id: this one stands by until the group, asked again, still
     * elects it (a stale leader that was paused past its session loses the partition in that round).
     */
    void fenced() {
        synchronized (monitor) {
            fencedAt = assignments;
            monitor.notifyAll();
        }
        rejoin = true;
    }

    /** Why this ingress can never be elected (another instance took its instance id), or null. */
    String failure() {
        return failure;
    }

    private void run() {
        Backoff backoff = new Backoff(config.retryBackoffMax());
        try {
            consumer.subscribe(List.of(lock.topic()), new Listener());
            while (running) {
                try {
                    if (rejoin) {
                        rejoin = false;
                        consumer.enforceRebalance("the active ingress was fenced by another");
                    }
                    consumer.poll(POLL);
                    backoff.reset();
                } catch (WakeupException e) {
                    // close() asked to stop.
                } catch (FencedInstanceIdException e) {
                    failure = "another ingress joined group " + config.ingressGroupId() + " with this instance's id "
                        + config.ingressInstanceId() + "; give each ingress its own " + BridgeConfig.INGRESS_INSTANCE_ID;
                    LOG.error("Ingress can no longer be elected: {}", failure);
                    return;
                } catch (KafkaException e) {
                    Duration wait = backoff.next();
                    log.warn("election", "Ingress election group {} failed ({}); trying again in {} ms",
                        config.ingressGroupId(), e.toString(), wait.toMillis());
                    TimeUnit.MILLISECONDS.sleep(wait.toMillis());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            setAssigned(false, false);
            try {
                // A static member stays in the group after a plain close until its session times out; leaving
                // hands the partition to a standby at once.
                consumer.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(5)));
            } catch (RuntimeException e) {
                LOG.debug("Closing the election consumer: {}", e.toString());
            }
        }
    }

    private void setAssigned(boolean now, boolean newAssignment) {
        synchronized (monitor) {
            assigned = now;
            if (newAssignment) {
                assignments++;
            }
            monitor.notifyAll();
        }
    }

    private final class Listener implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            // Nothing is read from the position topic here: it is only the election's lock.
            consumer.pause(partitions);
            boolean owns = consumer.assignment().contains(lock);
            boolean was = isOwner();
            setAssigned(owns, true);
            if (owns && !was) {
                LOG.info("Ingress {} elected for stream {} (group {})", config.ingressInstanceId(),
                    config.inputStream(), config.ingressGroupId());
            } else if (!owns) {
                LOG.info("Ingress {} stands by for stream {} (group {})", config.ingressInstanceId(),
                    config.inputStream(), config.ingressGroupId());
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.contains(lock)) {
                setAssigned(false, false);
                LOG.info("Ingress {} gives up stream {}: finishing its transaction", config.ingressInstanceId(),
                    config.inputStream());
                try {
                    stepDown.stepDown(config.shutdownTimeout());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            if (partitions.contains(lock)) {
                setAssigned(false, false);
                LOG.warn("Ingress {} lost its place in group {} (its session expired): another ingress may be "
                    + "copying stream {} now; this one stands by", config.ingressInstanceId(),
                    config.ingressGroupId(), config.inputStream());
            }
        }
    }

    /** Leaves the group (a standby takes over at once) and stops the polling thread. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        synchronized (monitor) {
            monitor.notifyAll();
        }
        if (!started) {
            consumer.close(Duration.ZERO);
            return;
        }
        consumer.wakeup();
        thread.join(config.shutdownTimeout().toMillis() + 5_000);
    }
}
