package io.alarmdigest.bench;

import io.alarmdigest.reliability.Oracle;
import io.alarmdigest.reliability.Run;
import io.alarmdigest.reliability.Workload;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./bench}: how fast and how big the service goes on this machine, next to the raw speed of its parts
 * measured in the same run. See BENCHMARK.md for the method and what each figure means.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
    description = {
        "Measures the raw speed of NATS, Kafka and Kafka Streams here, then drives the service through NATS: state",
        "growth, the highest sustained rate, digest latency at 50 %% and 80 %% of it, digests of 1 to 10,000 alarms,",
        "memory of every process; checks every digest against an oracle; writes <out>/bench-report.md and charts.",
        "Exit code 0 when every digest was right (targets missed are reported, not failed), 1 when one was not."})
public final class Bench implements Callable<Integer> {
    @Option(names = "--mode", defaultValue = "standalone",
        description = "standalone (one process, embedded Kafka), split (broker, processor, ingress, egress each a "
            + "process) or external (a running service: --nats-url, --bootstrap-servers). Default: ${DEFAULT-VALUE}.")
    String mode;

    @Option(names = "--nats-url", description = "external mode: the service's NATS.")
    String natsUrl;

    @Option(names = "--bootstrap-servers", description = "external mode: the service's Kafka.")
    String bootstrapServers;

    @Option(names = "--max-alarms", defaultValue = "1000000",
        description = "The state grows 1,000 → 10,000 → ... up to this many alarms (default: ${DEFAULT-VALUE}).")
    int maxAlarms;

    @Option(names = "--alarms-per-user", defaultValue = "10",
        description = "Alarms per user in that state (default: ${DEFAULT-VALUE}).")
    int alarmsPerUser;

    @Option(names = "--max-digest-alarms", defaultValue = "10000",
        description = "Digests of one user with 1, 10, ... up to this many changed alarms (default: ${DEFAULT-VALUE}).")
    int maxDigestAlarms;

    @Option(names = "--request-share", defaultValue = "0.05",
        description = "Share of digest requests among the messages (default: ${DEFAULT-VALUE}).")
    double requestShare;

    @Option(names = "--sustain-seconds", defaultValue = "60",
        description = "Length of each fixed-rate window (default: ${DEFAULT-VALUE}).")
    int sustainSeconds;

    @Option(names = "--raw-seconds", defaultValue = "10",
        description = "Length of each raw-limit measurement (default: ${DEFAULT-VALUE}).")
    int rawSeconds;

    @Option(names = "--processor-jvm", defaultValue = "-Xmx256m",
        description = "split mode: the processor's JVM options (default: ${DEFAULT-VALUE}).", split = " ")
    List<String> processorJvm;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
        description = "A setting for the service (standalone, or each process of split mode), as alarm-digest --set "
            + "takes it: to try a setting before making it a default. Repeatable.")
    List<String> serviceSettings = new ArrayList<>();

    @Option(names = "--quick", description = "A short run (a few minutes): 10,000 alarms, digests up to 1,000, "
        + "20 s windows. Its figures are rough.")
    boolean quick;

    @Option(names = "--profile", description = "Also record a JFR profile of the processor and the ingress (in "
        + "standalone mode: the one service process) over one more window at the sustained rate; the report lists "
        + "the top frames, the recordings stay in <out> (open them with JDK Mission Control or `jfr print`).")
    boolean profile;

    @Option(names = "--out", defaultValue = "bench-results",
        description = "Where the report, charts and the service's logs go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the workload (default: ${DEFAULT-VALUE}).")
    long seed;

    private static final long BACKLOG_CEILING = 20_000;
    /** The warm-up's users: a workload of their own (other IDs), so the growth steps start from the first one. */
    private static final long WARM_UP_SEED = 7_919;
    private static final int WARM_UP_USERS = 100;
    private static final long PUBLISH_ONLY_SEED = 104_729;
    /** How many top methods a profile lists. */
    private static final int PROFILE_TOP = 20;
    /** The processor logs digests of at least this many alarms with their build time. */
    private static final int LARGE_DIGEST = 1_000;
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(10);
    private final PrintStream console = System.out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Bench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (quick) {
            maxAlarms = Math.min(maxAlarms, 10_000);
            maxDigestAlarms = Math.min(maxDigestAlarms, 1_000);
            sustainSeconds = Math.min(sustainSeconds, 20);
            rawSeconds = Math.min(rawSeconds, 3);
        }
        if (maxAlarms < 1_000 || alarmsPerUser < 1 || maxAlarms % alarmsPerUser != 0) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                "--max-alarms must be at least 1000 and a multiple of --alarms-per-user");
        }
        Files.createDirectories(out);
        Path logs = Files.createDirectories(out.resolve("logs"));
        Results results = new Results();
        long started = System.nanoTime();
        results.mode = mode;
        results.machine = Runtime.getRuntime().availableProcessors() + " cores, "
            + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", Java "
            + System.getProperty("java.version");
        console.println("alarm-digest bench: " + mode + " mode, up to " + String.format(Locale.ROOT, "%,d", maxAlarms)
            + " alarms; report in " + out.resolve("bench-report.md"));
        try (Deployment deployment = start(logs);
             Connection nats = Nats.connect(deployment.natsUrl);
             Gauges gauges = new Gauges(deployment.bootstrap, nats, deployment.processorHttpPort);
             Run run = new Run(deployment.natsUrl, "bench-" + System.currentTimeMillis())) {
            results.settings.put("processor JVM", deployment.mode == Deployment.Mode.SPLIT
                ? String.join(" ", deployment.processorJvm) : "(as shipped: none)");
            results.settings.put("settings", serviceSettings.isEmpty() ? "as shipped" : String.join(" ",
                serviceSettings));
            Workload workload = new Workload(seed, maxAlarms / alarmsPerUser, alarmsPerUser, requestShare);
            List<Deployment.Measured> measured = new ArrayList<>(deployment.processes);
            // The load and its checks share the machine too: its CPU is part of the picture. In the raw stages this
            // process is the client.
            measured.add(new Deployment.Measured(Deployment.BENCH, ProcessHandle.current().pid(), -1));
            results.processes = measured.stream().map(Deployment.Measured::name).toList();
            Memory memory = new Memory(measured, gauges);
            Load load = new Load(run, gauges, memory, measured, console);

            phase("1/5 raw limits, one stage at a time (warm-up, then " + RawLimits.RUNS + " runs of " + rawSeconds
                + " s each)");
            results.raw = RawLimits.measure(nats, deployment.bootstrap, new Workload(seed, 1, 1, 0).raise(0, 0).payload(),
                Duration.ofSeconds(rawSeconds), measured, name -> console.println("  " + name));
            for (RawLimits.Stage stage : results.raw.stages()) {
                console.printf(Locale.ROOT, "  %-48s median %,9.0f/s (%,.0f–%,.0f)%s%n", stage.kind().title,
                    stage.median(), stage.min(), stage.max(), stage.remeasured() == 0 ? ""
                        : ", measured again " + stage.remeasured() + "× after: " + stage.problem());
            }
            console.printf(Locale.ROOT, "  combined limit %,.0f/s%n", results.raw.combined());

            phase("2/5 state growth: 1,000 → " + String.format(Locale.ROOT, "%,d", maxAlarms) + " alarms");
            Workload warmUp = new Workload(seed + WARM_UP_SEED, WARM_UP_USERS, alarmsPerUser, requestShare);
            warmUp(warmUp, load, gauges);
            growState(workload, load, gauges, memory, deployment, results);

            phase("3/5 highest sustained rate, then latency at 50 % and 80 % of it");
            findMaxRate(workload, load, gauges, results);
            if (profile) {
                results.profiles = profileAtSustainedRate(workload, load, gauges, deployment, results.maxRate);
            }
            publishingAlone(nats, measured, results);
            for (double share : new double[] {0.5, 0.8}) {
                results.latencyPoints.add(latencyAt(workload, load, gauges, run.oracle(), share, results.maxRate));
            }

            phase("4/5 digests of one user with 1 → " + String.format(Locale.ROOT, "%,d", maxDigestAlarms)
                + " changed alarms");
            List<String> digestUsers = digestSizes(load, gauges, run, deployment, results);

            phase("5/5 quiet point: one request per user, every digest checked");
            Set<String> everyone = new LinkedHashSet<>(workload.users());
            everyone.addAll(warmUp.users());
            everyone.addAll(digestUsers);
            run.quietRound(everyone, workload, DRAIN_TIMEOUT);
            memory.sample("quiet point");
            Oracle.Verdict verdict = run.oracle().verify();
            results.correct = verdict.ok();
            results.verdict = verdict.summary();
            results.failures = verdict.failures().stream().limit(50).toList();
            results.memory = memory.peaks();
            results.highWaterMarks = memory.highWaterMarks();
        } finally {
            results.seconds = (System.nanoTime() - started) / 1_000_000_000L;
        }
        Path report = Report.write(out, results);
        console.println();
        console.println((results.correct ? "every digest right: " : "WRONG DIGESTS: ") + results.verdict);
        console.println("report: " + report);
        return results.correct ? 0 : 1;
    }

    private Deployment start(Path logs) throws Exception {
        phase("starting the service (" + mode + ")");
        return switch (mode) {
            case "standalone" -> Deployment.standalone(logs, serviceSettings, profilerJvm());
            case "split" -> Deployment.split(logs, processorJvm, serviceSettings, profilerJvm());
            case "external" -> {
                if (natsUrl == null || bootstrapServers == null) {
                    throw new CommandLine.ParameterException(new CommandLine(this),
                        "--mode external needs --nats-url and --bootstrap-servers");
                }
                yield Deployment.external(natsUrl, bootstrapServers);
            }
            default -> throw new CommandLine.ParameterException(new CommandLine(this),
                "--mode must be standalone, split or external, not '" + mode + "'");
        };
    }

    /**
     * Warms every process up before the growth steps (the JIT, the clients' buffers, RocksDB's first files), so that
     * the first step measures cost at a small state, not a cold start: its own users' alarms loaded, then status
     * changes flat out, neither of them reported.
     */
    private void warmUp(Workload warmUp, Load load, Gauges gauges) throws Exception {
        load.all("warm-up: load", raiseAll(warmUp, 0, warmUp.users().size()), BACKLOG_CEILING, DRAIN_TIMEOUT);
        load.flatOut("warm-up: updates", warmUp::next, Duration.ofSeconds(quick ? 10 : 30), BACKLOG_CEILING);
        drain(gauges);
    }

    /**
     * One more window at the sustained rate with a JFR recording of the processor and the ingress (the one service
     * process in standalone mode); their top frames go into the report, the recordings into {@link #out}.
     */
    private List<Profile.Summary> profileAtSustainedRate(Workload workload, Load load, Gauges gauges,
                                                         Deployment deployment, double rate) throws Exception {
        List<Deployment.Measured> profiled = deployment.processes.stream()
            .filter(p -> p.httpPort() > 0 && !p.name().equals(Deployment.EGRESS)).toList();
        List<Profile> recordings = new ArrayList<>();
        for (Deployment.Measured process : profiled) {
            String file = "profile-" + process.name().replaceAll("\\s*\\(.*", "").replace(' ', '-') + ".jfr";
            recordings.add(Profile.start(process, out.resolve(file)));
        }
        load.fixed(String.format(Locale.ROOT, "profile at %,.0f/s", rate), workload::next, rate,
            Duration.ofSeconds(sustainSeconds));
        List<Profile.Summary> summaries = new ArrayList<>();
        for (Profile recording : recordings) {
            Profile.Summary summary = recording.stop(PROFILE_TOP);
            summaries.add(summary);
            console.printf(Locale.ROOT, "  %s: %,d samples, top: %s%n", summary.process(), summary.samples(),
                summary.methods().stream().limit(3).map(f -> String.format(Locale.ROOT, "%s %.0f %%", f.name(),
                    100 * f.share())).toList());
        }
        drain(gauges);
        return summaries;
    }

    /**
     * What publishing alone costs nats-server (and the benchmark) at the sustained rate and at 80 % of it, into a
     * scratch stream nothing reads, with messages of a workload of their own: the part of nats-server's CPU that is
     * the publisher's, not the service's.
     */
    private void publishingAlone(Connection nats, List<Deployment.Measured> measured, Results results)
        throws Exception {
        Duration window = Duration.ofSeconds(quick ? 10 : 20);
        Workload messages = new Workload(seed + PUBLISH_ONLY_SEED, 1_000, alarmsPerUser, requestShare);
        for (String at : List.of(Results.SUSTAINED, Results.AT_80)) {
            double share = at.equals(Results.SUSTAINED) ? 1.0 : 0.8;
            double rate = Math.max(100, Math.floor(results.maxRate * share / 10) * 10);
            console.printf(Locale.ROOT, "  publishing alone %s: %,.0f/s for %d s%n", at, rate, window.toSeconds());
            results.publishOnly.put(at, PublishCost.at(nats, messages, rate, window, measured));
        }
        console.printf(Locale.ROOT, "  nats-server µs per message published alone: %s%n", results.publishOnly
            .entrySet().stream().map(e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(),
                e.getValue().getOrDefault(Deployment.NATS, -1.0))).toList());
    }

    /**
     * With {@code --profile}: JFR keeps stacks 256 frames deep (64 by default, which cuts Kafka Streams' stacks
     * short of their run loop); a setting the JVM takes only at its start.
     */
    private List<String> profilerJvm() {
        return profile ? List.of("-XX:FlightRecorderOptions:stackdepth=256") : List.of();
    }

    /** Grows the state step by step; at each step a flat-out window of status changes over all of it. */
    private void growState(Workload workload, Load load, Gauges gauges, Memory memory, Deployment deployment,
                           Results results) throws Exception {
        int loadedUsers = 0;
        Duration probe = Duration.ofSeconds(quick ? 5 : 15);
        for (long step = 1_000; step <= maxAlarms; step *= 10) {
            int users = (int) (step / alarmsPerUser);
            String name = String.format(Locale.ROOT, "%,d alarms", step);
            Load.Window loaded = load.all("load to " + name, raiseAll(workload, loadedUsers, users), BACKLOG_CEILING,
                DRAIN_TIMEOUT);
            loadedUsers = users;
            workload.limitTo(users);
            Load.Window updates = load.flatOut("updates at " + name, workload::next, probe, BACKLOG_CEILING);
            if (!gauges.awaitDrained(DRAIN_TIMEOUT)) {
                throw new IllegalStateException("the backlog did not drain after " + updates.name());
            }
            memory.sample("state " + name);
            Memory.Peak processor = memory.peaks().get("updates at " + name) == null ? new Memory.Peak()
                : memory.peaks().get("updates at " + name).get(deployment.processes.isEmpty() ? ""
                    : deployment.processes.get(0).name());
            results.stateSteps.add(new Results.StateStep(step, users, loaded.processedRate(), updates.processedRate(),
                Gauges.diskBytes(deployment.stateDir), processor == null ? new Memory.Peak() : processor));
            if (step * 10 > maxAlarms && step != maxAlarms) {
                step = maxAlarms / 10; // the last step is maxAlarms itself
            }
        }
        workload.limitTo(workload.users().size());
    }

    /** Every alarm of users {@code from} until {@code to}, raised once. */
    private static Iterator<Workload.Message> raiseAll(Workload workload, int from, int to) {
        return new Iterator<>() {
            int user = from;
            int alarm;

            @Override
            public boolean hasNext() {
                return user < to;
            }

            @Override
            public Workload.Message next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Workload.Message message = workload.raise(user, alarm);
                if (++alarm == workload.alarmsOf(user)) {
                    alarm = 0;
                    user++;
                }
                return message;
            }
        };
    }

    /**
     * Flat out until the processed rate settles (the capacity), then fixed rates from 95 % of it down by 10 % a try
     * until one holds for the whole window (see {@link Load.Window#held}).
     */
    private void findMaxRate(Workload workload, Load load, Gauges gauges, Results results) throws Exception {
        results.saturation = load.flatOut("flat out", workload::next, Duration.ofSeconds(quick ? 15 : 30),
            BACKLOG_CEILING);
        drain(gauges);
        double rate = Math.floor(results.saturation.processedRate() * 0.95 / 100) * 100;
        for (int attempt = 0; attempt < 4; attempt++) {
            Load.Window window = load.fixed(String.format(Locale.ROOT, "sustain %,.0f/s", rate), workload::next, rate,
                Duration.ofSeconds(sustainSeconds));
            results.sustainTries.add(window);
            drain(gauges);
            if (window.held()) {
                results.maxRate = rate;
                return;
            }
            results.maxRate = rate; // the lowest tried, if none holds (the report says so)
            rate = Math.floor(rate * 0.9 / 100) * 100;
        }
    }

    private Results.LatencyPoint latencyAt(Workload workload, Load load, Gauges gauges, Oracle oracle, double share,
                                           double maxRate) throws Exception {
        double rate = Math.max(100, Math.floor(maxRate * share / 10) * 10);
        String label = String.format(Locale.ROOT, "%.0f %% (%,.0f/s)", share * 100, rate);
        Load.Window window = load.fixed("latency at " + label, workload::next, rate, Duration.ofSeconds(sustainSeconds));
        drain(gauges);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int accepted = oracle.requestsAccepted(window.startNanos(), window.endNanos());
        long[] latencies = oracle.latenciesMillis(window.startNanos(), window.endNanos());
        while (latencies.length < accepted && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(200);
            latencies = oracle.latenciesMillis(window.startNanos(), window.endNanos());
        }
        return new Results.LatencyPoint(label, window, latencies, accepted - latencies.length);
    }

    /** One user per size; three rounds each: every alarm changed, then one request. */
    private List<String> digestSizes(Load load, Gauges gauges, Run run, Deployment deployment, Results results)
        throws Exception {
        List<String> users = new ArrayList<>();
        for (int size = 1; size <= maxDigestAlarms; size *= 10) {
            Workload one = new Workload(seed + size, 1, size, 0);
            String user = one.users().get(0);
            users.add(user);
            List<Long> latencies = new ArrayList<>();
            double buildMax = 0;
            int parts = 0;
            for (int round = 0; round < 3; round++) {
                load.all(String.format(Locale.ROOT, "%,d alarms of one user, round %d", size, round + 1),
                    raiseAll(one, 0, 1), BACKLOG_CEILING, DRAIN_TIMEOUT);
                long before = System.nanoTime();
                int read = run.oracle().messagesRead();
                run.publisher().publish(one.request(user), false);
                run.publisher().awaitAccepted(Duration.ofSeconds(30));
                // Waits cheaply (the machine is the processor's now): for the first part, then for the stream to
                // be quiet a moment; then the oracle works out the latency once.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (run.oracle().messagesRead() == read && System.nanoTime() < deadline) {
                    TimeUnit.MILLISECONDS.sleep(20);
                }
                for (int seen = -1; seen != run.oracle().messagesRead(); ) {
                    seen = run.oracle().messagesRead();
                    TimeUnit.MILLISECONDS.sleep(300);
                }
                long[] answered = run.oracle().latenciesMillis(before, System.nanoTime());
                latencies.add(answered.length == 0 ? -1 : answered[0]);
                buildMax = Math.max(buildMax, digestBuildMillis(gauges, deployment, user, size));
                parts = run.oracle().lastDigest(user).size();
            }
            results.digestSizes.add(new Results.DigestSize(size, latencies, buildMax, parts));
            console.printf(Locale.ROOT, "  %,d alarms: digest latency %s ms, built in at most %.1f ms, %d part(s)%n",
                size, latencies, buildMax, parts);
        }
        return users;
    }

    /**
     * The processor's own timing of this user's digest of {@code alarms} alarms: from its log line when the digest
     * is large (the processor logs those with their build time), else the slowest digest in its metrics window (an
     * upper bound); -1 when neither is there.
     */
    private static double digestBuildMillis(Gauges gauges, Deployment deployment, String user, int alarms)
        throws Exception {
        if (deployment.processorLog != null && alarms >= LARGE_DIGEST) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline) {
                double logged = -1;
                for (String line : Files.readAllLines(deployment.processorLog)) {
                    int at = line.indexOf("for user " + user + ":");
                    int built = line.lastIndexOf(", built in ");
                    if (at >= 0 && built > at && line.endsWith(" ms")) {
                        logged = Double.parseDouble(line.substring(built + ", built in ".length(), line.length() - 3));
                    }
                }
                if (logged >= 0) {
                    return logged;
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
        }
        Map<String, Double> metrics = gauges.scrape(deployment.processorHttpPort);
        return metrics.entrySet().stream().filter(m -> m.getKey().contains("digest_build_latency_max"))
            .mapToDouble(Map.Entry::getValue).filter(v -> !Double.isNaN(v)).max().orElse(-1);
    }

    private void drain(Gauges gauges) throws Exception {
        if (!gauges.awaitDrained(DRAIN_TIMEOUT)) {
            throw new IllegalStateException("the backlog did not drain within " + DRAIN_TIMEOUT);
        }
    }

    private void phase(String name) {
        console.println();
        console.println("== " + name);
    }
}
