package io.alarmdigest.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Memory of each process of the deployment, sampled while the load runs: resident set size from {@code /proc}
 * (peak per phase, and the process's own high-water mark), heap in use and heap live after the last collection
 * (from the process's metrics endpoint). A heap in use near its limit says little by itself (the collector lets it
 * fill up); the live size after a collection is what the state costs.
 */
final class Memory {
    /** Peaks of one process during one phase, in bytes; -1 when unknown. */
    static final class Peak {
        long rss = -1;
        long heapUsed = -1;
        long heapLive = -1;
        /** CPU time (clock ticks) and wall time (ns) at the first and the last sample of the phase. */
        long cpuFirst = -1;
        long cpuLast = -1;
        long nanosFirst;
        long nanosLast;

        /** Cores this process kept busy on average between the phase's first and last sample; -1 when unknown. */
        double cores() {
            return cpuFirst < 0 || nanosLast <= nanosFirst ? -1 : Cpu.cores(cpuLast - cpuFirst, nanosLast - nanosFirst);
        }
    }

    private final List<Deployment.Measured> processes;
    private final Gauges gauges;
    /** phase → process name → peaks. */
    private final Map<String, Map<String, Peak>> peaks = new LinkedHashMap<>();
    private long lastSample;

    Memory(List<Deployment.Measured> processes, Gauges gauges) {
        this.processes = processes;
        this.gauges = gauges;
    }

    /** Samples every process (at most every 2 s), adding to {@code phase}'s peaks. */
    void sample(String phase) {
        if (System.nanoTime() - lastSample < 2_000_000_000L) {
            return;
        }
        lastSample = System.nanoTime();
        Map<String, Peak> phasePeaks = peaks.computeIfAbsent(phase, p -> new LinkedHashMap<>());
        for (Deployment.Measured process : processes) {
            Peak peak = phasePeaks.computeIfAbsent(process.name(), n -> new Peak());
            peak.rss = Math.max(peak.rss, Gauges.rssBytes(process.pid(), false));
            long cpu = Gauges.cpuTicks(process.pid());
            if (cpu >= 0) {
                if (peak.cpuFirst < 0) {
                    peak.cpuFirst = cpu;
                    peak.nanosFirst = System.nanoTime();
                }
                peak.cpuLast = cpu;
                peak.nanosLast = System.nanoTime();
            }
            Map<String, Double> metrics = gauges.scrape(process.httpPort(), "jvm_memory_used_bytes",
                "jvm_gc_live_data_size_bytes");
            peak.heapUsed = Math.max(peak.heapUsed, (long) Gauges.sum(metrics, "jvm_memory_used_bytes", "area=\"heap\""));
            // 0 until the first collection of the old generation: unknown rather than nothing.
            long live = (long) Gauges.sum(metrics, "jvm_gc_live_data_size_bytes");
            peak.heapLive = Math.max(peak.heapLive, live == 0 ? -1 : live);
        }
    }

    Map<String, Map<String, Peak>> peaks() {
        return peaks;
    }

    /** The highest resident set size each process ever had ({@code VmHWM}). */
    Map<String, Long> highWaterMarks() {
        Map<String, Long> marks = new LinkedHashMap<>();
        for (Deployment.Measured process : processes) {
            marks.put(process.name(), Gauges.rssBytes(process.pid(), true));
        }
        return marks;
    }
}
