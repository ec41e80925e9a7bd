package io.alarmdigest.processor.topology;

import io.alarmdigest.processor.app.ProcessorApp;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.api.ProcessingContext;

/**
 * Counters of one task, registered with Kafka Streams' metrics (group {@value #GROUP_SUFFIX}, tags
 * {@code thread-id} and {@code alarm-digest-id} = the task id), so that they are exported with the streams' own
 * metrics and read from {@code KafkaStreams#metrics()}. Each counter has a {@code -total} and a {@code -rate}
 * metric. Sensors are named by thread, task and operation: both processors of a task share {@code dead-letters},
 * and close together with their task.
 */
final class ProcessorMetrics implements AutoCloseable {
    static final String SCOPE = "alarm-digest";
    static final String GROUP_SUFFIX = ProcessorApp.METRICS_GROUP;

    private final StreamsMetrics metrics;
    private final String taskId;
    private final List<Sensor> sensors = new ArrayList<>();

    ProcessorMetrics(ProcessingContext context) {
        this.metrics = context.metrics();
        this.taskId = context.taskId().toString();
    }

    /** A counter named {@code operation}, e.g. {@code dead-letters} gives {@code dead-letters-total}. */
    Sensor counter(String operation) {
        Sensor sensor = metrics.addRateTotalSensor(SCOPE, taskId, operation, Sensor.RecordingLevel.INFO);
        sensors.add(sensor);
        return sensor;
    }

    /**
     * A timing named {@code operation}: {@code <operation>-latency-avg} and {@code -latency-max} (milliseconds, over
     * the metrics sample window) besides {@code -rate} and {@code -total}.
     */
    Sensor latency(String operation) {
        Sensor sensor = metrics.addLatencyRateTotalSensor(SCOPE, taskId, operation, Sensor.RecordingLevel.INFO);
        sensors.add(sensor);
        return sensor;
    }

    @Override
    public void close() {
        sensors.forEach(metrics::removeSensor);
        sensors.clear();
    }
}
