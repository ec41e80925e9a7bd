package io.alarmdigest.processor.topology;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.api.ProcessingContext;

/**
 * The processor's own counters and timings, per task, registered with Kafka Streams' metrics so that they live and
 * die with their task and are read from {@code KafkaStreams#metrics()}: group {@value #GROUP}, tags
 * {@code thread-id} and {@value #TASK_TAG} (the task id). Each counter has a {@code -total} and a {@code -rate}
 * metric; each timing also {@code -latency-avg} and {@code -latency-max} (milliseconds, over the metrics sample
 * window). Sensors are named by thread, task and operation: the processors of a task share
 * {@value #DEAD_LETTERS}.
 */
public final class ProcessorMetrics implements AutoCloseable {
    /** Kafka Streams' scope of these sensors; it names their group and their task tag. */
    static final String SCOPE = "alarm-digest";
    /** The metric group of these sensors in {@code KafkaStreams#metrics()}. */
    public static final String GROUP = "stream-" + SCOPE + "-metrics";
    /** The tag that holds the task id. */
    public static final String TASK_TAG = SCOPE + "-id";

    /** Counter: bad records sent to the dead-letter topic. */
    public static final String DEAD_LETTERS = "dead-letters";
    /** Counter: events applied to the alarm state. */
    public static final String STATUS_CHANGES = "status-changes";
    /** Counter: events whose ChangedAt was more than a day ahead of stream time. */
    public static final String CLOCK_SKEW = "clock-skew";
    /** Counter: CLEARED alarms forgotten after the retention. */
    public static final String ALARMS_PURGED = "alarms-purged";
    /** Counter: digests written, one per answered request. */
    public static final String DIGESTS = "digests";
    /** Counter: digest parts written. */
    public static final String DIGEST_PARTS = "digest-parts";
    /** Counter: requests answered before (within the dedupe window) and not answered again. */
    public static final String DUPLICATE_REQUESTS = "duplicate-requests";
    /** Timing: from reading a user's alarms to the delivery marks written. */
    public static final String DIGEST_BUILD = "digest-build";

    private final StreamsMetrics metrics;
    private final String taskId;
    private final List<Sensor> sensors = new ArrayList<>();

    ProcessorMetrics(ProcessingContext context) {
        this.metrics = context.metrics();
        this.taskId = context.taskId().toString();
    }

    /** A counter named {@code operation}, e.g. {@value #DEAD_LETTERS} gives {@code dead-letters-total}. */
    Sensor counter(String operation) {
        Sensor sensor = metrics.addRateTotalSensor(SCOPE, taskId, operation, Sensor.RecordingLevel.INFO);
        sensors.add(sensor);
        return sensor;
    }

    /** A timing named {@code operation}: {@code <operation>-latency-avg} and {@code -latency-max} besides the rest. */
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
