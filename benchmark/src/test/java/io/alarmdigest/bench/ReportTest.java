package io.alarmdigest.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark's own arithmetic and report, on made-up figures (the measurements need the whole service). */
class ReportTest {
    @TempDir
    Path dir;

    @Test
    void shouldAddTheStagesCostsForTheCombinedLimit() {
        // 1 / (1/40k + 1/60k + 1/120k + 1/60k) = 1 / ((3 + 2 + 1 + 2) / 120k) = 15,000
        RawLimits.Result raw = new RawLimits.Result(40_000, 60_000, 120_000, 60_000);
        assertEquals(15_000, raw.combined(), 0.001);
    }

    @Test
    void shouldHoldOnlyWhenPublishedAndProcessedKeepUpAndTheBacklogDoesNotGrow() {
        assertTrue(window(10_000, 9_800, 9_750, 50).held());
        assertFalse(window(10_000, 9_500, 9_500, 0).held(), "the publisher fell behind");
        assertFalse(window(10_000, 10_000, 9_000, 0).held(), "the processor fell behind");
        assertFalse(window(10_000, 10_000, 10_000, 150).held(), "the backlog grows by 1.5 % of the rate a second");
    }

    @Test
    void shouldTakePercentilesFromTheSortedLatencies() {
        long[] latencies = new long[100];
        for (int i = 0; i < 100; i++) {
            latencies[i] = i + 1;
        }
        Results.LatencyPoint point = new Results.LatencyPoint("50 %", window(1_000, 1_000, 1_000, 0), latencies, 0);
        assertEquals(50, point.percentile(0.5));
        assertEquals(99, point.percentile(0.99));
        assertEquals(100, point.percentile(1.0));
        assertEquals(-1, new Results.LatencyPoint("none", window(1, 1, 1, 0), new long[0], 0).percentile(0.5));
    }

    @Test
    void shouldWriteTheReportWithItsTargetsAndCharts() throws Exception {
        Results results = new Results();
        results.mode = "split";
        results.machine = "2 cores";
        results.settings.put("processor JVM", "-Xmx256m");
        results.settings.put("settings", "as shipped");
        results.raw = new RawLimits.Result(40_000, 60_000, 120_000, 60_000);
        results.sustainTries.add(window(8_000, 8_000, 8_000, 0));
        results.maxRate = 8_000;
        results.latencyPoints.add(new Results.LatencyPoint("50 % (4,000/s)", window(4_000, 4_000, 4_000, 0),
            new long[] {80, 90, 100, 350}, 0));
        Memory.Peak processor = peakMb(400, 200, 90);
        results.stateSteps.add(new Results.StateStep(1_000, 100, 5_000, 9_000, 150_000, processor));
        results.stateSteps.add(new Results.StateStep(10_000, 1_000, 6_000, 8_500, 1_200_000, processor));
        results.memory = Map.of("updates at 10,000 alarms", Map.of("processor", processor));
        results.digestSizes.add(new Results.DigestSize(10_000, List.of(120L, 110L, 115L), 42.5, 2));
        results.correct = true;
        results.verdict = "0 failures";

        String report = Files.readString(Report.write(dir, results));

        assertTrue(report.contains("| sustained end-to-end ≥ 50 % of the combined limit | 8,000/s = 53 % of 15,000/s "
            + "| met |"), report);
        assertTrue(report.contains("| digest latency p99 ≤ 300 ms at 50 % of the maximum rate | 350 ms "
            + "(50 % (4,000/s)) | **missed** |"), report);
        assertTrue(report.contains("| processor RSS ≤ 768 MB | 400 MB (10,000 alarms, 1,000 users) | met |"), report);
        assertTrue(report.contains("| 10,000-alarm digest built in < 100 ms | 42.5 ms"), report);
        assertTrue(report.contains("| 10,000 | 1,000 | 6,000 | 8,500 | 1 MB | 120 |"), report);
        assertTrue(Files.size(dir.resolve("bench-latency.png")) > 1_000);
        assertTrue(Files.size(dir.resolve("bench-throughput.png")) > 1_000);
    }

    @Test
    void shouldNotJudgeTheProcessorsMemoryBudgetOutsideSplitMode() throws Exception {
        Results results = new Results();
        results.mode = "standalone";
        results.settings.put("processor JVM", "(as shipped: none)");
        results.raw = new RawLimits.Result(40_000, 60_000, 120_000, 60_000);
        Memory.Peak service = peakMb(1_500, 900, 250);
        results.stateSteps.add(new Results.StateStep(1_000, 100, 5_000, 9_000, 150_000, service));
        results.memory = Map.of("updates at 1,000 alarms", Map.of("processor", service));
        results.verdict = "0 failures";

        String report = Files.readString(Report.write(dir, results));

        assertTrue(report.contains("| processor RSS ≤ 768 MB | 1500 MB (1,000 alarms, 100 users) | – (split mode "
            + "only: this process is not the processor alone) |"), report);
        assertTrue(report.contains("| processor heap ≤ 256 MB | live after GC 250 MB, in use at most 900 MB, limit "
            + "(as shipped: none) (1,000 alarms, 100 users) | – (split mode only"), report);
        assertFalse(report.lines().anyMatch(line -> line.startsWith("| processor") && line.contains("missed")), report);
    }

    private static Memory.Peak peakMb(long rss, long heapUsed, long heapLive) {
        Memory.Peak peak = new Memory.Peak();
        peak.rss = rss << 20;
        peak.heapUsed = heapUsed << 20;
        peak.heapLive = heapLive << 20;
        return peak;
    }

    private static Load.Window window(double offered, double published, double processed, double slope) {
        return new Load.Window("w", offered, 60, (long) (published * 60), processed, slope, 0, 0, 0, 0, 1);
    }
}
