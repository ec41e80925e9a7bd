package io.alarmdigest.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time of the measured processes (user + system, all threads, from {@code /proc/<pid>/stat}), read at two
 * moments, and what it comes to per event in between: where each event's cost is paid.
 */
final class Cpu {
    /** USER_HZ: the unit of /proc/<pid>/stat's CPU times (100 on Linux). */
    static final int CLOCK_TICKS = 100;

    /** The CPU ticks of each process (by name) at one moment; a process that could not be read is left out. */
    record Snapshot(long nanos, Map<String, Long> ticks) {
    }

    private Cpu() {
    }

    static Snapshot take(List<Deployment.Measured> processes) {
        Map<String, Long> ticks = new LinkedHashMap<>();
        for (Deployment.Measured process : processes) {
            long cpu = Gauges.cpuTicks(process.pid());
            if (cpu >= 0) {
                ticks.put(process.name(), cpu);
            }
        }
        return new Snapshot(System.nanoTime(), ticks);
    }

    /**
     * Microseconds of CPU each process spent per event between two snapshots, in the order of {@code from}; empty
     * when no event happened in between. A tick is 10 ms: over a window of 10,000 events or more the rounding stays
     * under a microsecond per event.
     */
    static Map<String, Double> microsPerEvent(Snapshot from, Snapshot to, long events) {
        Map<String, Double> perEvent = new LinkedHashMap<>();
        if (from == null || to == null || events <= 0) {
            return perEvent;
        }
        from.ticks().forEach((name, before) -> {
            Long after = to.ticks().get(name);
            if (after != null) {
                perEvent.put(name, (after - before) * (1_000_000.0 / CLOCK_TICKS) / events);
            }
        });
        return perEvent;
    }

    /** Cores each process kept busy on average between two snapshots. */
    static Map<String, Double> cores(Snapshot from, Snapshot to) {
        Map<String, Double> cores = new LinkedHashMap<>();
        long nanos = to.nanos() - from.nanos();
        if (nanos <= 0) {
            return cores;
        }
        from.ticks().forEach((name, before) -> {
            Long after = to.ticks().get(name);
            if (after != null) {
                cores.put(name, cores(after - before, nanos));
            }
        });
        return cores;
    }

    /** Cores kept busy on average by {@code ticks} of CPU over {@code nanos} of wall time. */
    static double cores(long ticks, long nanos) {
        return ticks / (double) CLOCK_TICKS / (nanos / 1e9);
    }
}
