package io.alarmdigest.processor.app;

import io.alarmdigest.kafka.TopicProvisioner;
import io.alarmdigest.processor.config.ProcessorConfig;
import io.alarmdigest.processor.topology.DigestTopology;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
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
        try (Admin admin = Admin.create(adminProperties(props))) {
            TopicProvisioner.ensureTopics(admin, config.topics());
        } catch (ExecutionException e) {
            throw new IllegalStateException("Could not create or check the topics: " + e.getCause().getMessage(),
                e.getCause());
        }
        KafkaStreams streams = new KafkaStreams(DigestTopology.build(config), props);
        streams.setUncaughtExceptionHandler(error -> {
            LOG.error("A stream thread failed; its open transaction is aborted and a new thread resumes its tasks "
                + "from the last commit", error);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.setStateListener((now, before) -> LOG.info("Processor {} -> {}", before, now));
        streams.start();
        LOG.info("Processor started: application {}, {} -> {}, dead letters to {}",
            props.get(StreamsConfig.APPLICATION_ID_CONFIG), config.statusTopic() + "+" + config.requestTopic(),
            config.digestTopic(), config.deadLetterTopic());
        return new ProcessorApp(config, streams);
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
