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

    /** Messages per second of each stage, and the combined limit when they share the machine. */
    record Result(double jetStreamPublish, double jetStreamRead, double kafkaProduce, double streamsPassThrough) {
        /** 1 / Σ(1 / rate): the stages' costs add up when they run at once on the same cores. */
        double combined() {
            return 1 / (1 / jetStreamPublish + 1 / jetStreamRead + 1 / kafkaProduce + 1 / streamsPassThrough);
        }
    }

    private RawLimits() {
    }

    static Result measure(Connection nats, String bootstrap, byte[] payload, Duration each, Progress progress)
        throws Exception {
        JetStreamManagement management = nats.jetStreamManagement();
        try {
            management.deleteStream(STREAM);
        } catch (Exception e) {
            // Not there.
        }
        management.addStream(StreamConfiguration.builder().name(STREAM).subjects(SUBJECT)
            .storageType(StorageType.File).build());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.deleteTopics(List.of(TOPIC, TOPIC_OUT));
            TimeUnit.SECONDS.sleep(1);
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1),
                new NewTopic(TOPIC_OUT, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
            progress.phase("raw limits: JetStream publish");
            double publish = jetStreamPublish(nats, payload, each);
            progress.phase("raw limits: JetStream ordered read + purge");
            double pull = jetStreamRead(nats, each);
            progress.phase("raw limits: Kafka transactional produce");
            double produce = kafkaProduce(bootstrap, payload, each);
            progress.phase("raw limits: Kafka Streams pass-through (exactly_once_v2)");
            double streams = streamsPassThrough(bootstrap, each);
            admin.deleteTopics(List.of(TOPIC, TOPIC_OUT));
            return new Result(publish, pull, produce, streams);
        } finally {
            management.deleteStream(STREAM);
        }
    }

    /** Async publish with up to 1,000 acknowledgements outstanding; counts acknowledged messages. */
    private static double jetStreamPublish(Connection nats, byte[] payload, Duration duration) throws Exception {
        JetStream jetStream = nats.jetStream();
        Semaphore outstanding = new Semaphore(1_000);
        AtomicLong acked = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
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
        double seconds = (System.nanoTime() - start) / 1e9;
        if (failure.get() != null) {
            throw new IllegalStateException("JetStream publish failed: " + failure.get(), failure.get());
        }
        return acked.get() / seconds;
    }

    /**
     * An ordered consumer (ephemeral, no acknowledgements) reads what the publish stage stored, from its first
     * message, with a purge below what was read every 10,000 messages, as the ingress does.
     */
    private static double jetStreamRead(Connection nats, Duration duration) throws Exception {
        JetStreamManagement management = nats.jetStreamManagement();
        long count = 0;
        long purgedBelow = 1;
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        try (IterableConsumer messages = nats.getStreamContext(STREAM).createOrderedConsumer(
                new OrderedConsumerConfiguration().deliverPolicy(DeliverPolicy.All))
            .iterate(ConsumeOptions.builder().batchSize(1_000).batchBytes(8L * 1024 * 1024).expiresIn(5_000).build())) {
            while (System.nanoTime() < end) {
                Message message = messages.nextMessage(Duration.ofSeconds(1));
                if (message == null) {
                    break; // everything published was read
                }
                count++;
                long sequence = message.metaData().streamSequence();
                if (sequence - purgedBelow + 1 >= 10_000) {
                    management.purgeStream(STREAM, PurgeOptions.builder().sequence(sequence + 1).build());
                    purgedBelow = sequence + 1;
                }
            }
        }
        return count / ((System.nanoTime() - start) / 1e9);
    }

    /**
     * The ingress's producer: transactional, {@code acks=all}, linger 5 ms, no compression; a transaction is
     * committed every {@value #TRANSACTION_MESSAGES} messages or {@value #TRANSACTION_MS} ms, the ingress's limits.
     */
    private static double kafkaProduce(String bootstrap, byte[] payload, Duration duration) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-raw-" + System.currentTimeMillis());
        AtomicReference<Exception> failure = new AtomicReference<>();
        long committed = 0;
        long start;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
            new ByteArraySerializer())) {
            producer.initTransactions();
            producer.partitionsFor(TOPIC);
            start = System.nanoTime();
            long end = start + duration.toNanos();
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
        }
        if (failure.get() != null) {
            throw new IllegalStateException("Kafka produce failed: " + failure.get(), failure.get());
        }
        return committed / ((System.nanoTime() - start) / 1e9);
    }

    /**
     * Reads what the produce stage wrote and writes it to another topic, exactly once, one stream thread; the rate is
     * taken between the first record and the end of the measurement (or the last record).
     */
    private static double streamsPassThrough(String bootstrap, Duration duration) throws Exception {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-pass-through-" + System.currentTimeMillis());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.STATE_DIR_CONFIG, java.nio.file.Files.createTempDirectory("bench-streams").toString());
        props.put("consumer.auto.offset.reset", "earliest");
        AtomicLong seen = new AtomicLong();
        AtomicLong first = new AtomicLong();
        AtomicLong last = new AtomicLong();
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(TOPIC, Consumed.with(Serdes.String(), Serdes.ByteArray()))
            .peek((key, value) -> {
                long now = System.nanoTime();
                first.compareAndSet(0, now);
                last.set(now);
                seen.incrementAndGet();
            })
            .to(TOPIC_OUT, Produced.with(Serdes.String(), Serdes.ByteArray()));
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
            streams.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (first.get() == 0 && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(10);
            }
            long end = first.get() + duration.toNanos();
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
            long counted = seen.get();
            double seconds = (Math.min(System.nanoTime(), Math.max(last.get(), first.get() + 1)) - first.get()) / 1e9;
            streams.close(Duration.ofSeconds(30));
            streams.cleanUp();
            LOG.info("pass-through read {} records in {} s", counted, String.format("%.1f", seconds));
            return counted / seconds;
        }
    }

    /** Where the benchmark shows what it is doing. */
    interface Progress {
        void phase(String name);
    }

}
