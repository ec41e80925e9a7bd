package io.alarmdigest.processor.topology;

import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/** Reads the processor's own counters from the driver, summed over tasks. */
final class Metrics {
    private Metrics() {
    }

    static double total(DigestDriver digests, String counter) {
        double total = 0;
        boolean found = false;
        for (Map.Entry<MetricName, ? extends Metric> entry : digests.driver().metrics().entrySet()) {
            MetricName name = entry.getKey();
            if (name.group().equals(ProcessorMetrics.GROUP) && name.name().equals(counter + "-total")) {
                total += ((Number) entry.getValue().metricValue()).doubleValue();
                found = true;
            }
        }
        if (!found) {
            throw new AssertionError("no metric " + counter + "-total in group " + ProcessorMetrics.GROUP
                + "; metrics of that group: " + digests.driver().metrics().keySet().stream()
                .filter(n -> n.group().contains("alarm")).toList());
        }
        return total;
    }
}
