package io.alarmdigest.bench;

import io.alarmdigest.kafka.InputHeaders;
import io.alarmdigest.model.MessageType;
import io.alarmdigest.model.Rfc3339;
import io.alarmdigest.processor.config.ProcessorConfig;
import io.alarmdigest.reliability.Deployments;
import io.alarmdigest.testing.Directories;
import io.alarmdigest.testing.JavaProcess;
import io.alarmdigest.testing.KafkaProcess;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code ./bench processor}: the processor alone, as a process of its own with its shipped JVM options, against a
 * Kafka broker process, fed from an input topic filled beforehand with the ingress's records. No NATS, no bridges,
 * no publisher competing for the cores while the processor works: its CPU per record and its rate change only with
 * the processor's code and settings, which makes it the instrument for trying a processor change back to back.
 *
 * <p>First the state is built (every alarm once) and processed; then each round (a warm-up round first, not
 * counted) writes its events (status changes of random alarms, each newer than the alarm's last, and a share of
 * digest requests) and waits until the processor has committed them all. A round's CPU is the processor's /proc
 * CPU time from before the round's first record was written to its last commit; the broker's is shown too (it
 * includes writing the round's input, the same in every run); the processor's is also broken down by thread, which
 * counts RocksDB's native flush and compaction threads that a JFR profile does not see.
 */
@Command(name = "bench processor", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
    description = {
        "Measures the processor alone: its rate and CPU per record on an input topic filled beforehand, a state of",
        "--alarms alarms, --rounds rounds of --round-events records. Prints a report; changes nothing else."})
public final class ProcessorReplay implements Callable<Integer> {
    @Option(names = "--alarms", defaultValue = "1000000",
        description = "Alarms in the state before the rounds (default: ${DEFAULT-VALUE}).")
    int alarms;

    @Option(names = "--alarms-per-user", defaultValue = "10",
        description = "Alarms per user (default: ${DEFAULT-VALUE}).")
    int alarmsPerUser;

    @Option(names = "--round-events", defaultValue = "300000",
        description = "Records per measured round (default: ${DEFAULT-VALUE}).")
    int roundEvents;

    @Option(names = "--rounds", defaultValue = "3", description = "Measured rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--request-share", defaultValue = "0.05",
        description = "Share of digest requests among a round's records (default: ${DEFAULT-VALUE}).")
    double requestShare;

    @Option(names = "--processor-jvm", defaultValue = "-Xmx256m",
        description = "The processor's JVM options (default: ${DEFAULT-VALUE}).", split = " ")
    List<String> processorJvm;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
        description = "A setting for the processor, as alarm-digest --set takes it. Repeatable.")
    List<String> settings = new ArrayList<>();

    @Option(names = "--profile", description = "Also record a JFR profile of the processor over the rounds and list "
        + "its top frames; the recording stays in <out>.")
    boolean profile;

    @Option(names = "--out", defaultValue = "bench-results/processor",
        description = "Where the processor's log and state go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the records (default: ${DEFAULT-VALUE}).")
    long seed;

    private static final String[] STATUSES = {"CRITICAL", "WARNING", "CLEARED"};
    private static final String SUBJECT_STATUS = "AlarmStatusChanged";
    private static final String SUBJECT_REQUEST = "SendAlarmDigest";
    private static final String STREAM = "ALARM_DIGEST_INPUT";
    private static final int PROFILE_TOP = 25;
    private static final Duration CATCH_UP_TIMEOUT = Duration.ofMinutes(10);
    private final PrintStream console = System.out;
    private final String streamCreated = Rfc3339.format(Instant.now());
    private long sequence;
    /** The NATS stored time of the next record: one millisecond apart, so stream time moves as it would. */
    private long storedAtMs = System.currentTimeMillis() - TimeUnit.DAYS.toMillis(1);
    private long changedAtSeconds;
    private String inputTopic;
    private String applicationId;

    /** A round's outcome: CPU per record of the processor, and of the broker (writing the round's input included). */
    record Round(long records, double seconds, double microsPerRecord, double brokerMicrosPerRecord) {
        double rate() {
            return records / seconds;
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ProcessorReplay()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(out);
        Path stateDir = Files.createTempDirectory(out.toAbsolutePath(), "state-");
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, String> configured = new HashMap<>();
        for (String setting : settings) {
            String[] keyValue = setting.split("=", 2);
            configured.put(keyValue[0], keyValue.length > 1 ? keyValue[1] : "");
        }
        configured.put("bootstrap.servers", "unused:9092");
        ProcessorConfig config = new ProcessorConfig(configured);
        inputTopic = config.inputTopic();
        applicationId = config.streamsConfig().getString("application.id");
        try (KafkaProcess kafka = KafkaProcess.start(); DeletedOnClose deleted = new DeletedOnClose(stateDir)) {
            String bootstrap = kafka.bootstrapServers();
            List<String> arguments = Deployment.withSettings(List.of("processor", "--set",
                "bootstrap.servers=" + bootstrap, "--set", "state.dir=" + stateDir), settings);
            try (JavaProcess processor = Deployments.service("processor", out, "processor ready", processorJvm,
                     arguments);
                 Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
                 KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
                List<Deployment.Measured> measured = List.of(
                    new Deployment.Measured(Deployment.PROCESSOR, processor.pid(), -1),
                    new Deployment.Measured(Deployment.BROKER, kafka.pid(), -1));
                console.printf("processor alone: %,d alarms over %,d users, %d rounds of %,d records (%.0f %% "
                    + "requests), JVM %s, settings %s%n", alarms, alarms / alarmsPerUser, rounds, roundEvents,
                    requestShare * 100, String.join(" ", processorJvm), settings.isEmpty() ? "as shipped" : settings);

                long stateStart = System.nanoTime();
                for (int alarm = 0; alarm < alarms; alarm++) {
                    producer.send(statusChange(alarm, random));
                }
                producer.flush();
                awaitCaughtUp(admin);
                console.printf("state built: %,d alarms in %.1f s%n", alarms, (System.nanoTime() - stateStart) / 1e9);

                Profile recording = profile
                    ? Profile.start(measured.get(0), out.toAbsolutePath().resolve("profile-processor.jfr")) : null;
                List<Round> measuredRounds = new ArrayList<>();
                // Round 0 warms up: the first pass over the state after it was built costs more (compactions of
                // the freshly written files, code not yet compiled for the update path); it is shown, not counted.
                Map<String, Long> threadTicks = new TreeMap<>();
                for (int round = 0; round <= rounds; round++) {
                    Map<String, Long> threadsBefore = Gauges.threadCpuTicks(processor.pid());
                    Cpu.Snapshot before = Cpu.take(measured);
                    for (int i = 0; i < roundEvents; i++) {
                        producer.send(random.nextDouble() < requestShare
                            ? request(random.nextInt(alarms / alarmsPerUser))
                            : statusChange(random.nextInt(alarms), random));
                    }
                    producer.flush();
                    awaitCaughtUp(admin);
                    Cpu.Snapshot after = Cpu.take(measured);
                    Map<String, Double> perRecord = Cpu.microsPerEvent(before, after, roundEvents);
                    Round result = new Round(roundEvents, (after.nanos() - before.nanos()) / 1e9,
                        perRecord.getOrDefault(Deployment.PROCESSOR, Double.NaN),
                        perRecord.getOrDefault(Deployment.BROKER, Double.NaN));
                    if (round > 0) {
                        measuredRounds.add(result);
                        Gauges.threadCpuTicks(processor.pid()).forEach((thread, ticks) ->
                            threadTicks.merge(thread, ticks - threadsBefore.getOrDefault(thread, 0L), Long::sum));
                    }
                    console.printf("%s: %,d records in %.1f s = %,.0f/s, processor %.1f µs of CPU per record "
                            + "(%.2f cores), broker %.1f µs%n", round == 0 ? "warm-up" : "round " + round,
                        result.records(), result.seconds(), result.rate(), result.microsPerRecord(),
                        result.microsPerRecord() * result.rate() / 1e6, result.brokerMicrosPerRecord());
                }
                report(measuredRounds);
                printThreads(threadTicks, (long) rounds * roundEvents);
                if (recording != null) {
                    print(recording.stop(PROFILE_TOP));
                }
            }
        }
        return 0;
    }

    private void report(List<Round> measuredRounds) {
        List<Round> byCost =
            measuredRounds.stream().sorted(Comparator.comparingDouble(Round::microsPerRecord)).toList();
        List<Round> byRate = measuredRounds.stream().sorted(Comparator.comparingDouble(Round::rate)).toList();
        List<Round> byBroker =
            measuredRounds.stream().sorted(Comparator.comparingDouble(Round::brokerMicrosPerRecord)).toList();
        console.printf("%nmedian of %d rounds: %,.0f records/s (%,.0f – %,.0f), processor %.1f µs of CPU per record "
                + "(%.1f – %.1f), broker %.1f µs (%.1f – %.1f; writing the input included)%n", measuredRounds.size(),
            byRate.get(byRate.size() / 2).rate(), byRate.get(0).rate(), byRate.get(byRate.size() - 1).rate(),
            byCost.get(byCost.size() / 2).microsPerRecord(), byCost.get(0).microsPerRecord(),
            byCost.get(byCost.size() - 1).microsPerRecord(), byBroker.get(byBroker.size() / 2).brokerMicrosPerRecord(),
            byBroker.get(0).brokerMicrosPerRecord(), byBroker.get(byBroker.size() - 1).brokerMicrosPerRecord());
    }

    /** The processor's CPU per record by thread, over the measured rounds: native threads (RocksDB's) included. */
    private void printThreads(Map<String, Long> threadTicks, long records) {
        console.printf("%nprocessor CPU per record by thread (measured rounds):%n");
        threadTicks.entrySet().stream().filter(entry -> entry.getValue() > 0)
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
            .forEach(entry -> console.printf("  %-40s %6.1f µs%n", entry.getKey(),
                entry.getValue() * (1_000_000.0 / Cpu.CLOCK_TICKS) / records));
    }

    private void print(Profile.Summary summary) {
        console.printf("%nprofile (%,d samples, %s): by library %s%n", summary.samples(), summary.file(),
            summary.libraries().stream().map(frame -> String.format("%s %.0f %%", frame.name(), frame.share() * 100))
                .collect(Collectors.joining(", ")));
        console.printf("%-70s %6s   %-90s %6s%n", "self time", "share", "on the stack", "share");
        for (int i = 0; i < Math.max(summary.methods().size(), summary.onStack().size()); i++) {
            Profile.Frame self = i < summary.methods().size() ? summary.methods().get(i) : null;
            Profile.Frame stack = i < summary.onStack().size() ? summary.onStack().get(i) : null;
            console.printf("%-70s %6s   %-90s %6s%n", self == null ? "" : self.name(),
                self == null ? "" : String.format("%.1f %%", self.share() * 100), stack == null ? "" : stack.name(),
                stack == null ? "" : String.format("%.1f %%", stack.share() * 100));
        }
    }

    /** Waits until the processor has committed every record of the input topic. */
    private void awaitCaughtUp(Admin admin) throws Exception {
        long deadline = System.nanoTime() + CATCH_UP_TIMEOUT.toNanos();
        String topic = inputTopic;
        long lastCommitted = -1;
        long lastEnd = -1;
        while (System.nanoTime() < deadline) {
            Collection<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames().get()
                .get(topic).partitions().stream().map(info -> new TopicPartition(topic, info.partition())).toList();
            Map<TopicPartition, OffsetSpec> latest =
                partitions.stream().collect(Collectors.toMap(Function.identity(), partition -> OffsetSpec.latest()));
            lastEnd = admin.listOffsets(latest).all().get().values().stream().mapToLong(info -> info.offset()).sum();
            Map<TopicPartition, OffsetAndMetadata> committed = admin
                .listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
            lastCommitted = committed.values().stream().filter(offset -> offset != null)
                .mapToLong(OffsetAndMetadata::offset).sum();
            if (lastCommitted >= lastEnd) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        throw new IllegalStateException("the processor did not catch up within " + CATCH_UP_TIMEOUT + ": committed "
            + lastCommitted + " of " + lastEnd + " input records; see its log in " + out);
    }

    /** The processor's state directory, gone when the run is (a million alarms are a hundred megabytes). */
    private record DeletedOnClose(Path dir) implements AutoCloseable {
        @Override
        public void close() {
            Directories.delete(dir);
        }
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    private ProducerRecord<String, byte[]> statusChange(int alarm, SplittableRandom random) {
        String user = "user-" + alarm / alarmsPerUser;
        String json = "{\"AlarmID\":\"alarm-" + alarm + "\",\"UserID\":\"" + user + "\",\"Status\":\""
            + STATUSES[random.nextInt(STATUSES.length)] + "\",\"ChangedAt\":\""
            + Rfc3339.format(Instant.ofEpochSecond(1_700_000_000L + changedAtSeconds++)) + "\"}";
        return record(user, json, MessageType.ALARM_STATUS_CHANGED, SUBJECT_STATUS);
    }

    private ProducerRecord<String, byte[]> request(int userIndex) {
        String user = "user-" + userIndex;
        return record(user, "{\"UserID\":\"" + user + "\"}", MessageType.SEND_ALARM_DIGEST, SUBJECT_REQUEST);
    }

    /** The record the ingress would write for a message of {@code subject}: the same key, timestamp and headers. */
    private ProducerRecord<String, byte[]> record(String user, String json, MessageType type, String subject) {
        long storedAt = storedAtMs++;
        return new ProducerRecord<>(inputTopic, null, storedAt, user, utf8(json),
            InputHeaders.of(type, subject, STREAM, streamCreated, ++sequence, Instant.ofEpochMilli(storedAt)));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
