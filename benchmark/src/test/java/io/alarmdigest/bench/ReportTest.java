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
    void shouldAddTheStagesMedianCostsForTheCombinedLimit() {
        // 1 / (1/40k + 1/60k + 1/120k + 1/60k) = 1 / ((3 + 2 + 1 + 2) / 120k) = 15,000
        RawLimits.Result raw = raw(40_000, 60_000, 120_000, 60_000);
        assertEquals(15_000, raw.combined(), 0.001);
        RawLimits.Stage spread = new RawLimits.Stage(RawLimits.Kind.PUBLISH, List.of(50_000.0, 30_000.0, 41_000.0),
            Map.of(), 0, null);
        assertEquals(41_000, spread.median());
        assertEquals(30_000, spread.min());
        assertEquals(50_000, spread.max());
    }

    @Test
    void shouldCountTheCpuTicksBetweenTwoSnapshotsPerEvent() {
        Cpu.Snapshot from = new Cpu.Snapshot(0, Map.of("processor", 1_000L, "gone", 5L));
        Cpu.Snapshot to = new Cpu.Snapshot(10_000_000_000L, Map.of("processor", 1_450L));
        // 450 ticks of 10 ms = 4.5 s of CPU over 150,000 events = 30 µs each; 4.5 s in 10 s = 0.45 cores.
        assertEquals(Map.of("processor", 30.0), Cpu.microsPerEvent(from, to, 150_000));
        assertEquals(Map.of("processor", 0.45), Cpu.cores(from, to));
        assertTrue(Cpu.microsPerEvent(from, to, 0).isEmpty(), "no event, no figure");
    }

    @Test
    void shouldLabelTheStateAxisInPlainNumbers() {
        assertEquals("1k", Report.count(1_000));
        assertEquals("100k", Report.count(100_000));
        assertEquals("1M", Report.count(1_000_000));
        assertEquals("500", Report.count(500));
    }

    @Test
    void shouldJudgeEachProcessAgainstTheCpuOfItsRawStages() throws Exception {
        Results results = splitRun();
        results.raw = new RawLimits.Result(
            stage(RawLimits.Kind.PUBLISH, 40_000, Map.of(Deployment.NATS, 5.0, Deployment.BENCH, 6.0)),
            stage(RawLimits.Kind.READ, 60_000, Map.of(Deployment.NATS, 8.0, Deployment.BENCH, 5.0)),
            stage(RawLimits.Kind.PRODUCE, 120_000, Map.of(Deployment.BROKER, 7.0, Deployment.BENCH, 4.0)),
            stage(RawLimits.Kind.PASS_THROUGH, 60_000, Map.of(Deployment.BROKER, 9.0, Deployment.BENCH, 10.0)));
        // What publishing alone cost nats-server at that rate, not the raw publish stage, is the publisher's share.
        results.publishOnly.put(Results.SUSTAINED, Map.of(Deployment.NATS, 9.0));
        // Processor 22 > 2 × 10; ingress 8.5 ≤ 5 + 4; nats-server 20 - 9 = 11 ≤ 1.5 × 8.
        results.sustainTries.add(window(8_000, 8_000, 8_000, 0, Map.of(Deployment.PROCESSOR, 22.0,
            Deployment.INGRESS, 8.5, Deployment.NATS, 20.0)));
        results.maxRate = 8_000;

        String report = Files.readString(Report.write(dir, results));

        assertTrue(report.contains("| processor CPU per event ≤ 2 × Streams pass-through's per record | 22.0 µs "
            + "against 20.0 µs | **missed** |"), report);
        assertTrue(report.contains("| ingress CPU per event ≤ ordered read's + transactional produce's per record | "
            + "8.5 µs against 9.0 µs | met |"), report);
        assertTrue(report.contains("| nats-server CPU per event for the service ≤ 1.5 × the ordered read's per record "
            + "| 11.0 µs (20.0 less the publisher's 9.0) against 12.0 µs | met |"), report);
        // 8,000 of 15,000 is 53 %: the floor, not the target; the processor is furthest over its budget.
        assertTrue(report.contains("| 8,000/s = 53 % of 15,000/s | **missed** (floor met) |"), report);
        assertTrue(report.contains("What holds the rate back: **processor**, at 1.1 × its CPU budget"), report);
        assertTrue(report.contains("| processor | 22.0 µs (0.00) | – |"), report);
        assertTrue(Files.size(dir.resolve("bench-cpu.png")) > 1_000);
    }

    @Test
    void shouldSayWhichRawStageWasMeasuredAgainAndWhy() throws Exception {
        Results results = splitRun();
        results.raw = raw(40_000, 60_000, 120_000, 60_000);
        results.raw = new RawLimits.Result(results.raw.publish(), results.raw.read(), results.raw.produce(),
            new RawLimits.Stage(RawLimits.Kind.PASS_THROUGH, List.of(60_000.0, 61_000.0, 59_000.0), Map.of(), 1,
                "Sender: Got error produce response ... OUT_OF_ORDER_SEQUENCE_NUMBER"));

        String report = Files.readString(Report.write(dir, results));

        assertTrue(report.contains("| Kafka Streams pass-through, exactly_once_v2 | 60,000 | 60,000, 61,000, 59,000 |"),
            report);
        assertTrue(report.contains("| 1×, after: Sender: Got error produce response ... OUT_OF_ORDER_SEQUENCE_NUMBER |"),
            report);
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
        results.raw = raw(40_000, 60_000, 120_000, 60_000);
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

        assertTrue(report.contains("| sustained end-to-end ≥ 60 % of the combined limit (floor 50 %) | 8,000/s = 53 % "
            + "of 15,000/s | **missed** (floor met) |"), report);
        assertTrue(report.contains("| digest latency p99 ≤ 200 ms at 50 % of the maximum rate | 350 ms "
            + "(50 % (4,000/s)) | **missed** |"), report);
        assertTrue(report.contains("| processor RSS ≤ 512 MB | 400 MB (10,000 alarms, 1,000 users) | met |"), report);
        assertTrue(report.contains("| 10,000-alarm digest built in < 50 ms | 42.5 ms"), report);
        assertTrue(report.contains("| 10,000 | 1,000 | 6,000 | 8,500 | 1 MB | 120 |"), report);
        assertTrue(Files.size(dir.resolve("bench-latency.png")) > 1_000);
        assertTrue(Files.size(dir.resolve("bench-throughput.png")) > 1_000);
    }

    @Test
    void shouldNotJudgeTheProcessorsMemoryBudgetOutsideSplitMode() throws Exception {
        Results results = new Results();
        results.mode = "standalone";
        results.settings.put("processor JVM", "(as shipped: none)");
        results.raw = raw(40_000, 60_000, 120_000, 60_000);
        Memory.Peak service = peakMb(1_500, 900, 250);
        results.stateSteps.add(new Results.StateStep(1_000, 100, 5_000, 9_000, 150_000, service));
        results.memory = Map.of("updates at 1,000 alarms", Map.of("processor", service));
        results.verdict = "0 failures";

        String report = Files.readString(Report.write(dir, results));

        assertTrue(report.contains("| processor RSS ≤ 512 MB | 1500 MB (1,000 alarms, 100 users) | – (split mode "
            + "only: this process is not the processor alone) |"), report);
        assertTrue(report.contains("| processor heap ≤ 256 MB | live after GC 250 MB, in use at most 900 MB, limit "
            + "(as shipped: none) (1,000 alarms, 100 users) | – (split mode only"), report);
        assertFalse(report.lines().anyMatch(line -> line.startsWith("| processor") && line.contains("missed")), report);
    }

    @Test
    void shouldJudgeOnlyNatsServersCpuOutsideSplitMode() throws Exception {
        Results results = splitRun();
        results.mode = "standalone";
        results.processes = List.of(Deployment.STANDALONE, Deployment.NATS, Deployment.BENCH);
        results.raw = raw(40_000, 60_000, 120_000, 60_000);
        results.sustainTries.add(window(8_000, 8_000, 8_000, 0, Map.of(Deployment.STANDALONE,
            70.0, Deployment.NATS, 10.0)));
        results.maxRate = 8_000;

        String report = Files.readString(Report.write(dir, results));

        assertTrue(report.contains("| processor CPU per event ≤ 2 × Streams pass-through's per record | – | – (split "
            + "mode only"), report);
        assertTrue(report.contains("| nats-server CPU per event for the service ≤ 1.5 × the ordered read's per record "
            + "| 10.0 µs against 0.0 µs | **missed** |"), report);
    }

    private static Memory.Peak peakMb(long rss, long heapUsed, long heapLive) {
        Memory.Peak peak = new Memory.Peak();
        peak.rss = rss << 20;
        peak.heapUsed = heapUsed << 20;
        peak.heapLive = heapLive << 20;
        return peak;
    }

    private Results splitRun() {
        Results results = new Results();
        results.mode = "split";
        results.machine = "2 cores";
        results.processes = List.of(Deployment.PROCESSOR, Deployment.INGRESS, Deployment.NATS, Deployment.BENCH);
        results.settings.put("processor JVM", "-Xmx256m");
        results.settings.put("settings", "as shipped");
        results.verdict = "0 failures";
        return results;
    }

    private static RawLimits.Result raw(double publish, double read, double produce, double passThrough) {
        return new RawLimits.Result(stage(RawLimits.Kind.PUBLISH, publish, Map.of()),
            stage(RawLimits.Kind.READ, read, Map.of()), stage(RawLimits.Kind.PRODUCE, produce, Map.of()),
            stage(RawLimits.Kind.PASS_THROUGH, passThrough, Map.of()));
    }

    private static RawLimits.Stage stage(RawLimits.Kind kind, double rate, Map<String, Double> cpu) {
        return new RawLimits.Stage(kind, List.of(rate, rate, rate), cpu, 0, null);
    }

    private static Load.Window window(double offered, double published, double processed, double slope) {
        return window(offered, published, processed, slope, Map.of());
    }

    private static Load.Window window(double offered, double published, double processed, double slope,
                                      Map<String, Double> cpu) {
        return new Load.Window("w", offered, 60, (long) (published * 60), processed, slope, 0, 0, 0, 0, 1, cpu,
            Map.of());
    }
}
