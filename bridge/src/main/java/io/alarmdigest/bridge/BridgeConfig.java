package io.alarmdigest.bridge;

import io.alarmdigest.kafka.PassThrough;
import io.alarmdigest.kafka.RecordLimits;
import io.alarmdigest.kafka.TopicSettings;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidList;
import org.apache.kafka.common.config.ConfigException;

/**
 * The bridges' settings, each declared once with type, default, validation and description, validated when built;
 * a bad value fails start-up with a {@link ConfigException} naming the setting.
 *
 * <p>Any other key is a Kafka client setting ({@code bootstrap.servers}, {@code security.protocol}, {@code sasl.*},
 * ...) given to the producer, the consumers and the admin client that know it; {@code producer.}, {@code consumer.}
 * and {@code admin.} prefixes address one kind of them. What the guarantees rest on is not overridable: the ingress
 * producer is transactional with {@code acks=all} under the ingress's own transactional id, the consumers read
 * {@code read_committed} and commit by hand.
 */
public final class BridgeConfig extends AbstractConfig {
    public static final String ROLES = "bridge.roles";
    public static final String INPUT_STREAM = "nats.input.stream";
    public static final String INPUT_STREAM_MAX_BYTES = "nats.input.stream.max.bytes";
    public static final String INPUT_STREAM_MAX_MESSAGES = "nats.input.stream.max.messages";
    public static final String INPUT_STREAM_MAX_AGE_MS = "nats.input.stream.max.age.ms";
    public static final String INPUT_STREAM_REPLICAS = "nats.input.stream.replicas";
    public static final String DIGEST_STREAM_ENABLED = "nats.digest.stream.enabled";
    public static final String DIGEST_STREAM = "nats.digest.stream";
    public static final String DIGEST_STREAM_MAX_BYTES = "nats.digest.stream.max.bytes";
    public static final String DIGEST_STREAM_MAX_AGE_MS = "nats.digest.stream.max.age.ms";
    public static final String DIGEST_STREAM_DUPLICATE_WINDOW_MS = "nats.digest.stream.duplicate.window.ms";
    public static final String DIGEST_STREAM_REPLICAS = "nats.digest.stream.replicas";
    public static final String INGRESS_MAX_MESSAGE_BYTES = "ingress.max.message.bytes";
    public static final String INGRESS_GROUP_ID = "ingress.group.id";
    public static final String INGRESS_INSTANCE_ID = "ingress.instance.id";
    public static final String INGRESS_SESSION_TIMEOUT_MS = "ingress.session.timeout.ms";
    public static final String INGRESS_TRANSACTIONAL_ID_PREFIX = "ingress.transactional.id.prefix";
    public static final String INGRESS_TRANSACTION_MAX_MESSAGES = "ingress.transaction.max.messages";
    public static final String INGRESS_TRANSACTION_MAX_BYTES = "ingress.transaction.max.bytes";
    public static final String INGRESS_TRANSACTION_MAX_MS = "ingress.transaction.max.ms";
    public static final String INGRESS_PURGE_EVERY_MESSAGES = "ingress.purge.every.messages";
    public static final String INGRESS_PURGE_INTERVAL_MS = "ingress.purge.interval.ms";
    public static final String EGRESS_GROUP_ID = "egress.group.id";
    public static final String EGRESS_PUBLISH_TIMEOUT_MS = "egress.publish.timeout.ms";
    public static final String RETRY_BACKOFF_MAX_MS = "retry.backoff.max.ms";
    public static final String SHUTDOWN_TIMEOUT_MS = "shutdown.timeout.ms";

    public static final String INGRESS = "ingress";
    public static final String EGRESS = "egress";

    /**
     * The producer's delivery timeout: shorter than Kafka's two minutes, so that a transaction whose records a broker
     * restart left stuck fails and is replayed from the committed position soon.
     */
    static final long DEFAULT_DELIVERY_TIMEOUT_MS = 30_000;
    private static final long DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
    private static final long DEFAULT_MAX_BLOCK_MS = 5_000;
    /**
     * How long the broker lets an ingress transaction stay open before it aborts it: a frozen ingress's open
     * transaction holds up read_committed readers of the input (the processor) at most this long, unless a new
     * ingress aborts it sooner by taking over.
     */
    static final long DEFAULT_TRANSACTION_TIMEOUT_MS = 10_000;

    public static final ConfigDef DEFINITION = NatsSettings.define(TopicSettings.define(new ConfigDef()))
        .define(ROLES, Type.LIST, List.of(INGRESS, EGRESS), ValidList.in(INGRESS, EGRESS), Importance.HIGH,
            "Which halves run: ingress (NATS to Kafka), egress (Kafka to NATS), or both.")
        .define(INPUT_STREAM, Type.STRING, "ALARM_DIGEST_INPUT", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
            "JetStream stream that captures the two input subjects (created or updated at start; if another "
                + "stream already captures exactly them, that one is used).")
        .define(INPUT_STREAM_MAX_BYTES, Type.LONG, 1024L * 1024 * 1024, Range.atLeast(-1), Importance.MEDIUM,
            "Most bytes the input stream keeps (-1: no limit). It keeps what the ingress has not copied yet: a "
                + "full stream refuses new messages (discard new) and plain publishers are not told; the ingress "
                + "logs it and exports the stream's fill.")
        .define(INPUT_STREAM_MAX_MESSAGES, Type.LONG, -1L, Range.atLeast(-1), Importance.MEDIUM,
            "Most messages the input stream keeps (-1: no limit).")
        .define(INPUT_STREAM_MAX_AGE_MS, Type.LONG, 0L, Range.atLeast(0), Importance.MEDIUM,
            "Oldest message the input stream keeps (0: no limit). A limit drops accepted messages that the ingress "
                + "has not copied in time (an outage longer than it): leave it at 0 unless you accept that.")
        .define(INPUT_STREAM_REPLICAS, Type.INT, 1, Range.between(1, 5), Importance.MEDIUM,
            "Replicas of the input stream in a NATS cluster; 3 in production, or a server with sync: always, so "
                + "that a host crash cannot lose what the stream acknowledged.")
        .define(DIGEST_STREAM_ENABLED, Type.BOOLEAN, true, Importance.MEDIUM,
            "Provision a JetStream stream on the digest subject; egress then publishes with acknowledgements and "
                + "the stream keeps one copy of each digest part (Nats-Msg-Id).")
        .define(DIGEST_STREAM, Type.STRING, "ALARM_DIGEST_OUTPUT", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
            "JetStream stream of the published digests.")
        .define(DIGEST_STREAM_MAX_BYTES, Type.LONG, 1024L * 1024 * 1024, Range.atLeast(-1), Importance.MEDIUM,
            "Most bytes the digest stream keeps (-1: no limit); the oldest go first.")
        .define(DIGEST_STREAM_MAX_AGE_MS, Type.LONG, Duration.ofDays(7).toMillis(), Range.atLeast(0), Importance.MEDIUM,
            "Oldest digest the digest stream keeps (0: no limit).")
        .define(DIGEST_STREAM_DUPLICATE_WINDOW_MS, Type.LONG, Duration.ofHours(1).toMillis(), Range.atLeast(1000), Importance.MEDIUM,
            "How long the digest stream remembers a Nats-Msg-Id; longer than the worst egress recovery, so that "
                + "a re-publication after a crash is dropped.")
        .define(DIGEST_STREAM_REPLICAS, Type.INT, 1, Range.between(1, 5), Importance.MEDIUM,
            "Replicas of the digest stream in a NATS cluster.")
        .define(INGRESS_MAX_MESSAGE_BYTES, Type.INT, 900 * 1024, Range.between(1024, 64 * 1024 * 1024),
            Importance.MEDIUM,
            "A larger NATS message goes to the dead-letter topic, cut to this size. Keep it under the producer's "
                + "max.request.size.")
        .define(INGRESS_GROUP_ID, Type.STRING, "", Importance.MEDIUM,
            "Kafka consumer group that elects the one active ingress of the input stream (the member owning the "
                + "position topic's partition); the others stand by. Empty: alarm-digest-ingress.<nats.input.stream>.")
        .define(INGRESS_INSTANCE_ID, Type.STRING, "", Importance.MEDIUM,
            "This ingress's static member id in that group: unique per instance and the same across its restarts, "
                + "so that a restarted ingress takes its place back at once. Empty: the host name.")
        .define(INGRESS_SESSION_TIMEOUT_MS, Type.LONG, 10_000L, Range.between(1000, Duration.ofMinutes(30).toMillis()), Importance.MEDIUM,
            "A standby ingress takes over this long after the active one stopped answering (the election group's "
                + "session timeout; the broker's group.min.session.timeout.ms must allow it).")
        .define(INGRESS_TRANSACTIONAL_ID_PREFIX, Type.STRING, "alarm-digest-ingress", new ConfigDef.NonEmptyString(),
            Importance.LOW,
            "The ingress producer's transactional id is <prefix>.<nats.input.stream>: every ingress of one stream "
                + "shares it, so that the one taking over fences a stale one, which then cannot write.")
        .define(INGRESS_TRANSACTION_MAX_MESSAGES, Type.INT, 5_000, Range.between(1, 1_000_000), Importance.LOW,
            "Most messages in one ingress transaction: it is committed once it has been open for "
                + "ingress.transaction.max.ms, or sooner when it reaches this count or the byte limit.")
        .define(INGRESS_TRANSACTION_MAX_BYTES, Type.INT, 4 * 1024 * 1024, Range.between(1024, 256 * 1024 * 1024),
            Importance.LOW,
            "Most payload bytes in one ingress transaction (see " + INGRESS_TRANSACTION_MAX_MESSAGES + ").")
        .define(INGRESS_TRANSACTION_MAX_MS, Type.LONG, 25L, Range.between(1, 60_000), Importance.LOW,
            "How long an ingress transaction gathers messages before it is committed (sooner at its count or "
                + "byte limit): a request waits for its commit before the processor can read it, and fewer, larger "
                + "transactions cost the broker less. At most half the producer's transaction.timeout.ms.")
        .define(INGRESS_PURGE_EVERY_MESSAGES, Type.LONG, 10_000L, Range.atLeast(1), Importance.LOW,
            "The input stream is purged below the committed position once this many messages were committed since "
                + "the last purge (each purge is one JetStream request).")
        .define(INGRESS_PURGE_INTERVAL_MS, Type.LONG, 10_000L, Range.atLeast(100), Importance.LOW,
            "... or once this long has passed since the last purge, when anything new was committed.")
        .define(EGRESS_GROUP_ID, Type.STRING, "alarm-digest-egress", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
            "Kafka consumer group of the egress instances.")
        .define(EGRESS_PUBLISH_TIMEOUT_MS, Type.LONG, 5000L, Range.atLeast(100), Importance.LOW,
            "How long egress waits for NATS to confirm a publication before it retries.")
        .define(RETRY_BACKOFF_MAX_MS, Type.LONG, 30_000L, Range.atLeast(100), Importance.LOW,
            "Longest wait between two retries of a failed NATS or Kafka operation (exponential, from 100 ms).")
        .define(SHUTDOWN_TIMEOUT_MS, Type.LONG, 30_000L, Range.atLeast(0), Importance.LOW,
            "How long a graceful stop may take: in-flight messages are finished, acknowledged or committed.");

    /** The settings of the Kafka clients (producer, consumer, admin) the bridges pass settings on to. */
    public static final Set<String> KAFKA_CLIENT_SETTINGS = kafkaClientSettings();

    private final TopicSettings topics;
    private final NatsSettings nats;
    private final Map<String, Object> kafkaSettings;

    public BridgeConfig(Map<?, ?> settings) {
        super(DEFINITION, settings, false);
        this.topics = TopicSettings.from(this);
        this.nats = NatsSettings.from(this);
        this.kafkaSettings = PassThrough.notDefinedIn(DEFINITION, KAFKA_CLIENT_SETTINGS, settings);
        validateTogether();
    }

    private void validateTogether() {
        if (!kafkaSettings.containsKey(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new ConfigException("Missing required configuration \"" + CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG
                + "\" which has no default value.");
        }
        if (getList(ROLES).isEmpty()) {
            throw new ConfigException(ROLES, getList(ROLES), "must name ingress, egress or both");
        }
        int maxRequestSize = Integer.parseInt(String.valueOf(producerProperties()
            .getOrDefault(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, RecordLimits.DEFAULT_MAX_REQUEST_SIZE)));
        if (ingressMaxMessageBytes() > RecordLimits.largestValue(maxRequestSize)) {
            throw new ConfigException(INGRESS_MAX_MESSAGE_BYTES, ingressMaxMessageBytes(), "must leave "
                + RecordLimits.OVERHEAD_BYTES + " bytes under the producer's max.request.size (" + maxRequestSize
                + ")");
        }
        long transactionTimeout = Long.parseLong(String.valueOf(
            producerProperties().get(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG)));
        if (ingressTransactionMaxMs() * 2 > transactionTimeout) {
            throw new ConfigException(INGRESS_TRANSACTION_MAX_MS, ingressTransactionMaxMs(), "must be at most half "
                + "the producer's transaction.timeout.ms (" + transactionTimeout + "), or the broker could abort "
                + "transactions the ingress is about to commit");
        }
    }

    private static Set<String> kafkaClientSettings() {
        Set<String> names = new HashSet<>(ProducerConfig.configNames());
        names.addAll(ConsumerConfig.configNames());
        names.addAll(AdminClientConfig.configNames());
        return Set.copyOf(names);
    }

    public TopicSettings topics() {
        return topics;
    }

    public boolean runsIngress() {
        return getList(ROLES).contains(INGRESS);
    }

    public boolean runsEgress() {
        return getList(ROLES).contains(EGRESS);
    }

    public NatsSettings nats() {
        return nats;
    }

    public String statusSubject() {
        return nats.statusSubject();
    }

    public String requestSubject() {
        return nats.requestSubject();
    }

    public String digestSubject() {
        return nats.digestSubject();
    }

    public String inputStream() {
        return getString(INPUT_STREAM);
    }

    public long inputStreamMaxBytes() {
        return getLong(INPUT_STREAM_MAX_BYTES);
    }

    public long inputStreamMaxMessages() {
        return getLong(INPUT_STREAM_MAX_MESSAGES);
    }

    public Duration inputStreamMaxAge() {
        return Duration.ofMillis(getLong(INPUT_STREAM_MAX_AGE_MS));
    }

    public int inputStreamReplicas() {
        return getInt(INPUT_STREAM_REPLICAS);
    }

    public boolean digestStreamEnabled() {
        return getBoolean(DIGEST_STREAM_ENABLED);
    }

    public String digestStream() {
        return getString(DIGEST_STREAM);
    }

    public long digestStreamMaxBytes() {
        return getLong(DIGEST_STREAM_MAX_BYTES);
    }

    public Duration digestStreamMaxAge() {
        return Duration.ofMillis(getLong(DIGEST_STREAM_MAX_AGE_MS));
    }

    public Duration digestStreamDuplicateWindow() {
        return Duration.ofMillis(getLong(DIGEST_STREAM_DUPLICATE_WINDOW_MS));
    }

    public int digestStreamReplicas() {
        return getInt(DIGEST_STREAM_REPLICAS);
    }

    public int ingressMaxMessageBytes() {
        return getInt(INGRESS_MAX_MESSAGE_BYTES);
    }

    /** The election group of this input stream's ingresses. */
    public String ingressGroupId() {
        String configured = getString(INGRESS_GROUP_ID);
        return configured.isBlank() ? "alarm-digest-ingress." + inputStream() : configured;
    }

    /** This ingress's static member id in the election group. */
    public String ingressInstanceId() {
        String configured = getString(INGRESS_INSTANCE_ID);
        return configured.isBlank() ? HostName.get() : configured;
    }

    public Duration ingressSessionTimeout() {
        return Duration.ofMillis(getLong(INGRESS_SESSION_TIMEOUT_MS));
    }

    /** Shared by every ingress of the input stream: the one that initialises it fences the others. */
    public String ingressTransactionalId() {
        return getString(INGRESS_TRANSACTIONAL_ID_PREFIX) + "." + inputStream();
    }

    public int ingressTransactionMaxMessages() {
        return getInt(INGRESS_TRANSACTION_MAX_MESSAGES);
    }

    public int ingressTransactionMaxBytes() {
        return getInt(INGRESS_TRANSACTION_MAX_BYTES);
    }

    public long ingressTransactionMaxMs() {
        return getLong(INGRESS_TRANSACTION_MAX_MS);
    }

    public long ingressPurgeEveryMessages() {
        return getLong(INGRESS_PURGE_EVERY_MESSAGES);
    }

    public Duration ingressPurgeInterval() {
        return Duration.ofMillis(getLong(INGRESS_PURGE_INTERVAL_MS));
    }

    public String egressGroupId() {
        return getString(EGRESS_GROUP_ID);
    }

    public Duration egressPublishTimeout() {
        return Duration.ofMillis(getLong(EGRESS_PUBLISH_TIMEOUT_MS));
    }

    public Duration retryBackoffMax() {
        return Duration.ofMillis(getLong(RETRY_BACKOFF_MAX_MS));
    }

    public Duration shutdownTimeout() {
        return Duration.ofMillis(getLong(SHUTDOWN_TIMEOUT_MS));
    }

    /** The ingress producer: the passed-through settings, then what the guarantees need. */
    public Properties producerProperties() {
        Properties props = clientProperties(ProducerConfig.configNames(), "producer.");
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "alarm-digest-ingress");
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        props.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(DEFAULT_DELIVERY_TIMEOUT_MS));
        props.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(DEFAULT_REQUEST_TIMEOUT_MS));
        // While Kafka is away, send(), initTransactions() and commitTransaction() give up after this long, and the
        // ingress starts again from the committed position; Kafka's default (a minute) would hold it far longer.
        props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(DEFAULT_MAX_BLOCK_MS));
        props.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Long.toString(DEFAULT_TRANSACTION_TIMEOUT_MS));
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, ingressTransactionalId());
        return props;
    }

    /**
     * The consumer that keeps this ingress in the election group: static membership under
     * {@link #ingressInstanceId()}, the session timeout of {@link #INGRESS_SESSION_TIMEOUT_MS}, and a sticky
     * cooperative assignment, so that a standby joining does not move the lock away from the active ingress.
     */
    public Properties electionConsumerProperties() {
        Properties props = clientProperties(ConsumerConfig.configNames(), "consumer.");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "alarm-digest-ingress-election");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, ingressGroupId());
        props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, ingressInstanceId());
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Long.toString(ingressSessionTimeout().toMillis()));
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Long.toString(ingressSessionTimeout().toMillis() / 4));
        props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, GroupProtocol.CLASSIC.name().toLowerCase(Locale.ROOT));
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        return props;
    }

    /** The consumer that reads the committed position back: no group, read_committed. */
    public Properties positionConsumerProperties() {
        Properties props = clientProperties(ConsumerConfig.configNames(), "consumer.");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "alarm-digest-ingress-position");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return props;
    }

    /** The egress consumer: the passed-through settings, then what the guarantees need. */
    public Properties consumerProperties() {
        Properties props = clientProperties(ConsumerConfig.configNames(), "consumer.");
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "alarm-digest-egress");
        props.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, egressGroupId());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return props;
    }

    /**
     * A reader of the dead-letter topic ({@code dlq list}, {@code dlq replay}): the passed-through consumer settings,
     * committed records only, offsets committed by hand under {@code groupId} (none: {@code null}).
     */
    public Properties deadLetterConsumerProperties(String groupId) {
        Properties props = clientProperties(ConsumerConfig.configNames(), "consumer.");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "alarm-digest-dlq");
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        if (groupId == null) {
            props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        } else {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // Asking for a missing topic must not create it with the broker's defaults.
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        return props;
    }

    public Properties adminProperties() {
        return clientProperties(AdminClientConfig.configNames(), "admin.");
    }

    private Properties clientProperties(Set<String> known, String prefix) {
        Properties props = new Properties();
        kafkaSettings.forEach((key, value) -> {
            if (known.contains(key)) {
                props.put(key, value);
            }
        });
        kafkaSettings.forEach((key, value) -> {
            if (key.startsWith(prefix)) {
                props.put(key.substring(prefix.length()), value);
            }
        });
        return props;
    }
}
