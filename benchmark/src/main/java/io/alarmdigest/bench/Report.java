package io.alarmdigest.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Writes {@code bench-report.md} and its charts (PNG) from a run's {@link Results}. */
final class Report {
    private static final double MB = 1024 * 1024;
    private static final String SPLIT_ONLY = "– (split mode only: this process is not the processor alone)";

    private Report() {
    }

    static Path write(Path dir, Results r) throws IOException {
        System.setProperty("java.awt.headless", "true");
        StringBuilder md = new StringBuilder();
        line(md, "# alarm-digest benchmark report");
        line(md, "");
        line(md, "%s, %s mode, %s; took %d min %d s. How each figure is taken: BENCHMARK.md.",
            LocalDateTime.now().truncatedTo(ChronoUnit.SECONDS), r.mode, r.machine, r.seconds / 60, r.seconds % 60);
        line(md, "");
        line(md, "Service settings: %s; processor JVM: %s.", r.settings.get("settings"), r.settings.get("processor JVM"));
        line(md, "");
        line(md, "**Correctness:** %s — %s", r.correct ? "every digest right" : "WRONG DIGESTS", r.verdict);
        for (String failure : r.failures) {
            line(md, "- %s", failure);
        }
        line(md, "");
        targets(md, r);
        raw(md, r);
        cpu(md, r);
        throughput(md, r);
        latency(md, r);
        state(md, r);
        digests(md, r);
        memory(md, r);
        profiles(md, r);
        charts(dir, r);
        line(md, "## Charts");
        line(md, "");
        line(md, "![digest latency against load](bench-latency.png)");
        line(md, "");
        line(md, "![throughput against state size](bench-throughput.png)");
        line(md, "");
        Path report = dir.resolve("bench-report.md");
        Files.writeString(report, md, StandardCharsets.UTF_8);
        return report;
    }

    private static void targets(StringBuilder md, Results r) {
        line(md, "## Targets");
        line(md, "");
        line(md, "| target | measured | |");
        line(md, "|---|---|---|");
        double combined = r.raw == null ? 0 : r.raw.combined();
        double share = combined == 0 ? 0 : r.maxRate / combined;
        targetRow(md, "sustained end-to-end ≥ 60 % of the combined limit (floor 50 %)",
            String.format(Locale.ROOT, "%,.0f/s = %.0f %% of %,.0f/s%s", r.maxRate, 100 * share, combined,
                heldAny(r) ? "" : " (no rate held)"),
            !heldAny(r) || share < 0.5 ? "**missed**" : share < 0.6 ? "**missed** (floor met)" : "met");
        cpuTargets(md, r);
        Results.LatencyPoint half = r.latencyPoints.isEmpty() ? null : r.latencyPoints.get(0);
        if (half != null) {
            target(md, "digest latency p99 ≤ 200 ms at 50 % of the maximum rate",
                half.percentile(0.99) + " ms (" + half.label() + ")", half.percentile(0.99) >= 0
                    && half.percentile(0.99) <= 200 && half.unanswered() == 0);
        }
        Results.StateStep biggest = r.stateSteps.isEmpty() ? null : r.stateSteps.get(r.stateSteps.size() - 1);
        Memory.Peak processor = processorPeakFromLastStep(r);
        if (biggest != null && processor != null) {
            String at = String.format(Locale.ROOT, " (%,d alarms, %,d users)", biggest.alarms(), biggest.users());
            String heap = String.format(Locale.ROOT, "live after GC %s, in use at most %s, limit %s",
                mb(processor.heapLive), mb(processor.heapUsed), r.settings.get("processor JVM")) + at;
            String rss = mb(processor.rss) + at;
            if (r.mode.equals("split")) {
                target(md, "processor heap ≤ 256 MB", heap, processor.heapLive >= 0 && processor.heapLive <= 256 * MB
                    && processor.heapUsed <= 256 * MB);
                target(md, "processor RSS ≤ 512 MB", rss, processor.rss > 0 && processor.rss <= 512 * MB);
            } else {
                // The budget is the processor's alone; in standalone the process holds the broker and bridges too.
                targetRow(md, "processor heap ≤ 256 MB", heap, SPLIT_ONLY);
                targetRow(md, "processor RSS ≤ 512 MB", rss, SPLIT_ONLY);
            }
        }
        r.digestSizes.stream().filter(d -> d.alarms() == 10_000).findFirst().ifPresent(d ->
            target(md, "10,000-alarm digest built in < 50 ms", String.format(Locale.ROOT, "%.1f ms (processor's own "
                + "timing; end to end %s ms)", d.buildMaxMillis(), d.latencyMillis()),
                d.buildMaxMillis() >= 0 && d.buildMaxMillis() < 50));
        line(md, "");
        holdingBack(md, r);
    }

    /**
     * CPU per event at the sustained rate against what the raw stages of the same run spent per record: the
     * processor against twice the Streams pass-through's client, the ingress against the ordered read's plus the
     * transactional produce's clients, nats-server's share for the service (its CPU per event less what a publish
     * costs it) against 1.5 times its cost of the ordered read.
     */
    private static void cpuTargets(StringBuilder md, Results r) {
        Load.Window sustained = r.sustained();
        if (r.raw == null || sustained == null || sustained.cpuPerEvent().isEmpty()) {
            return;
        }
        for (Budget budget : budgets(r)) {
            double measured = budget.measured(sustained);
            String figure = String.format(Locale.ROOT, "%.1f µs%s against %.1f µs", measured,
                budget.deducted() > 0 ? String.format(Locale.ROOT, " (%.1f less the publisher's %.1f)",
                    measured + budget.deducted(), budget.deducted()) : "", budget.limit());
            if (budget.splitOnly() && !r.mode.equals("split")) {
                targetRow(md, budget.target(), "–", SPLIT_ONLY);
            } else {
                target(md, budget.target(), figure, measured >= 0 && measured <= budget.limit());
            }
        }
    }

    /** A process's CPU per event at the sustained rate and the limit the raw stages set for it. */
    record Budget(String target, String process, double deducted, double limit, boolean splitOnly) {
        /** The process's CPU per event in {@code window} less what is deducted; negative when not measured. */
        double measured(Load.Window window) {
            return window.cpuPerEvent().getOrDefault(process, -1.0) - deducted;
        }
    }

    static List<Budget> budgets(Results r) {
        RawLimits.Result raw = r.raw;
        return List.of(
            new Budget("processor CPU per event ≤ 2 × Streams pass-through's per record", Deployment.PROCESSOR, 0,
                2 * raw.passThrough().cpu(Deployment.BENCH), true),
            new Budget("ingress CPU per event ≤ ordered read's + transactional produce's per record", Deployment.INGRESS, 0,
                raw.read().cpu(Deployment.BENCH) + raw.produce().cpu(Deployment.BENCH), true),
            new Budget("nats-server CPU per event for the service ≤ 1.5 × the ordered read's per record", Deployment.NATS,
                publisherShare(r, Results.SUSTAINED), 1.5 * raw.read().cpu(Deployment.NATS), false));
    }

    /**
     * nats-server's CPU per message for the benchmark's publishing alone at that load ({@link PublishCost}); the
     * raw publish stage's when that was not measured.
     */
    static double publisherShare(Results r, String at) {
        Map<String, Double> alone = r.publishOnly.get(at);
        if (alone != null && alone.containsKey(Deployment.NATS)) {
            return alone.get(Deployment.NATS);
        }
        return r.raw == null ? 0 : r.raw.publish().cpu(Deployment.NATS);
    }

    /** When the rate target is missed: which process is furthest over its CPU budget. */
    private static void holdingBack(StringBuilder md, Results r) {
        Load.Window sustained = r.sustained();
        double combined = r.raw == null ? 0 : r.raw.combined();
        if (sustained == null || combined == 0 || r.maxRate >= 0.6 * combined || !r.mode.equals("split")) {
            return;
        }
        Budget worst = null;
        double worstRatio = 0;
        for (Budget budget : budgets(r)) {
            double ratio = budget.measured(sustained) / Math.max(1e-9, budget.limit());
            if (ratio > worstRatio) {
                worstRatio = ratio;
                worst = budget;
            }
        }
        if (worst != null) {
            line(md, "What holds the rate back: **%s**, at %.1f × its CPU budget per event (table *CPU per processed "
                + "event*%s).", worst.process(), worstRatio, r.profiles.isEmpty() ? "; `./bench --profile` shows where"
                : " and its profile below");
            line(md, "");
        }
    }

    /** The processor's peaks over every phase from the largest state on. */
    private static Memory.Peak processorPeakFromLastStep(Results r) {
        if (r.memory == null || r.memory.isEmpty()) {
            return null;
        }
        String processorName = null;
        Memory.Peak peak = new Memory.Peak();
        boolean counting = false;
        String lastStateWindow = r.stateSteps.isEmpty() ? "" : String.format(Locale.ROOT, "updates at %,d alarms",
            r.stateSteps.get(r.stateSteps.size() - 1).alarms());
        for (Map.Entry<String, Map<String, Memory.Peak>> phase : r.memory.entrySet()) {
            counting |= phase.getKey().equals(lastStateWindow);
            if (!counting || phase.getValue().isEmpty()) {
                continue;
            }
            if (processorName == null) {
                processorName = phase.getValue().keySet().iterator().next();
            }
            Memory.Peak p = phase.getValue().get(processorName);
            if (p != null) {
                peak.rss = Math.max(peak.rss, p.rss);
                peak.heapUsed = Math.max(peak.heapUsed, p.heapUsed);
                peak.heapLive = Math.max(peak.heapLive, p.heapLive);
            }
        }
        return processorName == null ? null : peak;
    }

    private static boolean heldAny(Results r) {
        return r.sustainTries.stream().anyMatch(Load.Window::held);
    }

    private static void raw(StringBuilder md, Results r) {
        if (r.raw == null) {
            return;
        }
        line(md, "## Raw limits (same run, one stage at a time)");
        line(md, "");
        line(md, "Each stage warmed up, then run %d times in turn; the median, the spread of the runs, and the CPU each "
            + "process spent per record in the median run (µs; the benchmark's process is the stage's client). A run "
            + "whose clients logged a warning or an error is run again (at most %d times).", RawLimits.RUNS,
            RawLimits.RETRIES);
        line(md, "");
        line(md, "| stage | median msgs/s | runs | end-to-end / stage | nats-server µs | broker µs | client µs | "
            + "measured again |");
        line(md, "|---|---:|---|---:|---:|---:|---:|---|");
        for (RawLimits.Stage stage : r.raw.stages()) {
            line(md, "| %s | %,.0f | %s | %.0f %% | %s | %s | %s | %s |", stage.kind().title, stage.median(),
                String.join(", ", stage.rates().stream().map(rate -> String.format(Locale.ROOT, "%,.0f", rate))
                    .toList()), 100 * r.maxRate / stage.median(), micros(stage.cpuPerRecord().get(Deployment.NATS)),
                micros(broker(stage.cpuPerRecord())), micros(stage.cpuPerRecord().get(Deployment.BENCH)),
                stage.problem() == null ? "no" : (stage.remeasured() == 0 ? "" : stage.remeasured() + "×, ")
                    + (stage.remeasured() == RawLimits.RETRIES ? "kept with the problem: " : "after: ")
                    + stage.problem().replace('|', '/'));
        }
        line(md, "| **combined limit** 1 / Σ(1 / median) | %,.0f | | %.0f %% | | | | |", r.raw.combined(),
            100 * r.maxRate / r.raw.combined());
        line(md, "");
    }

    /** The broker's CPU: its own process in split mode, the service process in standalone (which holds it). */
    private static Double broker(Map<String, Double> cpu) {
        return cpu.containsKey(Deployment.BROKER) ? cpu.get(Deployment.BROKER) : cpu.get(Deployment.STANDALONE);
    }

    /**
     * CPU per processed event of every process at the sustained rate and at 80 % of it, with the cores each kept
     * busy; next to it, what each raw stage cost per record.
     */
    private static void cpu(StringBuilder md, Results r) {
        Load.Window sustained = r.sustained();
        Load.Window at80 = r.at80();
        if (sustained == null && at80 == null) {
            return;
        }
        line(md, "## CPU per processed event");
        line(md, "");
        line(md, "Microseconds of CPU (user + system, every thread, from /proc/<pid>/stat) each process spent per input "
            + "message processed, over the window after its first fifth; in brackets the cores it kept busy. "
            + "nats-server's figure includes what the benchmark's publishing costs it; the row below it takes away "
            + "what publishing alone at the same rate cost it, into a stream nothing reads.");
        line(md, "");
        line(md, "| process | at the sustained rate%s | at 80 %%%s |", rateOf(sustained), rateOf(at80));
        line(md, "|---|---:|---:|");
        double[] totals = new double[2];
        for (String process : r.processes) {
            line(md, "| %s | %s | %s |", process, cpuCell(sustained, process, totals, 0), cpuCell(at80, process, totals,
                1));
            if (process.equals(Deployment.NATS)) {
                line(md, "| nats-server for the service (less the publisher's own: %s, %s µs) | %s | %s |",
                    micros(publisherShare(r, Results.SUSTAINED)), micros(publisherShare(r, Results.AT_80)),
                    serviceShare(sustained, r, Results.SUSTAINED), serviceShare(at80, r, Results.AT_80));
            }
        }
        line(md, "| **all** | %s | %s |", sustained == null ? "–" : micros(totals[0]), at80 == null ? "–"
            : micros(totals[1]));
        line(md, "");
        line(md, "![CPU per event, pipeline and raw stages](bench-cpu.png)");
        line(md, "");
    }

    private static String serviceShare(Load.Window window, Results r, String at) {
        Double total = window == null ? null : window.cpuPerEvent().get(Deployment.NATS);
        return total == null ? "–" : String.format(Locale.ROOT, "%.1f µs", total - publisherShare(r, at));
    }

    private static String rateOf(Load.Window window) {
        return window == null ? "" : String.format(Locale.ROOT, " (%,.0f/s)", window.processedRate());
    }

    private static String cpuCell(Load.Window window, String process, double[] totals, int column) {
        if (window == null || !window.cpuPerEvent().containsKey(process)) {
            return "–";
        }
        double micros = window.cpuPerEvent().get(process);
        totals[column] += micros;
        return String.format(Locale.ROOT, "%.1f µs (%.2f)", micros, window.cores().getOrDefault(process, 0.0));
    }

    private static String micros(Double value) {
        return value == null ? "–" : String.format(Locale.ROOT, "%.1f", value);
    }

    private static void profiles(StringBuilder md, Results r) {
        if (r.profiles.isEmpty()) {
            return;
        }
        line(md, "## Profiles at the sustained rate (JFR)");
        line(md, "");
        line(md, "Self time: the method on top of the stack in each sample of a thread running Java code, or working in "
            + "RocksDB's native code; threads waiting (network, locks) are not counted. The recordings are next to this "
            + "report.");
        line(md, "");
        for (Profile.Summary profile : r.profiles) {
            line(md, "### %s (%,d samples, `%s`)", profile.process(), profile.samples(),
                profile.file().getFileName());
            line(md, "");
            line(md, "By library: %s.", String.join(", ", profile.libraries().stream().map(f -> String.format(
                Locale.ROOT, "%s %.0f %%", f.name(), 100 * f.share())).toList()));
            line(md, "");
            line(md, "| self time | share | on the stack (outside the JDK, run loops left out) | share |");
            line(md, "|---|---:|---|---:|");
            for (int i = 0; i < Math.max(profile.methods().size(), profile.onStack().size()); i++) {
                Profile.Frame self = i < profile.methods().size() ? profile.methods().get(i) : null;
                Profile.Frame stack = i < profile.onStack().size() ? profile.onStack().get(i) : null;
                line(md, "| %s | %s | %s | %s |", self == null ? "" : "`" + self.name() + "`",
                    self == null ? "" : String.format(Locale.ROOT, "%.1f %%", 100 * self.share()),
                    stack == null ? "" : "`" + stack.name() + "`",
                    stack == null ? "" : String.format(Locale.ROOT, "%.1f %%", 100 * stack.share()));
            }
            line(md, "");
        }
    }

    private static void throughput(StringBuilder md, Results r) {
        line(md, "## Sustained end-to-end rate");
        line(md, "");
        line(md, "Flat out (publisher paused while the backlog is above 20,000): processed %,.0f/s. Then fixed rates "
            + "for the window's length; *held* = published and processed within 3 %% of the offered rate and the "
            + "backlog (NATS input stream + processor lag) growing by less than 1 %% of it per second.",
            r.saturation == null ? 0 : r.saturation.processedRate());
        line(md, "");
        line(md, "| offered/s | published/s | processed/s | backlog growth/s | backlog at end | held |");
        line(md, "|---:|---:|---:|---:|---:|---|");
        for (Load.Window w : r.sustainTries) {
            line(md, "| %,.0f | %,.0f | %,.0f | %,.1f | %,d | %s |", w.offered(), w.publishedRate(), w.processedRate(),
                w.backlogSlope(), w.backlogEnd(), w.held() ? "yes" : "no");
        }
        line(md, "");
        line(md, "**Maximum sustained rate: %,.0f events/s**%s", r.maxRate, heldAny(r) ? "" : " (none held: the lowest rate tried)");
        line(md, "");
    }

    private static void latency(StringBuilder md, Results r) {
        line(md, "## Digest latency (request accepted by NATS → digest on the digest subject)");
        line(md, "");
        line(md, "Commit interval: %s.", r.settings.getOrDefault("commit interval", "100 ms (exactly_once_v2 default)"));
        line(md, "");
        line(md, "| load | processed/s | requests | p50 ms | p95 ms | p99 ms | max ms | unanswered | held | "
            + "max backlog | max egress lag |");
        line(md, "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|");
        for (Results.LatencyPoint p : r.latencyPoints) {
            line(md, "| %s | %,.0f | %,d | %d | %d | %d | %d | %d | %s | %,d | %,d |", p.label(),
                p.window().processedRate(), p.latencies().length, p.percentile(0.5), p.percentile(0.95),
                p.percentile(0.99), p.percentile(1.0), p.unanswered(), p.window().held() ? "yes" : "no",
                p.window().backlogMax(), p.window().egressLagMax());
        }
        line(md, "");
        line(md, "Max backlog: input not yet processed (NATS input stream + processor lag); max egress lag: digest "
            + "parts committed but not yet confirmed published (sampled every second).");
        line(md, "");
    }

    private static void state(StringBuilder md, Results r) {
        line(md, "## Growth with the state");
        line(md, "");
        line(md, "| alarms | users | load rate/s | update rate/s | state on disk | bytes/alarm | processor heap live | "
            + "processor RSS |");
        line(md, "|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Results.StateStep s : r.stateSteps) {
            line(md, "| %,d | %,d | %,.0f | %,.0f | %s | %,.0f | %s | %s |", s.alarms(), s.users(), s.loadRate(),
                s.updateRate(), mb(s.stateBytes()), s.bytesPerAlarm(), mb(s.processor().heapLive),
                mb(s.processor().rss));
        }
        line(md, "");
        line(md, "State on disk: the processor's state directory (RocksDB files of every store, checkpoints); "
            + "memtables not yet flushed are not in it.");
        line(md, "");
    }

    private static void digests(StringBuilder md, Results r) {
        line(md, "## Digest size (one user, every alarm changed, three rounds)");
        line(md, "");
        line(md, "| alarms | parts | end to end ms (3 rounds) | built in (processor, max) ms |");
        line(md, "|---:|---:|---|---:|");
        for (Results.DigestSize d : r.digestSizes) {
            line(md, "| %,d | %d | %s | %.1f |", d.alarms(), d.parts(), d.latencyMillis(), d.buildMaxMillis());
        }
        line(md, "");
    }

    private static void memory(StringBuilder md, Results r) {
        if (r.memory == null) {
            return;
        }
        line(md, "## CPU and memory per process (per phase)");
        line(md, "");
        line(md, "CPU: cores a process kept busy on average during the phase (of %d), from /proc/<pid>/stat: where the "
            + "machine's time goes.", Runtime.getRuntime().availableProcessors());
        line(md, "");
        line(md, "| phase | process | CPU cores | RSS | heap in use | heap live after GC |");
        line(md, "|---|---|---:|---:|---:|---:|");
        r.memory.forEach((phase, processes) -> processes.forEach((name, p) ->
            line(md, "| %s | %s | %s | %s | %s | %s |", phase, name, p.cores() < 0 ? "–"
                : String.format(Locale.ROOT, "%.2f", p.cores()), mb(p.rss), mb(p.heapUsed), mb(p.heapLive))));
        line(md, "");
        if (r.highWaterMarks != null) {
            line(md, "Highest RSS of each process over the whole run (VmHWM): %s.", String.join(", ",
                r.highWaterMarks.entrySet().stream().map(e -> e.getKey() + " " + mb(e.getValue())).toList()));
            line(md, "");
        }
    }

    private static void charts(Path dir, Results r) throws IOException {
        XYSeries p50 = new XYSeries("p50");
        XYSeries p95 = new XYSeries("p95");
        XYSeries p99 = new XYSeries("p99");
        for (Results.LatencyPoint p : r.latencyPoints) {
            double x = p.window().offered();
            p50.add(x, p.percentile(0.5));
            p95.add(x, p.percentile(0.95));
            p99.add(x, p.percentile(0.99));
        }
        XYSeriesCollection latency = new XYSeriesCollection();
        latency.addSeries(p50);
        latency.addSeries(p95);
        latency.addSeries(p99);
        save(dir.resolve("bench-latency.png"), ChartFactory.createXYLineChart("Digest latency against load",
            "offered events/s", "ms", latency, PlotOrientation.VERTICAL, true, false, false), false);

        XYSeries updates = new XYSeries("status changes processed/s (flat out)");
        XYSeries loads = new XYSeries("new alarms processed/s (loading)");
        for (Results.StateStep s : r.stateSteps) {
            updates.add(s.alarms(), s.updateRate());
            loads.add(s.alarms(), s.loadRate());
        }
        XYSeriesCollection throughput = new XYSeriesCollection();
        throughput.addSeries(updates);
        throughput.addSeries(loads);
        save(dir.resolve("bench-throughput.png"), ChartFactory.createXYLineChart("Throughput against state size",
            "alarms in the state", "events/s", throughput, PlotOrientation.VERTICAL, true, false, false), true);
        cpuChart(dir.resolve("bench-cpu.png"), r);
    }

    /** A stacked bar per window and per raw stage: the CPU microseconds each process spent per event or record. */
    private static void cpuChart(Path file, Results r) throws IOException {
        DefaultCategoryDataset bars = new DefaultCategoryDataset();
        Map<String, Map<String, Double>> columns = new LinkedHashMap<>();
        if (r.sustained() != null) {
            columns.put("pipeline at the sustained rate", r.sustained().cpuPerEvent());
        }
        if (r.at80() != null) {
            columns.put("pipeline at 80 %", r.at80().cpuPerEvent());
        }
        if (r.raw != null) {
            columns.put("raw: JetStream publish", r.raw.publish().cpuPerRecord());
            columns.put("raw: ordered read", r.raw.read().cpuPerRecord());
            columns.put("raw: transactional produce", r.raw.produce().cpuPerRecord());
            columns.put("raw: Streams pass-through", r.raw.passThrough().cpuPerRecord());
        }
        for (String process : r.processes) {
            columns.forEach((column, cpu) -> bars.addValue(cpu.getOrDefault(process, 0.0), process, column));
        }
        JFreeChart chart = ChartFactory.createStackedBarChart("CPU per event (pipeline) and per record (raw stages)",
            "", "µs of CPU", bars, PlotOrientation.VERTICAL, true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.getDomainAxis().setMaximumCategoryLabelLines(3);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 500);
    }

    /** Tick labels of a count axis in plain numbers: 1k, 10k, 100k, 1M. */
    static String count(double value) {
        if (value >= 1e6 && value % 1e6 == 0) {
            return String.format(Locale.ROOT, "%.0fM", value / 1e6);
        }
        if (value >= 1e3 && value % 1e3 == 0) {
            return String.format(Locale.ROOT, "%.0fk", value / 1e3);
        }
        return String.format(Locale.ROOT, "%,.0f", value);
    }

    /** {@link #count} as the chart's axis asks for it. */
    private static final class CountFormat extends NumberFormat {
        @Override
        public StringBuffer format(double number, StringBuffer to, FieldPosition position) {
            return to.append(count(Math.rint(number)));
        }

        @Override
        public StringBuffer format(long number, StringBuffer to, FieldPosition position) {
            return to.append(count(number));
        }

        @Override
        public Number parse(String source, ParsePosition position) {
            throw new UnsupportedOperationException("axis labels are only written");
        }
    }

    private static void save(Path file, JFreeChart chart, boolean logX) throws IOException {
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        if (logX) {
            LogAxis axis = new LogAxis(plot.getDomainAxis().getLabel());
            axis.setBase(10);
            axis.setSmallestValue(100);
            axis.setTickUnit(new NumberTickUnit(1)); // a tick per power of ten
            axis.setNumberFormatOverride(new CountFormat());
            plot.setDomainAxis(axis);
        }
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < plot.getSeriesCount(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 800, 450);
    }

    private static String mb(long bytes) {
        return bytes < 0 ? "–" : String.format(Locale.ROOT, "%.0f MB", bytes / MB);
    }

    private static void target(StringBuilder md, String target, String measured, boolean met) {
        targetRow(md, target, measured, met ? "met" : "**missed**");
    }

    private static void targetRow(StringBuilder md, String target, String measured, String verdict) {
        line(md, "| %s | %s | %s |", target, measured, verdict);
    }

    private static void line(StringBuilder md, String format, Object... args) {
        md.append(String.format(Locale.ROOT, format, args)).append('\n');
    }

}
