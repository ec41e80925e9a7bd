package io.alarmdigest.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What the benchmark reads off the running service, from outside: how many input messages the processor has
 * <em>processed</em> (its own counters of what it took in; see {@link #progress()}), the backlog (messages the ingress has not copied from the NATS input stream yet — the stream's last
 * sequence less the ingress's committed position, read from the position topic — plus the processor's consumer lag), and each
 * process's memory (RSS from {@code /proc}, heap and the processor's own timings from its {@code /metrics}).
 */
final class Gauges implements AutoCloseable {
    static final String PROCESSOR_GROUP = "alarm-digest-processor";
    static final Set<String> INPUT_TOPICS = Set.of("alarm-digest-input");
    static final String POSITION_TOPIC = "alarm-digest-ingress-position";
    static final String EGRESS_GROUP = "alarm-digest-egress";
    static final String DIGEST_TOPIC = "alarm-digest";
    private static final String INPUT_STREAM = "ALARM_DIGEST_INPUT";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The processor's counters of what it took in: every input record is counted by one of them. */
    private static final List<String> TAKEN_IN = List.of("alarm_digest_processor_status_changes_total",
        "alarm_digest_processor_digests_total", "alarm_digest_processor_duplicate_requests_total",
        "alarm_digest_processor_dead_letters_total");

    private final Admin admin;
    private final JetStreamManagement jetStream;
    private final int processorHttpPort;
    /** Reads the ingress's committed positions as they are written (read_committed, no group). */
    private final KafkaConsumer<String, byte[]> positions;
    private long copiedUpTo;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Map<TopicPartition, OffsetSpec> inputPartitions;
    private Map<TopicPartition, OffsetSpec> digestPartitions;

    /**
     * @param processorHttpPort the processor's metrics endpoint, whose counters tell the messages processed; -1
     *     when there is none (an external service): then its committed offsets, which also count the ingress's
     *     transaction markers, stand in
     */
    Gauges(String bootstrap, Connection nats, int processorHttpPort) throws IOException {
        this.processorHttpPort = processorHttpPort;
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000));
        this.jetStream = nats.jetStreamManagement();
        this.positions = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
            new StringDeserializer(), new ByteArrayDeserializer());
        TopicPartition position = new TopicPartition(POSITION_TOPIC, 0);
        positions.assign(List.of(position));
        positions.seekToBeginning(List.of(position));
    }

    /**
     * One reading of the pipeline's progress; {@code egressLag}: digest parts committed by the processor and not yet
     * confirmed published by the egress (where digest latency waits after the processor).
     */
    record Progress(long nanos, long processed, long kafkaLag, long natsPending, long egressLag) {
        long backlog() {
            return kafkaLag + natsPending;
        }
    }

    /**
     * One reading. Messages processed are what the processor's counters say it took in — status changes applied,
     * digests answered, duplicate requests recognised, dead letters — not its committed input offsets: the input is
     * written in transactions, and each commit puts a marker in every partition it wrote to, which takes an offset
     * of its own (one in six offsets at a few records per transaction). The counters run at most a commit interval
     * (100 ms) ahead of committed state.
     */
    Progress progress() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(PROCESSOR_GROUP)
            .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        if (inputPartitions == null) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(INPUT_TOPICS).allTopicNames().get(10, TimeUnit.SECONDS).forEach((topic, description) ->
                description.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()),
                    OffsetSpec.latest())));
            inputPartitions = latest;
        }
        Map<TopicPartition, Long> ends = admin.listOffsets(inputPartitions).all().get(10, TimeUnit.SECONDS).entrySet().stream()
            .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        long offsets = 0;
        long lag = 0;
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            OffsetAndMetadata done = committed.get(end.getKey());
            long at = done == null ? 0 : done.offset();
            offsets += at;
            lag += Math.max(0, end.getValue() - at);
        }
        long processed = processorHttpPort > 0 ? takenIn() : offsets;
        long pending = Math.max(0, jetStream.getStreamInfo(INPUT_STREAM).getStreamState().getLastSequence()
            - copiedUpTo());
        return new Progress(System.nanoTime(), processed, lag, pending, egressLag());
    }

    /** Input messages the processor took in, by its own counters (every input record is one of these). */
    private long takenIn() {
        Map<String, Double> metrics = scrape(processorHttpPort, TAKEN_IN.toArray(String[]::new));
        double total = 0;
        for (String counter : TAKEN_IN) {
            total += Math.max(0, sum(metrics, counter));
        }
        return (long) total;
    }

    /** The last stream sequence the ingress committed to Kafka, as its latest position record says. */
    private long copiedUpTo() throws IOException {
        TopicPartition partition = new TopicPartition(POSITION_TOPIC, 0);
        long end = positions.endOffsets(List.of(partition), Duration.ofSeconds(10)).get(partition);
        do {
            for (ConsumerRecord<String, byte[]> record : positions.poll(Duration.ofMillis(50))) {
                if (INPUT_STREAM.equals(record.key()) && record.value() != null) {
                    copiedUpTo = JSON.readTree(record.value()).get("LastSequence").asLong();
                }
            }
        } while (positions.position(partition) < end);
        return copiedUpTo;
    }

    private long egressLag() throws Exception {
        if (digestPartitions == null) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(List.of(DIGEST_TOPIC)).allTopicNames().get(10, TimeUnit.SECONDS).get(DIGEST_TOPIC)
                .partitions().forEach(p -> latest.put(new TopicPartition(DIGEST_TOPIC, p.partition()),
                    OffsetSpec.latest()));
            digestPartitions = latest;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(EGRESS_GROUP)
            .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        long lag = 0;
        // Read committed: the end offsets include transaction markers, so an idle partition shows a lag of 1.
        for (Map.Entry<TopicPartition, org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo> end
            : admin.listOffsets(digestPartitions, new org.apache.kafka.clients.admin.ListOffsetsOptions(
                org.apache.kafka.common.IsolationLevel.READ_COMMITTED)).all().get(10, TimeUnit.SECONDS).entrySet()) {
            OffsetAndMetadata done = committed.get(end.getKey());
            lag += Math.max(0, end.getValue().offset() - (done == null ? 0 : done.offset()));
        }
        return lag;
    }

    /** Waits until nothing is pending in NATS or Kafka; returns false after {@code timeout}. */
    boolean awaitDrained(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (progress().backlog() == 0) {
                return true;
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
        return false;
    }

    /** Resident set size of a process, in bytes: now ({@code VmRSS}) or its peak ({@code VmHWM}). */
    static long rssBytes(long pid, boolean peak) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(peak ? "VmHWM:" : "VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Gone, or not Linux.
        }
        return -1;
    }

    /** User + system CPU time of a process (all its threads), in clock ticks; -1 when unknown. */
    static long cpuTicks(long pid) {
        return cpuTicks(Path.of("/proc", Long.toString(pid), "stat"));
    }

    /**
     * CPU ticks (user + system) of each thread of a process, summed by thread name with trailing numbers dropped
     * ({@code kafka-producer-network-thread}, {@code rocksdb:low}, ...); empty when the process cannot be read.
     */
    static Map<String, Long> threadCpuTicks(long pid) {
        Map<String, Long> byName = new TreeMap<>();
        try (Stream<Path> threads = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            threads.forEach(thread -> {
                long ticks = cpuTicks(thread.resolve("stat"));
                if (ticks >= 0) {
                    byName.merge(threadName(thread), ticks, Long::sum);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            return Map.of();
        }
        return byName;
    }

    private static String threadName(Path thread) {
        try {
            return Files.readString(thread.resolve("comm")).strip().replaceAll("[-_ ]?[0-9]+$", "");
        } catch (IOException e) {
            return "?";
        }
    }

    private static long cpuTicks(Path statFile) {
        try {
            String stat = Files.readString(statFile);
            // After the command name in parentheses: state is field 3, utime 14, stime 15.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * A process's Prometheus metrics as name{labels} → value, only those of {@code names} when there are any (the
     * rest costs the process a lot to write: the benchmark reads some every second); empty when it does not answer.
     */
    Map<String, Double> scrape(int httpPort, String... names) {
        Map<String, Double> values = new HashMap<>();
        if (httpPort <= 0) {
            return values;
        }
        StringBuilder query = new StringBuilder();
        for (String name : names) {
            query.append(query.length() == 0 ? "?" : "&").append("name%5B%5D=").append(name);
        }
        try {
            HttpResponse<Stream<String>> response = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + httpPort + "/metrics" + query)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofLines());
            response.body().filter(line -> !line.startsWith("#") && !line.isBlank()).forEach(line -> {
                int space = line.lastIndexOf(' ');
                try {
                    values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
                } catch (NumberFormatException e) {
                    // NaN and friends are of no use here.
                }
            });
        } catch (IOException e) {
            return values;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return values;
    }

    /** The sum of every series of {@code name} whose labels contain all of {@code labels}; -1 when none. */
    static double sum(Map<String, Double> metrics, String name, String... labels) {
        double total = 0;
        boolean found = false;
        for (Map.Entry<String, Double> metric : metrics.entrySet()) {
            String key = metric.getKey();
            if (!(key.equals(name) || key.startsWith(name + "{"))) {
                continue;
            }
            boolean all = true;
            for (String label : labels) {
                all &= key.contains(label);
            }
            if (all) {
                total += metric.getValue();
                found = true;
            }
        }
        return found ? total : -1;
    }

    /** The largest value of any series of {@code name}; -1 when none. */
    static double max(Map<String, Double> metrics, String name) {
        return metrics.entrySet().stream()
            .filter(m -> m.getKey().equals(name) || m.getKey().startsWith(name + "{"))
            .mapToDouble(Map.Entry::getValue).max().orElse(-1);
    }

    /** Bytes of the files under {@code dir} (RocksDB's SST files, logs and manifests); 0 when missing. */
    static long diskBytes(Path dir) {
        if (dir == null || !Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(file -> {
                try {
                    return Files.size(file);
                } catch (IOException e) {
                    return 0; // removed by a compaction meanwhile
                }
            }).sum();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        positions.close(Duration.ofSeconds(5));
        admin.close(Duration.ofSeconds(5));
    }
}
