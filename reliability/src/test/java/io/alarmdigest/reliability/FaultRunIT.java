package io.alarmdigest.reliability;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.alarmdigest.testing.Directories;
import io.alarmdigest.testing.JavaProcess;
import io.alarmdigest.testing.KafkaProcess;
import io.alarmdigest.testing.NatsServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.TransactionListing;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fault runs (RELIABILITY.md): each scenario drives the assembled service — real child processes — with a
 * steady load through NATS, injects its faults at random (seeded) moments, brings the run to a quiet point and asks
 * the {@link Oracle}: no alarm lost, no second digest for a request, no duplicate in the digest stream, every
 * listing justified. Figures go to {@code target/reliability-report.md}.
 *
 * <p>Run with {@code mvn -B -Preliability verify -pl reliability -am}; {@code -Dreliability.rate} (events/s,
 * default 2000), {@code -Dreliability.seconds} (load per scenario, default 75) and {@code -Dreliability.seed}
 * change the run.
 */
@Tag("long")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultRunIT {
    private static final Logger LOG = LoggerFactory.getLogger(FaultRunIT.class);
    private static final double RATE = Double.parseDouble(System.getProperty("reliability.rate", "2000"));
    private static final int SECONDS = Integer.getInteger("reliability.seconds", 75);
    private static final int USERS = 1_000;
    private static final int ALARMS_PER_USER = 20;
    private static final double REQUEST_SHARE = 0.02;
    /** Users with many alarms, whose digests come in several parts (with {@link #SMALL_PARTS}). */
    private static final int BIG_USERS = 5;
    private static final int ALARMS_PER_BIG_USER = 1_000;
    /** The smallest digest part the processor allows, so that big users' digests are split across faults. */
    private static final List<String> SMALL_PARTS = Deployments.sets(Map.of("digest.max.bytes", "16384"));
    private static final Duration QUIET_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration OPEN_WAIT = Duration.ofSeconds(3);
    /** Alarms of one witness user, sent right before and right after each fault. */
    private static final int WITNESS_ALARMS = 50;

    private final List<Scenario> scenarios = new ArrayList<>();
    private final Random random = new Random(Long.getLong("reliability.seed", 20261128L));

    /** One scenario: its outcome (null when it broke off with {@code error}) and what the run noted on the way. */
    private record Scenario(String name, Run.Outcome outcome, List<String> notes, String error) {
    }

    /** What a scenario does to the running deployment while the load runs. */
    private interface Faults {
        void inject(Run run, Workload workload, List<String> notes) throws Exception;
    }

    /** A fault: witnesses right before it and right after it (see {@link Run#witness}). */
    private interface Action {
        void run() throws Exception;
    }

    @Test
    @Order(1)
    void standaloneKilledSixTimesAtRandomMoments() throws Exception {
        Path dir = Files.createTempDirectory("fault-standalone");
        int kafkaPort = Deployments.freePort();
        String bootstrap = "127.0.0.1:" + kafkaPort;
        try (NatsServer nats = NatsServer.start();
             JavaProcess service = Deployments.standalone(dir, nats.url(), kafkaPort, Deployments.freePort(),
                 SMALL_PARTS);
             Run run = new Run(nats.url(), "standalone")) {
            drive("standalone, kill -9 ×6", run, bootstrap, (r, workload, notes) -> {
                for (int kill = 1; kill <= 6; kill++) {
                    TimeUnit.MILLISECONDS.sleep(4_000 + random.nextInt(12_000));
                    Collection<TransactionListing> open = Deployments.awaitOpenTransactions(bootstrap, OPEN_WAIT);
                    fault(r, workload, "kill -9 standalone #" + kill, service::kill);
                    notes.add("kill #" + kill + " at " + LocalDateTime.now().truncatedTo(ChronoUnit.SECONDS) + ": "
                        + describe(open));
                    long restart = System.nanoTime();
                    service.start();
                    notes.add("restart #" + kill + " ready after " + millisSince(restart) + " ms");
                }
            });
        }
    }

    @Test
    @Order(2)
    void ingressKilled() throws Exception {
        killedTwice("ingress", split -> split.ingress);
    }

    @Test
    @Order(3)
    void egressKilled() throws Exception {
        killedTwice("egress", split -> split.egress);
    }

    @Test
    @Order(4)
    void processorKilled() throws Exception {
        killedTwice("processor", split -> split.processors.get(0));
    }

    /** One process of the split deployment killed twice at random moments, restarted each time. */
    private void killedTwice(String role, Function<Split, JavaProcess> process) throws Exception {
        splitScenario("split, kill -9 of the " + role + " ×2", 1, List.of(), (split, run, workload, notes) -> {
            for (int kill = 1; kill <= 2; kill++) {
                pause(SECONDS / 3);
                Collection<TransactionListing> open =
                    Deployments.awaitOpenTransactions(split.kafka.bootstrapServers(), OPEN_WAIT);
                fault(run, workload, "kill -9 " + role + " #" + kill, process.apply(split)::kill);
                notes.add(role + " kill #" + kill + ": " + describe(open));
                process.apply(split).start();
            }
        });
    }

    @Test
    @Order(5)
    void natsRestarted() throws Exception {
        splitScenario("split, NATS server restart", 1, List.of(), (split, run, workload, notes) -> {
            pause(SECONDS / 2);
            long down = System.nanoTime();
            fault(run, workload, "NATS restart", split.nats::restart);
            notes.add("nats-server stopped (SIGTERM) and listening again after " + millisSince(down) + " ms");
        });
    }

    @Test
    @Order(6)
    void kafkaRestarted() throws Exception {
        splitScenario("split, Kafka broker restart", 1, List.of(), (split, run, workload, notes) -> {
            pause(SECONDS / 2);
            long down = System.nanoTime();
            fault(run, workload, "Kafka restart", () -> {
                split.kafka.stop();
                TimeUnit.SECONDS.sleep(5);
                split.kafka.startBroker();
            });
            notes.add("broker stopped (SIGTERM), down 5 s, listening again after " + millisSince(down) + " ms");
        });
    }

    @Test
    @Order(7)
    void processorFailsOverToItsStandbyAndComesBack() throws Exception {
        splitScenario("split, 2 processors (6 partitions, 1 standby): one killed, back later", 2,
            // A returning instance gets its active tasks back once a probing rebalance finds it caught up (Kafka
            // Streams' high-availability assignor); the probe comes every 10 minutes by default, every minute here.
            Deployments.sets(Map.of("num.standby.replicas", "1", "probing.rebalance.interval.ms", "60000")),
            (split, run, workload, notes) -> {
                String bootstrap = split.kafka.bootstrapServers();
                Map<String, Integer> before = awaitAssignment(bootstrap, a -> a.size() == 2);
                int partitions = before.values().stream().mapToInt(Integer::intValue).sum();
                notes.add("active input partitions per instance before: " + before);
                pause(SECONDS / 3);
                long killed = System.nanoTime();
                fault(run, workload, "kill -9 processor 1 of 2", split.processors.get(0)::kill);
                Map<String, Integer> takenOver = awaitAssignment(bootstrap,
                    a -> a.size() == 1 && a.values().iterator().next() == partitions);
                notes.add("survivor took all partitions after " + millisSince(killed) + " ms: " + takenOver);
                pause(SECONDS / 3);
                long back = System.nanoTime();
                fault(run, workload, "killed processor back", split.processors.get(0)::start);
                Map<String, Integer> rebalanced = awaitAssignment(bootstrap,
                    a -> a.size() == 2 && a.values().stream().allMatch(n -> n > 0));
                notes.add("killed processor back; active tasks spread again " + millisSince(back) + " ms after its "
                    + "start (standby and warm-up first, then a probing rebalance): " + rebalanced);
            });
    }

    @Test
    @Order(8)
    void processorRebuildsALostStateDirectoryFromTheChangelog() throws Exception {
        splitScenario("split, processor killed and its state directory deleted", 1, List.of(),
            (split, run, workload, notes) -> {
                pause(SECONDS / 2);
                fault(run, workload, "kill -9 processor, state directory deleted", () -> {
                    split.processors.get(0).kill();
                    long bytes = Directories.delete(split.stateDirs.get(0));
                    notes.add("deleted " + bytes / 1024 + " KiB of processor state; restarted on an empty directory");
                });
                long restart = System.nanoTime();
                split.processors.get(0).start();
                notes.add("processor ready after " + millisSince(restart) + " ms (restoring from the changelog)");
            });
    }

    /** What a split scenario does to the running deployment. */
    private interface SplitFaults {
        void inject(Split split, Run run, Workload workload, List<String> notes) throws Exception;
    }

    private void splitScenario(String name, int processors, List<String> processorSettings, SplitFaults faults)
        throws Exception {
        List<String> settings = new ArrayList<>(SMALL_PARTS);
        settings.addAll(processorSettings);
        try (Split split = Split.start(Files.createTempDirectory("fault-split"), processors, settings);
             Run run = new Run(split.nats.url(), "split")) {
            drive(name, run, split.kafka.bootstrapServers(),
                (r, workload, notes) -> faults.inject(split, r, workload, notes));
        }
    }

    /**
     * Runs the load, injects the faults, keeps the load on for at least {@code SECONDS} and for 10 s after the last
     * fault, then reaches the quiet point and records the outcome (or the error that broke the scenario off).
     */
    private void drive(String name, Run run, String bootstrap, Faults faults) throws Exception {
        List<String> notes = new ArrayList<>();
        Workload workload = new Workload(random.nextLong(), USERS, ALARMS_PER_USER, REQUEST_SHARE, BIG_USERS,
            ALARMS_PER_BIG_USER);
        long start = System.nanoTime();
        CompletableFuture<Long> load = run.loadInBackground(workload, RATE, Duration.ofHours(1));
        Run.Outcome outcome;
        try {
            faults.inject(run, workload, notes);
            long minimum = start + TimeUnit.SECONDS.toNanos(SECONDS) - System.nanoTime();
            TimeUnit.NANOSECONDS.sleep(Math.max(minimum, TimeUnit.SECONDS.toNanos(10)));
            run.publisher().stopLoad();
            long published = load.get(1, TimeUnit.MINUTES);
            long quiet = System.nanoTime();
            run.quietRound(workload.users(), workload, QUIET_TIMEOUT);
            notes.add(String.format("%,d messages published at %,.0f/s over %,d s; quiet point reached and answered "
                + "%,d ms after the load ended", published, RATE, (quiet - start) / 1_000_000_000, millisSince(quiet)));
            outcome = run.outcome(name, bootstrap);
        } catch (Exception | AssertionError e) {
            run.publisher().stopLoad();
            scenarios.add(new Scenario(name, null, notes, e.toString()));
            throw e;
        }
        scenarios.add(new Scenario(name, outcome, notes, null));
        LOG.info("{}\n  {}", outcome.describe(), String.join("\n  ", notes));
        assertTrue(outcome.ok(), outcome.describe());
        assertTrue(outcome.firstAnswerMillis().stream().allMatch(ms -> ms >= 0), "answered after every fault");
    }

    private static void fault(Run run, Workload workload, String label, Action action) throws Exception {
        run.witness(workload, "before", WITNESS_ALARMS);
        run.fault(label);
        action.run();
        run.witness(workload, "after", WITNESS_ALARMS);
    }

    private static Map<String, Integer> awaitAssignment(String bootstrap, Predicate<Map<String, Integer>> done)
        throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        Map<String, Integer> assignment = Deployments.processorAssignment(bootstrap);
        while (!done.test(assignment) && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(200);
            assignment = Deployments.processorAssignment(bootstrap);
        }
        assertTrue(done.test(assignment), "the processor group did not settle: " + assignment);
        return assignment;
    }

    private static String describe(Collection<TransactionListing> open) {
        if (open == null) {
            return "the broker could not list its transactions";
        }
        return open.size() + " transaction(s) open at the broker: " + open.stream()
            .map(t -> t.transactionalId() + " " + t.state()).toList();
    }

    private void pause(int seconds) throws InterruptedException {
        // A random moment within the next stretch of the load.
        TimeUnit.MILLISECONDS.sleep(seconds * 500L + random.nextInt(Math.max(1, seconds * 500)));
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    @AfterAll
    void writeReport() throws IOException {
        StringBuilder report = new StringBuilder("# Fault runs — " + LocalDateTime.now().truncatedTo(ChronoUnit.MINUTES)
            + "\n\n").append(String.format("Load per scenario: %,.0f events/s (%d%% digest requests) over %,d users × "
                + "%d alarms and %d users × %d alarms (digests in 16 KiB parts), at least %d s and until 10 s after "
                + "the last fault; %d witness alarms right before and right after each fault.%n%n", RATE,
            Math.round(REQUEST_SHARE * 100), USERS, ALARMS_PER_USER, BIG_USERS, ALARMS_PER_BIG_USER, SECONDS,
            WITNESS_ALARMS));
        report.append("| scenario | events accepted | requests | lost alarms | unanswered | second digests | "
            + "copied twice into Kafka | computed twice | duplicates in stream | unjustified listings | re-publications "
            + "seen | first answer after each fault (ms) | longest wait per fault (ms) | digest latency p50 / p99 / "
            + "max (ms) | verdict |\n"
            + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Scenario scenario : scenarios) {
            Run.Outcome o = scenario.outcome();
            if (o == null) {
                report.append("| ").append(scenario.name()).append(" | broke off: ")
                    .append(scenario.error().replace("|", "\\|").replace("\n", " ")).append(" ||||||||||||| **ERROR** |\n");
                continue;
            }
            Oracle.Verdict v = o.verdict();
            report.append(String.format("| %s | %,d | %,d | %d | %d | %d | %d | %d | %d | %d | %d | %s | %s | %d / %d / "
                    + "%d | %s |%n", o.scenario(), v.events(), v.requests(), v.lostAtQuietPoint(), v.unanswered(),
                v.secondDigests(), o.input().copiedTwice() + o.input().outOfOrder(), o.computedTwice(),
                v.duplicatesInStream(), v.unjustified(), o.copiesOnSubject(),
                o.firstAnswerMillis(), o.longestWaitMillis(), o.percentile(0.5), o.percentile(0.99),
                o.percentile(1.0), o.ok() ? "pass" : "**FAIL**"));
        }
        for (Scenario scenario : scenarios) {
            report.append("\n### ").append(scenario.name()).append("\n\n- ")
                .append(scenario.outcome() == null ? "broke off: " + scenario.error()
                    : scenario.outcome().describe().replace("\n", "\n  "))
                .append(scenario.notes().isEmpty() ? "" : "\n- " + String.join("\n- ", scenario.notes())).append('\n');
        }
        Path file = Path.of("target", "reliability-report.md");
        Files.writeString(file, report, StandardCharsets.UTF_8);
        LOG.info("Fault-run report: {}", file.toAbsolutePath());
    }
}
