package io.alarmdigest.processor.app;

import io.alarmdigest.kafka.RecordLimits;
import io.alarmdigest.kafka.TopicProvisioner;
import io.alarmdigest.processor.config.ProcessorConfig;
import io.alarmdigest.processor.query.UserQueries;
import io.alarmdigest.processor.topology.DigestTopology;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the digest topology: creates and checks the topics, then starts Kafka Streams. A stream thread that dies of
 * an unexpected error is replaced: its transaction is aborted and its tasks resume from the last commit, so no
 * record is lost or processed twice.
 */
public final class ProcessorApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessorApp.class);

    private final ProcessorConfig config;
    private final KafkaStreams streams;
    private final ProcessorMeters meters;
    private final UserQueries queries;

    private ProcessorApp(ProcessorConfig config, KafkaStreams streams, ProcessorMeters meters, UserQueries queries) {
        this.config = config;
        this.streams = streams;
        this.meters = meters;
        this.queries = queries;
    }

    /** How long an instance waits for another to answer a forwarded query. */
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(5);

    /**
     * What a registry given to {@link #start(Map, MeterRegistry)} must be configured with before any meter is
     * registered in it: it keeps Kafka Streams' binder from exporting the processor's own metrics a second time.
     */
    public static final MeterFilter METER_FILTER = ProcessorMeters.FILTER;

    /** Starts processing with meters of its own. */
    public static ProcessorApp start(Map<?, ?> settings) throws InterruptedException {
        MeterRegistry registry = new SimpleMeterRegistry();
        registry.config().meterFilter(METER_FILTER);
        return start(settings, registry);
    }

    /**
     * Validates the settings, provisions the topics and starts processing, exporting the processor's metrics to
     * {@code registry} ({@link ProcessorMeters}), which denies {@link #METER_FILTER}.
     *
     * @throws org.apache.kafka.common.config.ConfigException naming the bad setting
     * @throws IllegalStateException when the topics cannot be used as they are
     */
    public static ProcessorApp start(Map<?, ?> settings, MeterRegistry registry) throws InterruptedException {
        ProcessorConfig config = new ProcessorConfig(settings);
        Properties props = config.streamsProperties();
        warnOnWeakenedGuarantees(props);
        try (Admin admin = Admin.create(adminProperties(props))) {
            TopicProvisioner.ensureTopics(admin, config.topics());
            int largestDigest = config.digestMaxBytes() + RecordLimits.OVERHEAD_BYTES;
            int largestDeadLetter = config.deadLetterMaxBytes() + RecordLimits.OVERHEAD_BYTES;
            TopicProvisioner.retrying(() -> TopicProvisioner.requireMessageSize(admin,
                Map.of(config.digestTopic(), largestDigest, config.deadLetterTopic(), largestDeadLetter)));
        } catch (ExecutionException e) {
            throw TopicProvisioner.failed(e);
        }
        KafkaStreams streams = new KafkaStreams(DigestTopology.build(config), props);
        ProcessorMeters meters = new ProcessorMeters(streams, registry, config);
        streams.setUncaughtExceptionHandler(new FailureBudget(Time.SYSTEM));
        streams.setStateListener((now, before) -> {
            LOG.info("Processor {} -> {}", before, now);
            if (now == KafkaStreams.State.RUNNING) {
                meters.refresh();
            }
        });
        try {
            streams.start();
        } catch (RuntimeException e) {
            streams.close(Duration.ZERO);
            meters.close();
            throw e;
        }
        LOG.info("Processor started: application {}, {} -> {}, dead letters to {}",
            props.get(StreamsConfig.APPLICATION_ID_CONFIG), config.inputTopic(),
            config.digestTopic(), config.deadLetterTopic());
        Object server = props.get(StreamsConfig.APPLICATION_SERVER_CONFIG);
        HostInfo self = server == null || server.toString().isBlank() ? null
            : HostInfo.buildFromEndpoint(server.toString());
        return new ProcessorApp(config, streams, meters,
            new UserQueries(streams, self, config.alarmRetentionMs(), QUERY_TIMEOUT));
    }

    private static void warnOnWeakenedGuarantees(Properties props) {
        Object guarantee = props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG);
        if (!StreamsConfig.EXACTLY_ONCE_V2.equals(guarantee)) {
            LOG.warn("{}={}: a crash can now yield a digest without its delivery marks or the reverse (contract "
                + "rule 5); use {} unless you accept that", StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee,
                StreamsConfig.EXACTLY_ONCE_V2);
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

    /** The interactive queries of users' alarms, answered by this instance or the one that holds them. */
    public UserQueries queries() {
        return queries;
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
        meters.close();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
