package io.alarmdigest.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Writes {@code bench-report.md} and its charts (PNG) from a run's {@link Results}. */
final class Report {
    private static final double MB = 1024 * 1024;

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
        throughput(md, r);
        latency(md, r);
        state(md, r);
        digests(md, r);
        memory(md, r);
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
        target(md, "sustained end-to-end ≥ 50 % of the combined limit",
            String.format(Locale.ROOT, "%,.0f/s = %.0f %% of %,.0f/s%s", r.maxRate, 100 * r.maxRate / combined, combined,
                heldAny(r) ? "" : " (no rate held)"), heldAny(r) && r.maxRate >= 0.5 * combined);
        Results.LatencyPoint half = r.latencyPoints.isEmpty() ? null : r.latencyPoints.get(0);
        if (half != null) {
            target(md, "digest latency p99 ≤ 300 ms at 50 % of the maximum rate",
                half.percentile(0.99) + " ms (" + half.label() + ")", half.percentile(0.99) >= 0
                    && half.percentile(0.99) <= 300 && half.unanswered() == 0);
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
                target(md, "processor RSS ≤ 768 MB", rss, processor.rss > 0 && processor.rss <= 768 * MB);
            } else {
                // The budget is the processor's alone; in standalone the process holds the broker and bridges too.
                String elsewhere = "– (split mode only: this process is not the processor alone)";
                targetRow(md, "processor heap ≤ 256 MB", heap, elsewhere);
                targetRow(md, "processor RSS ≤ 768 MB", rss, elsewhere);
            }
        }
        r.digestSizes.stream().filter(d -> d.alarms() == 10_000).findFirst().ifPresent(d ->
            target(md, "10,000-alarm digest built in < 100 ms", String.format(Locale.ROOT, "%.1f ms (processor's own "
                + "timing; end to end %s ms)", d.buildMaxMillis(), d.latencyMillis()),
                d.buildMaxMillis() >= 0 && d.buildMaxMillis() < 100));
        line(md, "");
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
        line(md, "| stage | msgs/s | end-to-end / stage |");
        line(md, "|---|---:|---:|");
        rawRow(md, "JetStream publish (file storage, acknowledged)", r.raw.jetStreamPublish(), r.maxRate);
        rawRow(md, "JetStream ordered read + purge every 10,000", r.raw.jetStreamRead(), r.maxRate);
        rawRow(md, "Kafka transactional produce, acks=all", r.raw.kafkaProduce(), r.maxRate);
        rawRow(md, "Kafka Streams pass-through, exactly_once_v2", r.raw.streamsPassThrough(), r.maxRate);
        rawRow(md, "**combined limit** 1 / Σ(1 / stage)", r.raw.combined(), r.maxRate);
        line(md, "");
    }

    private static void rawRow(StringBuilder md, String stage, double rate, double endToEnd) {
        line(md, "| %s | %,.0f | %.0f %% |", stage, rate, 100 * endToEnd / rate);
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
