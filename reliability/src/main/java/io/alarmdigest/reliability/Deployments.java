package io.alarmdigest.reliability;

import io.alarmdigest.app.Launcher;
import io.alarmdigest.testing.JavaProcess;
import io.alarmdigest.testing.Ports;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;

/**
 * How the runs start the service: {@code standalone} as one process, or split (bridge ingress, bridge egress and
 * processors as separate processes against a Kafka broker of their own). The settings that differ from the
 * shipped defaults only shorten waits, so that what a killed process held comes back within a run's time; no
 * guarantee is changed.
 */
public final class Deployments {
    public static final String PROCESSOR_GROUP = "alarm-digest-processor";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final List<String> DEFAULT_JVM_OPTIONS = List.of("-Xmx512m");

    private Deployments() {
    }

    /** Shorter waits than the defaults (see the class comment); each named where it matters in RELIABILITY.md. */
    public static List<String> fasterRecovery() {
        return sets(Map.of(
            // A Kafka request that hangs (a broker restart) fails sooner, and the client starts over sooner.
            "delivery.timeout.ms", "8000", "request.timeout.ms", "5000", "max.block.ms", "2000",
            // A killed consumer's partitions move after the session timeout (default 45 s).
            "session.timeout.ms", "10000", "heartbeat.interval.ms", "2000"));
    }

    public static JavaProcess standalone(Path dir, String natsUrl, int kafkaPort, int controllerPort, List<String> extra)
        throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("standalone", "--data-dir", dir.resolve("data").toString(),
            "--kafka-port", Integer.toString(kafkaPort), "--controller-port", Integer.toString(controllerPort),
            "--http-port", "-1", "--set", "nats.urls=" + natsUrl));
        args.addAll(fasterRecovery());
        args.addAll(extra);
        return service("standalone", dir, "alarm-digest ready", DEFAULT_JVM_OPTIONS, args);
    }

    /** A bridge process with {@code roles} (ingress, egress or both). */
    public static JavaProcess bridge(String name, Path dir, String natsUrl, String bootstrap, String roles)
        throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("bridge", "--http-port", "-1", "--set", "nats.urls=" + natsUrl,
            "--set", "bootstrap.servers=" + bootstrap, "--set", "bridge.roles=" + roles));
        args.addAll(fasterRecovery());
        return service(name, dir, "bridge ready", DEFAULT_JVM_OPTIONS, args);
    }

    /** A processor process with its own state directory. */
    public static JavaProcess processor(String name, Path dir, String bootstrap, Path stateDir, List<String> extra)
        throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("processor", "--http-port", "-1",
            "--set", "bootstrap.servers=" + bootstrap, "--set", "state.dir=" + stateDir));
        args.addAll(fasterRecovery());
        args.addAll(extra);
        return service(name, dir, "processor ready", DEFAULT_JVM_OPTIONS, args);
    }

    /**
     * Starts {@code alarm-digest <arguments>} (a role of the service: {@code standalone}, {@code processor},
     * {@code bridge}) as a child JVM with {@code jvmOptions}, logging to {@code <dir>/<name>.log}, and waits for the
     * output line that starts with {@code readyLine}.
     */
    public static JavaProcess service(String name, Path dir, String readyLine, List<String> jvmOptions,
                                      List<String> arguments) throws IOException, InterruptedException {
        return JavaProcess.start(name, dir, jvmOptions, Launcher.class.getName(), arguments, readyLine, READY_TIMEOUT);
    }

    public static List<String> sets(Map<String, String> settings) {
        List<String> args = new ArrayList<>();
        new TreeMap<>(settings).forEach((key, value) -> {
            args.add("--set");
            args.add(key + "=" + value);
        });
        return args;
    }

    public static int freePort() throws IOException {
        return Ports.free();
    }

    public static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000));
    }

    /**
     * Waits (up to {@code timeout}) until the broker has a transaction open, and returns the open ones: what a kill
     * at this moment leaves for the broker to abort. Empty when none opened in time; null when the broker could not
     * say (it may still be loading its transaction state after a restart).
     */
    public static Collection<TransactionListing> awaitOpenTransactions(String bootstrap, Duration timeout)
        throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = admin(bootstrap)) {
            Collection<TransactionListing> open = null;
            do {
                try {
                    open = admin.listTransactions(new ListTransactionsOptions()
                        .filterStates(List.of(TransactionState.ONGOING))).all().get(5, TimeUnit.SECONDS);
                    if (!open.isEmpty()) {
                        return open;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    open = null;
                }
                TimeUnit.MILLISECONDS.sleep(20);
            } while (System.nanoTime() < deadline);
            return open;
        }
    }

    /** Which member of the processor group owns how many partitions, e.g. {@code {p1=12, p2=12}}. */
    public static Map<String, Integer> processorAssignment(String bootstrap) {
        try (Admin admin = admin(bootstrap)) {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(PROCESSOR_GROUP)).all()
                .get(10, TimeUnit.SECONDS).get(PROCESSOR_GROUP);
            Map<String, Integer> owned = new TreeMap<>();
            for (MemberDescription member : group.members()) {
                owned.merge(member.host() + "/" + member.clientId().replaceAll("-StreamThread.*", ""),
                    member.assignment().topicPartitions().size(), Integer::sum);
            }
            return owned;
        } catch (Exception e) {
            throw new AssertionError("could not describe the processor group: " + e, e);
        }
    }
}
