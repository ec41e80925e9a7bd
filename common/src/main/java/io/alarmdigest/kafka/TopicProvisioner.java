package io.alarmdigest.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the service's topics (never broker auto-creation) and checks what start-up depends on: the input keeps the
 * record times the ingress sets, and the position topic is compacted with one partition.
 */
public final class TopicProvisioner {
    private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);

    /**
     * The position topic's segments roll often, so that compaction keeps it small and a starting ingress reads
     * little: every transaction of the ingress writes one position record.
     */
    static final Map<String, String> POSITION_TOPIC_CONFIG = Map.of(
        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
        TopicConfig.SEGMENT_MS_CONFIG, Long.toString(TimeUnit.HOURS.toMillis(1)),
        TopicConfig.SEGMENT_BYTES_CONFIG, Integer.toString(16 * 1024 * 1024),
        TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, "0.1");

    private TopicProvisioner() {
    }

    /**
     * Creates the missing topics — the input, digest and dead-letter topics with {@code topic.partitions}
     * partitions, the position topic compacted with one — and checks the input and position topics.
     *
     * @throws IllegalStateException naming the topic and its setting when an existing one cannot be used
     */
    public static void ensureTopics(Admin admin, TopicSettings topics) throws ExecutionException, InterruptedException {
        Set<String> existing = admin.listTopics().names().get();
        List<NewTopic> missing = new ArrayList<>();
        for (String topic : topics.partitioned()) {
            if (!existing.contains(topic)) {
                missing.add(new NewTopic(topic, Optional.of(topics.partitions()),
                    Optional.of(topics.replicationFactor()))
                    .configs(Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "CreateTime")));
            }
        }
        if (!existing.contains(topics.ingressPosition())) {
            missing.add(new NewTopic(topics.ingressPosition(), Optional.of(1), Optional.of(topics.replicationFactor()))
                .configs(POSITION_TOPIC_CONFIG));
        }
        for (NewTopic topic : missing) {
            try {
                admin.createTopics(List.of(topic)).all().get();
                LOG.info("Created topic {} with {} partition(s)", topic.name(), topic.numPartitions());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
                // Another instance created it meanwhile: fine, it is checked below like any existing topic.
            }
        }
        retrying(() -> {
            requireCreateTime(admin, topics.input());
            requirePositionTopic(admin, topics.ingressPosition());
        });
    }

    /**
     * Why the topics could not be provisioned, as a start-up failure: one that names the settings to look at when
     * Kafka refused to authenticate the service or allow what it asked.
     */
    public static IllegalStateException failed(ExecutionException failure) {
        Throwable cause = failure.getCause() == null ? failure : failure.getCause();
        if (cause instanceof AuthenticationException) {
            return new IllegalStateException("Kafka refused to authenticate the service (" + cause.getMessage()
                + "): check security.protocol, sasl.mechanism, sasl.jaas.config and the ssl.* settings", cause);
        }
        if (cause instanceof AuthorizationException) {
            return new IllegalStateException("Kafka refused the service an operation on its topics ("
                + cause.getMessage() + "): its principal needs Create, Describe and DescribeConfigs on its topics", cause);
        }
        return new IllegalStateException("Could not create or check the Kafka topics: " + cause, cause);
    }

    /** A check that talks to the brokers. */
    public interface Check {
        void run() throws ExecutionException, InterruptedException;
    }

    /**
     * Runs a check, again while the brokers answer with a retriable error: right after a topic is created, its
     * metadata can take a moment to reach every broker.
     */
    public static void retrying(Check check) throws ExecutionException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                check.run();
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
                    throw e;
                }
                LOG.debug("Topic check not answered yet ({}); trying again", e.getCause().toString());
                TimeUnit.MILLISECONDS.sleep(200);
            }
        }
    }

    /**
     * The input's record timestamps must be the ones the ingress sets (the NATS stored time): retention and the
     * request-dedupe window run on that stream time (contract rule 10), and a topic with {@code LogAppendTime} would
     * replace it with the broker's clock.
     */
    static void requireCreateTime(Admin admin, String topic) throws ExecutionException, InterruptedException {
        ConfigEntry type = topicConfig(admin, topic).get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG);
        if (type != null && !"CreateTime".equals(type.value())) {
            throw new IllegalStateException("Topic " + topic + " has " + TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG
                + "=" + type.value() + "; the input needs CreateTime, so that records keep the time NATS stored them "
                + "(the processor's retention and request dedupe run on it).");
        }
    }

    /**
     * The position topic holds one record per ingress transaction, keyed by input stream: compaction must keep the
     * latest of each (deletion by age would lose the position), and one partition makes it the lock of the ingress
     * election (the ingress that owns partition 0 is the active one).
     */
    static void requirePositionTopic(Admin admin, String topic) throws ExecutionException, InterruptedException {
        TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        if (description.partitions().size() != 1) {
            throw new IllegalStateException("Topic " + topic + " (" + TopicSettings.POSITION_TOPIC + ") has "
                + description.partitions().size() + " partitions; the ingress position topic must have exactly one. "
                + "Delete it while no ingress runs (the ingresses then copy the input streams from their first "
                + "messages, and the processor drops the re-copied requests as duplicates) or point "
                + TopicSettings.POSITION_TOPIC + " at a new name.");
        }
        ConfigEntry policy = topicConfig(admin, topic).get(TopicConfig.CLEANUP_POLICY_CONFIG);
        if (policy != null && !List.of(policy.value().split(",")).contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
            throw new IllegalStateException("Topic " + topic + " (" + TopicSettings.POSITION_TOPIC + ") has "
                + TopicConfig.CLEANUP_POLICY_CONFIG + "=" + policy.value() + "; it must be compacted, or retention "
                + "would delete the ingress's position. Set " + TopicConfig.CLEANUP_POLICY_CONFIG + "="
                + TopicConfig.CLEANUP_POLICY_COMPACT + " on it.");
        }
    }

    private static Config topicConfig(Admin admin, String topic) throws ExecutionException, InterruptedException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource)).all().get().get(resource);
    }

    /**
     * Checks that each topic takes records of the given size (its {@code max.message.bytes}, as set on the topic or
     * inherited from the broker), so that a record we are bound to write is never refused for good.
     *
     * @throws IllegalStateException naming the topic, its limit and what is needed
     */
    public static void requireMessageSize(Admin admin, Map<String, Integer> neededBytesByTopic)
        throws ExecutionException, InterruptedException {
        List<ConfigResource> resources = neededBytesByTopic.keySet().stream()
            .map(topic -> new ConfigResource(ConfigResource.Type.TOPIC, topic)).toList();
        Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();
        for (ConfigResource resource : resources) {
            ConfigEntry entry = configs.get(resource).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
            int needed = neededBytesByTopic.get(resource.name());
            if (entry != null && entry.value() != null && Integer.parseInt(entry.value()) < needed) {
                throw new IllegalStateException("Topic " + resource.name() + " takes records of at most "
                    + entry.value() + " bytes (" + TopicConfig.MAX_MESSAGE_BYTES_CONFIG + "), but the service writes "
                    + "records of up to " + needed + " bytes there. Raise the topic's "
                    + TopicConfig.MAX_MESSAGE_BYTES_CONFIG + " or lower the service's size limit.");
            }
        }
    }
}
