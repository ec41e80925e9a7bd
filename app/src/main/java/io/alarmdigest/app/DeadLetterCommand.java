package io.alarmdigest.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alarmdigest.bridge.BridgeConfig;
import io.alarmdigest.bridge.NatsConnections;
import io.alarmdigest.bridge.UnreachableException;
import io.alarmdigest.model.DlqReason;
import io.alarmdigest.model.HeaderNames;
import io.alarmdigest.model.Json;
import io.alarmdigest.model.Rfc3339;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetMetadataTooLarge;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code alarm-digest dlq list} and {@code dlq replay}: what is in the dead-letter topic, and the way back into the
 * service for letters whose cause was fixed. A replay publishes each letter's bytes to the NATS subject it first
 * came on, through JetStream (acknowledged, with a {@code Nats-Msg-Id} of the letter's coordinates), and records it
 * in its consumer group ({@link ReplayedOffsets}), so that a letter is replayed once; one still bad comes back to the
 * dead-letter topic as a new letter.
 */
@Command(name = "dlq", mixinStandardHelpOptions = true,
    description = {"The dead-letter topic: list its letters, or replay them to NATS once their cause is fixed.",
        "Kafka is standalone's (127.0.0.1:19092) unless bootstrap.servers is set."},
    subcommands = {DeadLetterCommand.ListLetters.class, DeadLetterCommand.Replay.class})
final class DeadLetterCommand implements Callable<Integer> {
    private static final Pattern RELATIVE = Pattern.compile("(\\d+)([smhd])");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /** The options and the reading both subcommands share. */
    abstract static class Letters implements Callable<Integer> {
        @CommandLine.Mixin
        Launcher.SettingsOptions settings;

        @CommandLine.Mixin
        Launcher.ClientOptions client;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--since", paramLabel = "TIME",
            description = "Only letters of messages NATS stored at or after TIME (a letter keeps its message's time): "
                + "RFC 3339 (2026-12-03T10:00:00Z) or an age (30m, 2h, 7d).")
        String since;

        /** The settings, Kafka defaulting to {@code standalone}'s embedded one, as NATS defaults to the local one. */
        BridgeConfig config() {
            Map<String, Object> resolved = settings.resolve();
            resolved.putIfAbsent("bootstrap.servers", "127.0.0.1:" + Standalone.DEFAULT_KAFKA_PORT);
            return new BridgeConfig(resolved);
        }

        @Option(names = "--reason", paramLabel = "CODE", description = "Only letters of this reason code (not-json, "
            + "bad-status, ...).")
        String reason;

        /** Whether a letter passes {@code --since} and {@code --reason}. */
        Predicate<Letter> filter() {
            Instant from = since == null ? null : since(since, Instant.now());
            if (reason != null && Arrays.stream(DlqReason.values()).noneMatch(r -> r.code().equals(reason))) {
                throw new IllegalArgumentException("--reason " + reason + " is no reason code; the codes are "
                    + Arrays.stream(DlqReason.values()).map(DlqReason::code).collect(Collectors.joining(", ")));
            }
            return letter -> (from == null || !letter.time().isBefore(from))
                && (reason == null || reason.equals(letter.code()));
        }

        /**
         * Reads every partition of the dead-letter topic from {@code start} to its end as it was when reading began,
         * handing each letter to {@code each}; returns where reading ended, each partition's end.
         */
        static Map<TopicPartition, Long> read(KafkaConsumer<byte[], byte[]> consumer, String topic,
                                              Map<TopicPartition, Long> start, Duration timeout, LetterHandler each)
            throws IOException, InterruptedException {
            List<TopicPartition> partitions = new ArrayList<>(start.keySet());
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            for (TopicPartition partition : partitions) {
                consumer.seek(partition, start.get(partition));
            }
            long quietSince = System.nanoTime();
            while (partitions.stream().anyMatch(p -> consumer.position(p, timeout) < end.get(p))) {
                var records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    quietSince = System.nanoTime();
                } else if (System.nanoTime() - quietSince > timeout.toNanos()) {
                    throw new UnreachableException("the dead-letter topic " + topic + " gave nothing for "
                        + timeout.toSeconds() + " s before its end: is Kafka reachable?");
                }
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                    if (record.offset() < end.get(partition) && !each.handle(Letter.of(record))) {
                        return end;
                    }
                }
            }
            return end;
        }

        /**
         * Where reading starts: each partition's {@code beginning} (its first offset), or its first letter written at
         * or after {@code --since}.
         */
        Map<TopicPartition, Long> start(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> beginning,
                                        Duration timeout) {
            Map<TopicPartition, Long> start = new HashMap<>(beginning);
            if (since != null) {
                long fromMs = since(since, Instant.now()).toEpochMilli();
                Map<TopicPartition, Long> times = new HashMap<>();
                beginning.keySet().forEach(partition -> times.put(partition, fromMs));
                Map<TopicPartition, Long> end = consumer.endOffsets(beginning.keySet(), timeout);
                consumer.offsetsForTimes(times, timeout).forEach((partition, found) ->
                    start.put(partition, found == null ? end.get(partition) : found.offset()));
            }
            return start;
        }

        /** The topic's partitions, assigned to {@code consumer}. */
        static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, String topic, Duration timeout) {
            List<PartitionInfo> infos;
            try {
                infos = consumer.partitionsFor(topic, timeout);
            } catch (KafkaException e) {
                throw new UnreachableException("Kafka did not say what the dead-letter topic " + topic + " holds ("
                    + e.getMessage() + "): is bootstrap.servers right, and does the topic exist?", e);
            }
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("the dead-letter topic " + topic + " does not exist: has the "
                    + "service run against this Kafka (bootstrap.servers, topic.dead-letter)?");
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions); // before any offset is asked for: the consumer asks for its own partitions
            return partitions;
        }

        static KafkaConsumer<byte[], byte[]> consumer(BridgeConfig config, String groupId) {
            return new KafkaConsumer<>(config.deadLetterConsumerProperties(groupId), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        }
    }

    /** {@code --since}: an RFC 3339 time, or an age such as {@code 30m}, {@code 2h}, {@code 7d} before {@code now}. */
    static Instant since(String text, Instant now) {
        Matcher age = RELATIVE.matcher(text.trim());
        if (age.matches()) {
            long amount = Long.parseLong(age.group(1));
            Duration unit = switch (age.group(2)) {
                case "s" -> Duration.ofSeconds(1);
                case "m" -> Duration.ofMinutes(1);
                case "h" -> Duration.ofHours(1);
                default -> Duration.ofDays(1);
            };
            return now.minus(unit.multipliedBy(amount));
        }
        return Rfc3339.parse("--since", text.trim());
    }

    @FunctionalInterface
    interface LetterHandler {
        /** Returns whether to go on reading. */
        boolean handle(Letter letter) throws IOException, InterruptedException;
    }

    /** One dead letter as the ingress or the processor wrote it. */
    record Letter(int partition, long offset, Instant time, String reason, String source, String subject,
                  Integer truncatedFrom, byte[] value) {
        static Letter of(ConsumerRecord<byte[], byte[]> record) {
            String truncated = header(record, HeaderNames.DLQ_TRUNCATED_FROM);
            return new Letter(record.partition(), record.offset(), Instant.ofEpochMilli(record.timestamp()),
                header(record, HeaderNames.DLQ_REASON), header(record, HeaderNames.DLQ_SOURCE),
                header(record, HeaderNames.NATS_SUBJECT), truncated == null ? null : Integer.valueOf(truncated),
                record.value());
        }

        /** The reason's code, before the colon of {@code dlq-reason}. */
        String code() {
            if (reason == null) {
                return null;
            }
            int colon = reason.indexOf(':');
            return colon < 0 ? reason : reason.substring(0, colon);
        }

        /** Why it cannot be replayed, or {@code null} if it can. */
        String notReplayable() {
            if (truncatedFrom != null) {
                return "only its first " + (value == null ? 0 : value.length) + " of " + truncatedFrom + " bytes were kept";
            }
            if (subject == null) {
                return "it has no " + HeaderNames.NATS_SUBJECT + " header to say where it came from";
            }
            if (value == null) {
                return "it has no value";
            }
            return null;
        }

        ObjectNode json() {
            ObjectNode json = Json.MAPPER.createObjectNode()
                .put("Partition", partition)
                .put("Offset", offset)
                .put("Time", Rfc3339.format(time))
                .put("Reason", reason)
                .put("Source", source)
                .put("Subject", subject);
            if (truncatedFrom == null) {
                json.putNull("TruncatedFrom");
            } else {
                json.put("TruncatedFrom", truncatedFrom);
            }
            return json.put("Value", value == null ? null : new String(value, StandardCharsets.UTF_8));
        }

        String coordinates() {
            return partition + "/" + offset;
        }

        private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
            Header header = record.headers().lastHeader(name);
            return header == null || header.value() == null ? null
                : new String(header.value(), StandardCharsets.UTF_8);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
        description = "Print the dead letters, one JSON object a line: partition, offset, time, reason, source, "
            + "NATS subject, the value as text.")
    static final class ListLetters extends Letters {
        @Option(names = "--limit", paramLabel = "N", description = "Print at most N letters (default: all).")
        long limit = Long.MAX_VALUE;

        @Override
        public Integer call() throws Exception {
            BridgeConfig config = config();
            Predicate<Letter> filter = filter();
            if (limit < 1) {
                throw new IllegalArgumentException("--limit must be at least 1, not " + limit);
            }
            Duration timeout = client.timeout();
            PrintWriter out = spec.commandLine().getOut();
            String topic = config.topics().deadLetter();
            long[] printed = {0};
            try (AutoCloseable quiet = client.quietLogs();
                 KafkaConsumer<byte[], byte[]> consumer = consumer(config, null)) {
                Map<TopicPartition, Long> start = start(consumer,
                    consumer.beginningOffsets(partitions(consumer, topic, timeout), timeout), timeout);
                read(consumer, topic, start, timeout, letter -> {
                    if (filter.test(letter)) {
                        out.println(letter.json());
                        printed[0]++;
                    }
                    return printed[0] < limit;
                });
            } catch (KafkaException e) {
                throw new UnreachableException("Kafka refused or did not answer (" + e + "): check bootstrap.servers, "
                    + "and that the service's Kafka user may read " + topic, e);
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Publish dead letters again to the NATS subject they came on, each once (recorded in the "
            + "consumer group --group); one still bad comes back to the dead-letter topic.")
    static final class Replay extends Letters {
        @Option(names = "--dry-run", description = "Say what would be replayed; publish and record nothing.")
        boolean dryRun;

        @Option(names = "--group", defaultValue = "alarm-digest-dlq-replay",
            description = "The consumer group that records what was replayed (default: ${DEFAULT-VALUE}).")
        String group;

        @Override
        public Integer call() throws Exception {
            BridgeConfig config = config();
            Predicate<Letter> filter = filter();
            Duration timeout = client.timeout();
            PrintWriter out = spec.commandLine().getOut();
            String topic = config.topics().deadLetter();
            int[] counts = new int[4]; // replayed, replayed before, left by the filters, not replayable
            try (AutoCloseable quiet = client.quietLogs();
                 KafkaConsumer<byte[], byte[]> consumer = consumer(config, group);
                 Connection nats = dryRun ? null : NatsConnections.connect(config.nats(), "dlq-replay", timeout)) {
                List<TopicPartition> partitions = partitions(consumer, topic, timeout);
                Map<TopicPartition, Long> beginning = consumer.beginningOffsets(partitions, timeout);
                Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(Set.copyOf(partitions), timeout);
                Map<TopicPartition, ReplayedOffsets> replayed = new HashMap<>();
                for (TopicPartition partition : partitions) {
                    replayed.put(partition, ReplayedOffsets.of(committed.get(partition), beginning.get(partition)));
                }
                // From the start (or --since), not from the group's offset: what was replayed before is counted too.
                Map<TopicPartition, Long> start = start(consumer, beginning, timeout);
                Map<TopicPartition, Long> next = new HashMap<>(start);
                Map<TopicPartition, Long> end = read(consumer, topic, start, timeout, letter -> {
                    TopicPartition partition = new TopicPartition(topic, letter.partition());
                    ReplayedOffsets done = replayed.get(partition);
                    // What the reader skipped before this letter: transaction markers, aborted records.
                    done.passOver(next.get(partition), letter.offset());
                    next.put(partition, letter.offset() + 1);
                    if (done.contains(letter.offset())) {
                        counts[1]++;
                    } else if (!filter.test(letter)) {
                        counts[2]++;
                    } else if (letter.notReplayable() != null) {
                        counts[3]++;
                        out.println("cannot replay " + letter.coordinates() + " (" + letter.code() + "): "
                            + letter.notReplayable());
                    } else if (dryRun) {
                        counts[0]++;
                        out.println("would replay " + letter.coordinates() + " (" + letter.code() + ") to "
                            + letter.subject() + ": " + new String(letter.value(), StandardCharsets.UTF_8));
                    } else {
                        long sequence = publish(nats, topic, letter);
                        done.add(letter.offset());
                        record(consumer, Map.of(partition, done.commit()), timeout);
                        counts[0]++;
                        out.println("replayed " + letter.coordinates() + " (" + letter.code() + ") to "
                            + letter.subject() + (sequence < 0 ? " (NATS had it already)" : ""));
                    }
                    return true;
                });
                if (!dryRun) {
                    // The markers after the last letters too; and each run renews the group's record (Kafka drops
                    // the offsets of a group without members after offsets.retention.minutes).
                    Map<TopicPartition, OffsetAndMetadata> all = new HashMap<>();
                    for (TopicPartition partition : partitions) {
                        replayed.get(partition).passOver(next.get(partition), end.get(partition));
                        all.put(partition, replayed.get(partition).commit());
                    }
                    record(consumer, all, timeout);
                }
            } catch (KafkaException e) {
                throw new UnreachableException("Kafka refused or did not answer (" + e + "): check bootstrap.servers, "
                    + "and that the service's Kafka user may read " + topic + " and commit as group " + group, e);
            }
            out.println((dryRun ? "would replay " : "replayed ") + counts[0] + " letter(s); " + counts[1]
                + " replayed before; " + counts[2] + " left by --since/--reason; " + counts[3] + " cannot be replayed");
            out.flush();
            return 0;
        }

        private static void record(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, OffsetAndMetadata> commits,
                                   Duration timeout) {
            try {
                consumer.commitSync(commits, timeout);
            } catch (OffsetMetadataTooLarge e) {
                throw new IllegalStateException("what was replayed cannot be recorded: the replayed letters above "
                    + "letters left behind no longer fit the group's commit metadata (offset.metadata.max.bytes); "
                    + "replay the letters left behind (or the ones that cannot be replayed are blocking: use a new "
                    + "--group)", e);
            }
        }

        /** Publishes through JetStream and waits for the acknowledgement; returns the stream sequence, -1: a duplicate. */
        private static long publish(Connection nats, String topic, Letter letter) {
            Headers headers = new Headers().put("Nats-Msg-Id",
                "alarm-digest-dlq:" + topic + ":" + letter.partition() + ":" + letter.offset());
            try {
                PublishAck ack = nats.jetStream().publish(NatsMessage.builder().subject(letter.subject())
                    .headers(headers).data(letter.value()).build());
                return ack.isDuplicate() ? -1 : ack.getSeqno();
            } catch (IOException | JetStreamApiException e) {
                throw new UnreachableException("NATS did not store the replay of " + letter.coordinates() + " on "
                    + letter.subject() + " (" + e.getMessage() + "): is a JetStream stream capturing that subject "
                    + "(the bridge's input stream)? Letters replayed until then are recorded", e);
            }
        }
    }
}
