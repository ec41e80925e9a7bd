package io.alarmdigest.bench;

import io.nats.client.ConsumeOptions;
import io.nats.client.Connection;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.PurgeOptions;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The raw speed of each stage the pipeline is made of, measured on the same machine, brokers and messages as the
 * pipeline run, one stage at a time (each then has both cores): JetStream publish (file storage, acknowledged), a
 * JetStream ordered-consumer read of what was published with a purge every 10,000 messages (no acknowledgements: the
 * read the ingress does), Kafka transactional produce ({@code acks=all}, transactions of the ingress's size), and a
 * Kafka Streams pass-through with {@code exactly_once_v2} (no state: the floor of any exactly-once processor).
 *
 * <p>Each stage is warmed up once, then measured {@value #RUNS} times (the stages in turn, so that a slow moment of
 * the machine does not land on one stage alone); the median is the stage's rate. A run during which the clients
 * logged a warning or an error is measured again, up to {@value #RETRIES} times, and the report says so. Every run
 * also tells the CPU each process spent per record (from {@code /proc}), the cheapest cost of that stage's work.
 * Scratch streams and topics are deleted afterwards.
 */
final class RawLimits {
    private static final Logger LOG = LoggerFactory.getLogger(RawLimits.class);
    private static final String STREAM = "BENCH_RAW";
    private static final String SUBJECT = "bench.raw";
    private static final String TOPIC = "bench-raw";
    private static final String TOPIC_OUT = "bench-raw-out";
    private static final int PARTITIONS = 12;
    /** The ingress's default transaction limits (ingress.transaction.max.messages, ingress.transaction.max.ms). */
    private static final int TRANSACTION_MESSAGES = 5_000;
    private static final long TRANSACTION_MS = 25;
    /** The ingress's default purge cadence (ingress.purge.every.messages). */
    private static final int PURGE_EVERY = 10_000;
    static final int RUNS = 3;
    static final int RETRIES = 2;

    /** The four stages, in the order the pipeline passes them. */
    enum Kind {
        PUBLISH("JetStream publish (file storage, acknowledged)"),
        READ("JetStream ordered read + purge every 10,000"),
        PRODUCE("Kafka transactional produce, acks=all"),
        PASS_THROUGH("Kafka Streams pass-through, exactly_once_v2");

        final String title;

        Kind(String title) {
            this.title = title;
        }
    }

    /**
     * One stage's runs: their rates (records per second), the CPU microseconds per record of each process in the
     * median run, how many runs were measured again because the clients logged a problem, and the first such
     * problem (null when none).
     */
    record Stage(Kind kind, List<Double> rates, Map<String, Double> cpuPerRecord, int remeasured, String problem) {
        double median() {
            List<Double> sorted = rates.stream().sorted().toList();
            return sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
        }

        double min() {
            return rates.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        }

        double max() {
            return rates.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        }

        /** The CPU per record of {@code process} in this stage; 0 when it was not measured. */
        double cpu(String process) {
            return cpuPerRecord.getOrDefault(process, 0.0);
        }
    }

    /** Every stage, and the combined limit when they share the machine. */
    record Result(Stage publish, Stage read, Stage produce, Stage passThrough) {
        /** 1 / Σ(1 / median rate): the stages' costs add up when they run at once on the same cores. */
        double combined() {
            return 1 / (1 / publish.median() + 1 / read.median() + 1 / produce.median() + 1 / passThrough.median());
        }

        List<Stage> stages() {
            return List.of(publish, read, produce, passThrough);
        }
    }

    /** The measured part of one run: the CPU of every process and the clock when it began and ended. */
    static final class Span {
        private final List<Deployment.Measured> processes;
        private Cpu.Snapshot begin;
        private Cpu.Snapshot end;
        private long records;
        private long lastRecordNanos;

        Span(List<Deployment.Measured> processes) {
            this.processes = processes;
        }

        void begin() {
            begin = Cpu.take(processes);
        }

        /** Ends the run: {@code records} done, the last of them at {@code lastRecordNanos} (the rate's end). */
        void end(long records, long lastRecordNanos) {
            end = Cpu.take(processes);
            this.records = records;
            this.lastRecordNanos = lastRecordNanos;
        }

        double rate() {
            return begin == null || end == null ? 0
                : records / Math.max(1e-9, (lastRecordNanos - begin.nanos()) / 1e9);
        }

        Map<String, Double> cpuPerRecord() {
            return Cpu.microsPerEvent(begin, end, records);
        }
    }

    private RawLimits() {
    }

    static Result measure(Connection nats, String bootstrap, byte[] payload, Duration each,
                          List<Deployment.Measured> processes, Progress progress) throws Exception {
        JetStreamManagement management = nats.jetStreamManagement();
        try {
            management.deleteStream(STREAM);
        } catch (Exception e) {
            // Not there.
        }
        management.addStream(StreamConfiguration.builder().name(STREAM).subjects(SUBJECT)
            .storageType(StorageType.File).build());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
             ClientLog log = ClientLog.attach()) {
            admin.deleteTopics(List.of(TOPIC, TOPIC_OUT));
            TimeUnit.SECONDS.sleep(1);
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1),
                new NewTopic(TOPIC_OUT, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
            Map<Kind, StageRun> runs = new EnumMap<>(Kind.class);
            runs.put(Kind.PUBLISH, (span, duration) -> jetStreamPublish(nats, payload, duration, span));
            runs.put(Kind.READ, (span, duration) -> jetStreamRead(nats, duration, span));
            runs.put(Kind.PRODUCE, (span, duration) -> kafkaProduce(bootstrap, payload, duration, span));
            runs.put(Kind.PASS_THROUGH, (span, duration) -> streamsPassThrough(bootstrap, duration, span));

            Duration warmUp = Duration.ofMillis(Math.max(2_000, each.toMillis() / 3));
            for (Kind kind : Kind.values()) {
                progress.phase("raw limits, warm-up: " + kind.title);
                runs.get(kind).run(new Span(processes), warmUp);
            }
            Map<Kind, List<Span>> measured = new EnumMap<>(Kind.class);
            Map<Kind, Integer> remeasured = new EnumMap<>(Kind.class);
            Map<Kind, String> problems = new EnumMap<>(Kind.class);
            for (int run = 1; run <= RUNS; run++) {
                for (Kind kind : Kind.values()) {
                    progress.phase("raw limits, run " + run + "/" + RUNS + ": " + kind.title);
                    for (int attempt = 0; ; attempt++) {
                        if (kind == Kind.READ && attempt > 0) {
                            // The failed read took what there was: publish again for this one.
                            runs.get(Kind.PUBLISH).run(new Span(processes), each);
                        }
                        log.reset();
                        Span span = new Span(processes);
                        runs.get(kind).run(span, each);
                        String problem = log.firstProblem();
                        if (problem != null) {
                            problems.putIfAbsent(kind, problem);
                        }
                        if (problem == null || attempt == RETRIES) {
                            measured.computeIfAbsent(kind, k -> new ArrayList<>()).add(span);
                            break;
                        }
                        remeasured.merge(kind, 1, Integer::sum);
                        LOG.warn("{}: the clients logged a problem ({}); measuring again", kind.title, problem);
                    }
                }
            }
            admin.deleteTopics(List.of(TOPIC, TOPIC_OUT));
            Map<Kind, Stage> stages = new EnumMap<>(Kind.class);
            for (Kind kind : Kind.values()) {
                List<Span> spans = measured.get(kind);
                List<Span> byRate = spans.stream().sorted(Comparator.comparingDouble(Span::rate)).toList();
                stages.put(kind, new Stage(kind, spans.stream().map(Span::rate).toList(),
                    byRate.get(byRate.size() / 2).cpuPerRecord(), remeasured.getOrDefault(kind, 0),
                    problems.get(kind)));
            }
            return new Result(stages.get(Kind.PUBLISH), stages.get(Kind.READ), stages.get(Kind.PRODUCE),
                stages.get(Kind.PASS_THROUGH));
        } finally {
            management.deleteStream(STREAM);
        }
    }

    /** One run of a stage for about {@code duration}; brackets its measured part with {@code span}. */
    private interface StageRun {
        void run(Span span, Duration duration) throws Exception;
    }

    /** Async publish with up to 1,000 acknowledgements outstanding; counts acknowledged messages. */
    private static void jetStreamPublish(Connection nats, byte[] payload, Duration duration, Span span)
        throws Exception {
        JetStream jetStream = nats.jetStream();
        Semaphore outstanding = new Semaphore(1_000);
        AtomicLong acked = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        span.begin();
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            outstanding.acquire();
            CompletableFuture<PublishAck> ack = jetStream.publishAsync(SUBJECT, payload);
            ack.whenComplete((done, error) -> {
                if (error != null) {
                    failure.compareAndSet(null, error);
                } else {
                    acked.incrementAndGet();
                }
                outstanding.release();
            });
        }
        outstanding.acquire(1_000);
        span.end(acked.get(), System.nanoTime());
        if (failure.get() != null) {
            throw new IllegalStateException("JetStream publish failed: " + failure.get(), failure.get());
        }
    }

    /**
     * An ordered consumer (ephemeral, no acknowledgements) reads what the publish stage stored, from its first
     * message, with a purge below what was read every {@value #PURGE_EVERY} messages, as the ingress does; until the
     * duration is over or the stream is read to its end.
     */
    private static void jetStreamRead(Connection nats, Duration duration, Span span) throws Exception {
        JetStreamManagement management = nats.jetStreamManagement();
        long count = 0;
        long purgedBelow = management.getStreamInfo(STREAM).getStreamState().getFirstSequence();
        long last = System.nanoTime();
        try (IterableConsumer messages = nats.getStreamContext(STREAM).createOrderedConsumer(
                new OrderedConsumerConfiguration().deliverPolicy(DeliverPolicy.All))
            .iterate(ConsumeOptions.builder().batchSize(1_000).batchBytes(8L * 1024 * 1024).expiresIn(5_000).build())) {
            span.begin();
            long end = System.nanoTime() + duration.toNanos();
            while (System.nanoTime() < end) {
                Message message = messages.nextMessage(Duration.ofSeconds(1));
                if (message == null) {
                    break; // nothing came for a second: read to the end
                }
                count++;
                last = System.nanoTime();
                long sequence = message.metaData().streamSequence();
                if (sequence - purgedBelow + 1 >= PURGE_EVERY) {
                    management.purgeStream(STREAM, PurgeOptions.builder().sequence(sequence + 1).build());
                    purgedBelow = sequence + 1;
                }
                if (message.metaData().pendingCount() == 0) {
                    break; // the last one stored
                }
            }
            span.end(count, last);
        }
        management.purgeStream(STREAM); // the next run reads what the next publish stores, no more
    }

    /**
     * The ingress's producer: transactional, {@code acks=all}, linger 5 ms, no compression; a transaction is
     * committed every {@value #TRANSACTION_MESSAGES} messages or {@value #TRANSACTION_MS} ms, the ingress's limits.
     */
    private static void kafkaProduce(String bootstrap, byte[] payload, Duration duration, Span span)
        throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-raw-" + System.nanoTime());
        AtomicReference<Exception> failure = new AtomicReference<>();
        long committed = 0;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
            new ByteArraySerializer())) {
            producer.initTransactions();
            producer.partitionsFor(TOPIC);
            span.begin();
            long end = System.nanoTime() + duration.toNanos();
            long i = 0;
            while (System.nanoTime() < end) {
                producer.beginTransaction();
                long opened = System.nanoTime();
                int inTransaction = 0;
                while (inTransaction < TRANSACTION_MESSAGES
                    && System.nanoTime() - opened < TimeUnit.MILLISECONDS.toNanos(TRANSACTION_MS)) {
                    producer.send(new ProducerRecord<>(TOPIC, "user-" + (i++ % 10_000), payload), (metadata, error) -> {
                        if (error != null) {
                            failure.compareAndSet(null, error);
                        }
                    });
                    inTransaction++;
                }
                producer.commitTransaction();
                committed += inTransaction;
            }
            span.end(committed, System.nanoTime());
        }
        if (failure.get() != null) {
            throw new IllegalStateException("Kafka produce failed: " + failure.get(), failure.get());
        }
    }

    /**
     * Reads what the produce stage wrote and writes it to another topic, exactly once, one stream thread; measured
     * from its first record until the duration is over or the input is used up (nothing new for two seconds).
     */
    private static void streamsPassThrough(String bootstrap, Duration duration, Span span) throws Exception {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-pass-through-" + System.nanoTime());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.STATE_DIR_CONFIG, java.nio.file.Files.createTempDirectory("bench-streams").toString());
        props.put("consumer.auto.offset.reset", "earliest");
        AtomicLong seen = new AtomicLong();
        AtomicLong last = new AtomicLong();
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(TOPIC, Consumed.with(Serdes.String(), Serdes.ByteArray()))
            .peek((key, value) -> {
                last.set(System.nanoTime());
                seen.incrementAndGet();
            })
            .to(TOPIC_OUT, Produced.with(Serdes.String(), Serdes.ByteArray()));
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
            streams.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (seen.get() == 0 && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(10);
            }
            span.begin();
            long from = seen.get();
            long end = System.nanoTime() + duration.toNanos();
            long idleSince = System.nanoTime();
            long before = seen.get();
            while (System.nanoTime() < end) {
                TimeUnit.MILLISECONDS.sleep(100);
                if (seen.get() != before) {
                    before = seen.get();
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince > TimeUnit.SECONDS.toNanos(2)) {
                    break; // the input is used up
                }
            }
            long lastRecord = last.get();
            span.end(seen.get() - from, lastRecord);
            streams.close(Duration.ofSeconds(30));
            streams.cleanUp();
            LOG.info("pass-through: {} records at {}/s", seen.get() - from, String.format("%.0f", span.rate()));
        }
    }

    /** Where the benchmark shows what it is doing. */
    interface Progress {
        void phase(String name);
    }

}
