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
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the service's topics (never broker auto-creation) and checks what start-up depends on: both inputs have
 * the same partition count, because a user's events and requests must meet in one task.
 */
public final class TopicProvisioner {
    private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);

    private TopicProvisioner() {
    }

    /**
     * Creates the missing topics with {@code topic.partitions} partitions and checks the input topics.
     *
     * @throws IllegalStateException naming the topics when the inputs' partition counts differ
     */
    public static void ensureTopics(Admin admin, TopicSettings topics) throws ExecutionException, InterruptedException {
        Set<String> existing = admin.listTopics().names().get();
        List<NewTopic> missing = new ArrayList<>();
        for (String topic : topics.all()) {
            if (!existing.contains(topic)) {
                missing.add(new NewTopic(topic, Optional.of(topics.partitions()),
                    Optional.of(topics.replicationFactor()))
                    .configs(Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "CreateTime")));
            }
        }
        for (NewTopic topic : missing) {
            try {
                admin.createTopics(List.of(topic)).all().get();
                LOG.info("Created topic {} with {} partitions", topic.name(), topics.partitions());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
                // Another instance created it meanwhile: fine, it is checked below like any existing topic.
            }
        }
        retrying(() -> {
            checkCoPartitioned(admin, topics);
            requireCreateTime(admin, List.of(topics.statusChanged(), topics.sendDigest()));
        });
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
     * The inputs' record timestamps must be the ones the bridge sets (the NATS stored time): a topic with
     * {@code LogAppendTime} would replace them with Kafka's clock and break the merge of the inputs by time.
     */
    static void requireCreateTime(Admin admin, List<String> topics) throws ExecutionException, InterruptedException {
        List<ConfigResource> resources = topics.stream()
            .map(topic -> new ConfigResource(ConfigResource.Type.TOPIC, topic)).toList();
        Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();
        for (ConfigResource resource : resources) {
            ConfigEntry type = configs.get(resource).get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG);
            if (type != null && !"CreateTime".equals(type.value())) {
                throw new IllegalStateException("Topic " + resource.name() + " has "
                    + TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG + "=" + type.value() + "; the inputs need CreateTime, "
                    + "so that records keep the time NATS stored them (the processor merges its inputs by it).");
            }
        }
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

    static void checkCoPartitioned(Admin admin, TopicSettings topics) throws ExecutionException, InterruptedException {
        Map<String, TopicDescription> inputs = admin
            .describeTopics(List.of(topics.statusChanged(), topics.sendDigest())).allTopicNames().get();
        int events = inputs.get(topics.statusChanged()).partitions().size();
        int requests = inputs.get(topics.sendDigest()).partitions().size();
        if (events != requests) {
            throw new IllegalStateException("Topic " + topics.statusChanged() + " has " + events + " partitions but "
                + topics.sendDigest() + " has " + requests + ": both inputs must have the same count, so that a "
                + "user's events and requests meet in one task. Add partitions to the smaller one (users move "
                + "partitions: reset the processor's state afterwards) or use topics created alike.");
        }
    }
}
