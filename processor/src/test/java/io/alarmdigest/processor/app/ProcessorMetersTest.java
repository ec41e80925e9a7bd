package io.alarmdigest.processor.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.alarmdigest.processor.topology.DigestDriver;
import io.alarmdigest.processor.topology.ProcessorMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

/** The processor's own counters and timings as meters: one per task, named alarm.digest.processor.*. */
class ProcessorMetersTest {
    private final MeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void shouldExportEachCounterOncePerTaskAndFollowItsValue() {
        try (DigestDriver digests = new DigestDriver();
             ProcessorMeters meters = new ProcessorMeters(digests.driver()::metrics, registry, null, false)) {
            digests.event("u1", "a1", "WARNING", "2021-06-07T20:40:15Z");
            digests.request("u1");
            meters.refresh();

            FunctionCounter done = registry.get("alarm.digest.processor.digests").tag(ProcessorMeters.TASK, "0_0")
                .functionCounter();
            assertEquals(1.0, done.count());
            assertEquals(1, registry.find("alarm.digest.processor.digests").functionCounters().size(),
                "one meter per task");
            digests.request("u1");
            assertEquals(2.0, done.count(), "the meter reads the sensor as it is now");
            Gauge built = registry.get("alarm.digest.processor.digest.build.latency.max").gauge();
            assertTrue(built.value() > 0, "the digest build was timed: " + built.value());
            assertEquals(1.0, registry.get("alarm.digest.processor.status.changes").functionCounter().count());

            meters.refresh();
            assertEquals(1, registry.find("alarm.digest.processor.digests").functionCounters().size(),
                "a refresh registers nothing twice");
        }
        assertTrue(registry.find("alarm.digest.processor.digests").functionCounters().isEmpty(),
            "closing removes the meters");
    }

    @Test
    void shouldKeepTheKafkaStreamsBindersCopyOfTheProcessorsMetricsOut() {
        MeterRegistry filtered = new SimpleMeterRegistry();
        filtered.config().meterFilter(ProcessorApp.METER_FILTER);
        filtered.counter("kafka.stream.alarm.digest.digests.total");
        filtered.counter("kafka.stream.thread.process.total");
        assertTrue(filtered.find("kafka.stream.alarm.digest.digests.total").meters().isEmpty(),
            "the binder's name of a processor metric is denied");
        assertEquals(1, filtered.find("kafka.stream.thread.process.total").meters().size(),
            "Kafka Streams' own metrics pass");
    }

    @Test
    void shouldNameOnlyTheProcessorsOwnCountersAndTimings() {
        assertEquals("alarm.digest.processor.dead.letters", ProcessorMeters.meterName(ours("dead-letters-total")));
        assertEquals("alarm.digest.processor.digest.build.latency.avg",
            ProcessorMeters.meterName(ours("digest-build-latency-avg")));
        assertNull(ProcessorMeters.meterName(ours("dead-letters-rate")), "rates are Prometheus' job");
        assertNull(ProcessorMeters.meterName(new MetricName("process-total", "stream-thread-metrics", "", Map.of())),
            "Kafka Streams' own metrics are the binder's");
    }

    private static MetricName ours(String name) {
        return new MetricName(name, ProcessorMetrics.GROUP, "", Map.of(ProcessorMetrics.TASK_TAG, "0_0"));
    }
}
