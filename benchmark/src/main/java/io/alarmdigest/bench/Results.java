package io.alarmdigest.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Everything one benchmark run found, as the report shows it. */
final class Results {
    /** Throughput and size at one state size: {@code updateRate} from a flat-out window of status changes. */
    record StateStep(long alarms, int users, double loadRate, double updateRate, long stateBytes,
                     Memory.Peak processor) {
        double bytesPerAlarm() {
            return alarms == 0 ? 0 : (double) stateBytes / alarms;
        }
    }

    /** One user with {@code alarms} alarms, all changed: the digest's latency and its build time, per round. */
    record DigestSize(int alarms, List<Long> latencyMillis, double buildMaxMillis, int parts) {
    }

    /** A fixed-rate window and the digest latencies of the requests accepted in it. */
    record LatencyPoint(String label, Load.Window window, long[] latencies, int unanswered) {
        long percentile(double p) {
            if (latencies.length == 0) {
                return -1;
            }
            return latencies[(int) Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)];
        }
    }

    String mode;
    String machine;
    /** The measured processes' names, in the order the report shows them (the benchmark's own last). */
    List<String> processes = List.of();
    Map<String, String> settings = new LinkedHashMap<>();
    RawLimits.Result raw;
    final List<StateStep> stateSteps = new ArrayList<>();
    Load.Window saturation;
    final List<Load.Window> sustainTries = new ArrayList<>();
    double maxRate;
    final List<LatencyPoint> latencyPoints = new ArrayList<>();
    final List<DigestSize> digestSizes = new ArrayList<>();
    static final String SUSTAINED = "at the sustained rate";
    static final String AT_80 = "at 80 %";
    /**
     * CPU microseconds per message of each process when the benchmark only publishes ({@link PublishCost}), at the
     * sustained rate and at 80 % of it ({@link #SUSTAINED}, {@link #AT_80}).
     */
    final Map<String, Map<String, Double>> publishOnly = new LinkedHashMap<>();
    /** JFR profiles at the sustained rate ({@code --profile}); empty without. */
    List<Profile.Summary> profiles = List.of();
    Map<String, Map<String, Memory.Peak>> memory;
    Map<String, Long> highWaterMarks;
    String verdict;
    boolean correct;
    List<String> failures = List.of();
    long seconds;

    /** The window that held at the maximum sustained rate; null when none held. */
    Load.Window sustained() {
        return sustainTries.stream().filter(Load.Window::held).reduce((a, b) -> b).orElse(null);
    }

    /** The fixed-rate window at 80 % of the maximum rate; null when it was not run. */
    Load.Window at80() {
        return latencyPoints.size() < 2 ? null : latencyPoints.get(1).window();
    }
}
