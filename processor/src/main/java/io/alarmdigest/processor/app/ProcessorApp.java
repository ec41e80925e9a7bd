package io.alarmdigest.processor.app;

import io.alarmdigest.kafka.TopicProvisioner;
import io.alarmdigest.processor.config.ProcessorConfig;
import io.alarmdigest.processor.topology.DigestTopology;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the digest topology: creates and checks the topics, then starts Kafka Streams. A stream thread that dies of
 * an unexpected error is replaced: its transaction is aborted and its tasks resume from the last commit, so no
 * record is lost or processed twice.
 */
public final class ProcessorApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessorApp.class);

    /** The metric group of the processor's own counters in {@link KafkaStreams#metrics()}. */
    public static final String METRICS_GROUP = "stream-alarm-digest-metrics";

    private final ProcessorConfig config;
    private final KafkaStreams streams;

    private ProcessorApp(ProcessorConfig config, KafkaStreams streams) {
        this.config = config;
        this.streams = streams;
    }

    /**
     * Validates the settings, provisions the topics and starts processing.
     *
     * @throws org.apache.kafka.common.config.ConfigException naming the bad setting
     * @throws IllegalStateException when the topics cannot be used as they are
     */
    public static ProcessorApp start(Map<?, ?> settings) throws InterruptedException {
        ProcessorConfig config = new ProcessorConfig(settings);
        Properties props = config.streamsProperties();
        warnOnWeakenedGuarantees(props);
        try (Admin admin = Admin.create(adminProperties(props))) {
            TopicProvisioner.ensureTopics(admin, config.topics());
            int largestDigest = config.digestMaxBytes() + ProcessorConfig.RECORD_OVERHEAD_BYTES;
            int largestDeadLetter = config.deadLetterMaxBytes() + ProcessorConfig.RECORD_OVERHEAD_BYTES;
            TopicProvisioner.retrying(() -> TopicProvisioner.requireMessageSize(admin,
                Map.of(config.digestTopic(), largestDigest, config.deadLetterTopic(), largestDeadLetter)));
        } catch (ExecutionException e) {
            throw new IllegalStateException("Could not create or check the topics: " + e.getCause(),
                e.getCause());
        }
        KafkaStreams streams = new KafkaStreams(DigestTopology.build(config), props);
        streams.setUncaughtExceptionHandler(new FailureBudget());
        streams.setStateListener((now, before) -> LOG.info("Processor {} -> {}", before, now));
        streams.start();
        LOG.info("Processor started: application {}, {} -> {}, dead letters to {}",
            props.get(StreamsConfig.APPLICATION_ID_CONFIG), config.inputTopic(),
            config.digestTopic(), config.deadLetterTopic());
        return new ProcessorApp(config, streams);
    }

    private static void warnOnWeakenedGuarantees(Properties props) {
        Object guarantee = props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG);
        if (!StreamsConfig.EXACTLY_ONCE_V2.equals(guarantee)) {
            LOG.warn("{}={}: a crash can now yield a digest without its delivery marks or the reverse (contract "
                + "rule 5); use {} unless you accept that", StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee,
                StreamsConfig.EXACTLY_ONCE_V2);
        }
    }

    /**
     * Replaces a failed stream thread (its transaction is aborted, its tasks resume from the last commit), unless
     * threads keep failing: a failure that comes back every time would replay the same record for ever, so after
     * {@value #MAX_FAILURES} failures within {@value #FAILURE_WINDOW_MINUTES} minutes the client shuts down, for
     * the operator or the orchestrator to see and act.
     */
    private static final class FailureBudget implements StreamsUncaughtExceptionHandler {
        private static final int MAX_FAILURES = 5;
        private static final long FAILURE_WINDOW_MINUTES = 10;

        private final Deque<Long> failures = new ArrayDeque<>();

        @Override
        public synchronized StreamThreadExceptionResponse handle(Throwable error) {
            long now = System.nanoTime();
            failures.addLast(now);
            while (now - failures.peekFirst() > TimeUnit.MINUTES.toNanos(FAILURE_WINDOW_MINUTES)) {
                failures.removeFirst();
            }
            if (failures.size() > MAX_FAILURES) {
                LOG.error("Stream threads failed {} times in {} minutes; shutting the processor down instead of "
                    + "replaying the same failure. Last error:", failures.size(), FAILURE_WINDOW_MINUTES, error);
                return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            }
            LOG.error("A stream thread failed; its open transaction is aborted and a new thread resumes its tasks "
                + "from the last commit", error);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        }
    }

    private static Properties adminProperties(Properties streamsProps) {
        Properties admin = new Properties();
        for (String key : AdminClientConfig.configNames()) {
            if (streamsProps.containsKey(key)) {
                admin.put(key, streamsProps.get(key));
            }
        }
        admin.putAll(new StreamsConfig(streamsProps).originalsWithPrefix(StreamsConfig.ADMIN_CLIENT_PREFIX));
        return admin;
    }

    public KafkaStreams streams() {
        return streams;
    }

    public ProcessorConfig config() {
        return config;
    }

    /**
     * Stops processing, committing what was processed, within {@code timeout}, and leaves the consumer group so
     * that the remaining instances take over its partitions at once instead of after the session timeout.
     */
    public void close(Duration timeout) {
        LOG.info("Processor stopping");
        if (!streams.close(new KafkaStreams.CloseOptions().timeout(timeout).leaveGroup(true))) {
            LOG.warn("Processor did not stop within {}; uncommitted work will be redone on the next start", timeout);
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
