package io.alarmdigest.bench;

import io.alarmdigest.reliability.Publisher;
import io.alarmdigest.reliability.Run;
import io.alarmdigest.reliability.Workload;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Offers load to the service through NATS and watches what it does with it, one window at a time: publishes at a
 * fixed rate (held against the clock) or flat out (paused while the backlog is above a ceiling, so that the
 * pipeline, not the publisher, sets the pace), samples the service's progress every second and prints it.
 */
final class Load {
    private final Run run;
    private final Gauges gauges;
    private final Memory memory;
    private final PrintStream out;
    /** The processes whose CPU per event each window reports. */
    private final List<Deployment.Measured> processes;

    Load(Run run, Gauges gauges, Memory memory, List<Deployment.Measured> processes, PrintStream out) {
        this.run = run;
        this.gauges = gauges;
        this.memory = memory;
        this.processes = processes;
        this.out = out;
    }

    /**
     * What one window saw. {@code processedRate}: input messages per second the processor took in (see
     * {@link Gauges#progress()}), between the first and the last sample after the warm-up; {@code backlogSlope}: the least-squares growth of the
     * backlog over the window's last two thirds, messages per second; {@code cpuPerEvent}: microseconds of CPU each
     * process spent per processed message, over the same span as {@code processedRate}; {@code cores}: the cores
     * each kept busy over that span.
     */
    record Window(String name, double offered, double seconds, long published, double processedRate,
                  double backlogSlope, long backlogEnd, long backlogMax, long egressLagMax, long startNanos,
                  long endNanos, Map<String, Double> cpuPerEvent, Map<String, Double> cores) {
        double publishedRate() {
            return published / seconds;
        }

        Window withProcessedRate(double rate) {
            return new Window(name, offered, seconds, published, rate, backlogSlope, backlogEnd, backlogMax,
                egressLagMax, startNanos, endNanos, cpuPerEvent, cores);
        }

        /**
         * Sustained: the publisher kept the offered rate, the processor kept up with it (processed within 3 % of
         * it) and the backlog did not grow (by less than 1 % of the offered rate per second).
         */
        boolean held() {
            return publishedRate() >= 0.97 * offered && processedRate >= 0.97 * offered
                && backlogSlope <= 0.01 * offered;
        }
    }

    /** Publishes {@code rate} messages per second of {@code source} for {@code duration}. */
    Window fixed(String name, Supplier<Workload.Message> source, double rate, Duration duration) throws Exception {
        return drive(name, source, rate, duration, Long.MAX_VALUE);
    }

    /** Publishes as fast as the service takes it: paused while the backlog is above {@code ceiling}. */
    Window flatOut(String name, Supplier<Workload.Message> source, Duration duration, long ceiling) throws Exception {
        return drive(name, source, 0, duration, ceiling);
    }

    /**
     * Publishes every message of {@code messages} flat out, then waits until the service has processed them; the
     * window's processed rate is the messages over the time until then (a small load is published in a moment,
     * and processed after it).
     */
    Window all(String name, Iterator<Workload.Message> messages, long ceiling, Duration timeout) throws Exception {
        Window window = drive(name, () -> messages.hasNext() ? messages.next() : null, 0, timeout, ceiling);
        if (!gauges.awaitDrained(timeout)) {
            throw new IllegalStateException(name + ": the service did not take the load within " + timeout);
        }
        return window.withProcessedRate(window.published() / ((System.nanoTime() - window.startNanos()) / 1e9));
    }

    private Window drive(String name, Supplier<Workload.Message> source, double rate, Duration duration, long ceiling)
        throws Exception {
        Publisher publisher = run.publisher();
        List<Gauges.Progress> samples = new ArrayList<>();
        List<Cpu.Snapshot> cpu = new ArrayList<>();
        Gauges.Progress first = gauges.progress();
        samples.add(first);
        cpu.add(Cpu.take(processes));
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long nextSample = start + TimeUnit.SECONDS.toNanos(1);
        long published = 0;
        long backlog = first.backlog();
        boolean exhausted = false;
        while (System.nanoTime() < end && !exhausted) {
            long now = System.nanoTime();
            if (now >= nextSample) {
                Gauges.Progress sample = gauges.progress();
                samples.add(sample);
                cpu.add(Cpu.take(processes));
                backlog = sample.backlog();
                memory.sample(name);
                show(name, rate, start, end, published, samples);
                nextSample += TimeUnit.SECONDS.toNanos(1);
                continue;
            }
            boolean due = rate > 0 ? published < (now - start) / 1e9 * rate : backlog < ceiling;
            if (!due) {
                TimeUnit.MICROSECONDS.sleep(500);
                continue;
            }
            // A burst of up to 100 between clock checks.
            for (int i = 0; i < 100 && (rate <= 0 || published < (System.nanoTime() - start) / 1e9 * rate); i++) {
                Workload.Message message = source.get();
                if (message == null) {
                    exhausted = true;
                    break;
                }
                publisher.publish(message, false);
                published++;
            }
        }
        long stop = System.nanoTime();
        samples.add(gauges.progress());
        cpu.add(Cpu.take(processes));
        out.println();
        double seconds = (stop - start) / 1e9;
        int from = settled(samples);
        Gauges.Progress a = samples.get(from);
        Gauges.Progress b = samples.get(samples.size() - 1);
        double processedRate = (b.processed() - a.processed()) / Math.max(1e-9, (b.nanos() - a.nanos()) / 1e9);
        Cpu.Snapshot cpuFrom = cpu.get(from);
        Cpu.Snapshot cpuTo = cpu.get(cpu.size() - 1);
        return new Window(name, rate, seconds, published, processedRate, slope(samples),
            samples.get(samples.size() - 1).backlog(), samples.stream().mapToLong(Gauges.Progress::backlog).max()
            .orElse(0), samples.stream().mapToLong(Gauges.Progress::egressLag).max().orElse(0), start, stop,
            Cpu.microsPerEvent(cpuFrom, cpuTo, b.processed() - a.processed()), Cpu.cores(cpuFrom, cpuTo));
    }

    /**
     * The sample from which a window's rate and CPU are taken: after the first fifth of the window (the pipeline
     * settling to the new rate), or the first one of a short window.
     */
    private static int settled(List<Gauges.Progress> samples) {
        return samples.size() < 3 ? 0 : samples.size() / 5;
    }

    /** Least-squares slope of the backlog over the last two thirds of the samples, per second. */
    private static double slope(List<Gauges.Progress> samples) {
        List<Gauges.Progress> tail = samples.subList(samples.size() / 3, samples.size());
        if (tail.size() < 2) {
            return 0;
        }
        double n = tail.size();
        double t0 = tail.get(0).nanos();
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (Gauges.Progress p : tail) {
            double x = (p.nanos() - t0) / 1e9;
            double y = p.backlog();
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }
        double denominator = n * sxx - sx * sx;
        return denominator == 0 ? 0 : (n * sxy - sx * sy) / denominator;
    }

    private void show(String name, double rate, long start, long end, long published, List<Gauges.Progress> samples) {
        Gauges.Progress last = samples.get(samples.size() - 1);
        Gauges.Progress before = samples.get(Math.max(0, samples.size() - 6));
        double processed = (last.processed() - before.processed()) / Math.max(1e-9, (last.nanos() - before.nanos()) / 1e9);
        long elapsed = (System.nanoTime() - start) / 1_000_000_000L;
        out.printf(Locale.ROOT, "\r  %-34s %4d/%-4d s  offered %-9s published %,10d  processed %,8.0f/s  backlog %,9d"
                + "  egress lag %,6d   ", name, elapsed, (end - start) / 1_000_000_000L,
            rate > 0 ? String.format(Locale.ROOT, "%,.0f/s", rate) : "flat out", published, processed, last.backlog(),
            last.egressLag());
        out.flush();
    }
}
