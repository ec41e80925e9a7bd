package io.alarmdigest.bench;

import io.alarmdigest.reliability.Workload;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.PublishOptions;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the benchmark's publishing alone costs each process, nats-server above all, at a given rate: the workload's
 * messages published as {@link Load} publishes them (paced, bursts of up to 100, a {@code Nats-Msg-Id} each, at
 * most 2,000 unacknowledged) into a scratch stream stored like the input stream, which nothing reads. A pipeline
 * window's nats-server CPU per event less this is what the service itself costs nats-server: reading, purging,
 * its digests.
 */
final class PublishCost {
    private static final String STREAM = "BENCH_PUBLISH_ONLY";
    private static final String SUBJECT_PREFIX = "bench.publish-only.";
    private static final int MAX_OUTSTANDING = 2_000;

    private PublishCost() {
    }

    /** CPU microseconds per message of each process, publishing {@code rate} messages a second for {@code duration}. */
    static Map<String, Double> at(Connection nats, Workload workload, double rate, Duration duration,
                                  List<Deployment.Measured> processes) throws Exception {
        JetStreamManagement management = nats.jetStreamManagement();
        // File storage and the server's default duplicate window, as the input stream has them.
        management.addStream(StreamConfiguration.builder().name(STREAM).subjects(SUBJECT_PREFIX + ">")
            .storageType(StorageType.File).build());
        try {
            JetStream jetStream = nats.jetStream();
            Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
            AtomicLong acknowledged = new AtomicLong();
            long published = 0;
            Cpu.Snapshot from = Cpu.take(processes);
            long start = System.nanoTime();
            long end = start + duration.toNanos();
            while (System.nanoTime() < end) {
                if (published >= (System.nanoTime() - start) / 1e9 * rate) {
                    TimeUnit.MICROSECONDS.sleep(500);
                    continue;
                }
                for (int i = 0; i < 100 && published < (System.nanoTime() - start) / 1e9 * rate; i++) {
                    Workload.Message message = workload.next();
                    outstanding.acquire();
                    jetStream.publishAsync(SUBJECT_PREFIX + message.subject(), null, message.payload(),
                        PublishOptions.builder().messageId("publish-only-" + published).build())
                        .whenComplete((ack, error) -> {
                            acknowledged.incrementAndGet();
                            outstanding.release();
                        });
                    published++;
                }
            }
            outstanding.acquire(MAX_OUTSTANDING);
            Cpu.Snapshot to = Cpu.take(processes);
            return Cpu.microsPerEvent(from, to, acknowledged.get());
        } finally {
            management.deleteStream(STREAM);
        }
    }
}
