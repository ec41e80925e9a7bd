package io.alarmdigest.bridge;

import io.alarmdigest.model.Rfc3339;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Provisions the JetStream side: the input stream that persists every core {@code nats pub} on the two input
 * subjects even while no bridge runs, its shared durable pull consumer, and the digest stream.
 */
final class NatsStreams {
    private static final Logger LOG = LoggerFactory.getLogger(NatsStreams.class);
    /** JetStream's error code for "stream not found". */
    private static final int STREAM_NOT_FOUND = 10059;

    private NatsStreams() {
    }

    /**
     * The input stream and consumer the ingress reads.
     *
     * @param created the stream's creation time, RFC3339Nano UTC: with the stream sequence, a request's identity
     */
    record Input(String stream, String consumer, String created) {
    }

    /**
     * Creates the input stream, or updates it when its limits changed; if another stream already captures exactly
     * the two input subjects, binds to that one instead. Then creates or updates the durable consumer: explicit
     * acks, never giving up on a message, AckWait and max ack pending from the settings.
     *
     * @throws IllegalStateException when the subjects are captured in a way the bridge cannot consume safely
     */
    static Input provisionInput(JetStreamManagement jsm, BridgeConfig config) throws IOException, JetStreamApiException {
        List<String> subjects = List.of(config.statusSubject(), config.requestSubject());
        String stream = config.inputStream();
        StreamInfo info = find(jsm, stream);
        if (info == null) {
            String existing = capturingStream(jsm, subjects);
            if (existing != null) {
                info = jsm.getStreamInfo(existing);
                Set<String> captured = new HashSet<>(info.getConfiguration().getSubjects());
                if (!captured.equals(new HashSet<>(subjects))) {
                    throw new IllegalStateException("JetStream stream " + existing + " captures " + captured
                        + ", not exactly " + subjects + ": the ingress would consume (and remove) other messages. "
                        + "Give the input subjects a stream of their own, or set " + BridgeConfig.INPUT_STREAM + "="
                        + existing + " after changing its subjects.");
                }
                requireSafeInput(info);
                stream = existing;
                LOG.info("Using JetStream stream {}, which already captures {}", stream, subjects);
            } else {
                info = jsm.addStream(inputStreamConfig(config, subjects));
                LOG.info("Created JetStream stream {} on {} (file storage, work-queue retention)", stream, subjects);
            }
        } else {
            requireSafeInput(info);
            StreamConfiguration wanted = inputStreamConfig(config, subjects);
            if (differs(info.getConfiguration(), wanted)) {
                info = jsm.updateStream(wanted);
                LOG.info("Updated JetStream stream {} to the configured subjects and limits", stream);
            }
        }
        jsm.addOrUpdateConsumer(stream, ConsumerConfiguration.builder()
            .durable(config.inputConsumer())
            .ackPolicy(AckPolicy.Explicit)
            .ackWait(config.ingressAckWait())
            .deliverPolicy(DeliverPolicy.All)
            .maxDeliver(-1)
            .maxAckPending(config.ingressMaxInFlight())
            .build());
        return new Input(stream, config.inputConsumer(), Rfc3339.format(info.getCreateTime().toInstant()));
    }

    /** Creates or updates the digest stream: limits retention, a duplicate window that drops re-publications. */
    static void provisionDigestStream(JetStreamManagement jsm, BridgeConfig config)
        throws IOException, JetStreamApiException {
        StreamConfiguration wanted = StreamConfiguration.builder()
            .name(config.digestStream())
            .subjects(config.digestSubject())
            .storageType(StorageType.File)
            .retentionPolicy(RetentionPolicy.Limits)
            .discardPolicy(DiscardPolicy.Old)
            .maxBytes(config.digestStreamMaxBytes())
            .maxAge(config.digestStreamMaxAge())
            .duplicateWindow(config.digestStreamDuplicateWindow())
            .replicas(config.digestStreamReplicas())
            .build();
        StreamInfo info = find(jsm, config.digestStream());
        if (info == null) {
            jsm.addStream(wanted);
            LOG.info("Created JetStream stream {} on {} (duplicate window {})", config.digestStream(),
                config.digestSubject(), config.digestStreamDuplicateWindow());
        } else if (differs(info.getConfiguration(), wanted)) {
            jsm.updateStream(wanted);
            LOG.info("Updated JetStream stream {} to the configured limits", config.digestStream());
        }
    }

    /**
     * An input stream must keep what it stored until the ingress took it (file storage) and must not hand the
     * ingress old history (work-queue or interest retention: acknowledged messages go); anything else could lose
     * accepted events or replay old requests as new ones.
     */
    private static void requireSafeInput(StreamInfo info) {
        StreamConfiguration actual = info.getConfiguration();
        boolean retention = actual.getRetentionPolicy() == RetentionPolicy.WorkQueue
            || actual.getRetentionPolicy() == RetentionPolicy.Interest;
        if (actual.getStorageType() != StorageType.File || !retention) {
            throw new IllegalStateException("JetStream stream " + actual.getName() + " has " + actual.getStorageType()
                + " storage and " + actual.getRetentionPolicy() + " retention; the ingress needs file storage and "
                + "work-queue (or interest) retention, so that no accepted message is lost or read twice. Retention "
                + "and storage cannot be changed on a stream: re-create it, or point " + BridgeConfig.INPUT_STREAM
                + " at another name.");
        }
    }

    private static StreamConfiguration inputStreamConfig(BridgeConfig config, List<String> subjects) {
        return StreamConfiguration.builder()
            .name(config.inputStream())
            .subjects(subjects)
            .storageType(StorageType.File)
            .retentionPolicy(RetentionPolicy.WorkQueue)
            // A full stream refuses new messages rather than dropping unread old ones.
            .discardPolicy(DiscardPolicy.New)
            .maxBytes(config.inputStreamMaxBytes())
            .maxMessages(config.inputStreamMaxMessages())
            .maxAge(config.inputStreamMaxAge())
            .replicas(config.inputStreamReplicas())
            .build();
    }

    private static boolean differs(StreamConfiguration actual, StreamConfiguration wanted) {
        Duration window = wanted.getDuplicateWindow();
        return !new HashSet<>(actual.getSubjects()).equals(new HashSet<>(wanted.getSubjects()))
            || actual.getMaxBytes() != wanted.getMaxBytes()
            || actual.getMaxMsgs() != wanted.getMaxMsgs()
            || !Objects.equals(actual.getMaxAge(), wanted.getMaxAge())
            // The input stream leaves the duplicate window to the server's default (two minutes): compare it only
            // where it is configured.
            || window != null && !window.isZero() && !window.equals(actual.getDuplicateWindow())
            || actual.getReplicas() != wanted.getReplicas();
    }

    static StreamInfo find(JetStreamManagement jsm, String stream) throws IOException, JetStreamApiException {
        try {
            return jsm.getStreamInfo(stream);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    /** The one stream capturing all {@code subjects}, or {@code null}; fails if they are split over streams. */
    private static String capturingStream(JetStreamManagement jsm, List<String> subjects)
        throws IOException, JetStreamApiException {
        Set<String> streams = new HashSet<>();
        boolean uncaptured = false;
        for (String subject : subjects) {
            List<String> names = jsm.getStreamNames(subject);
            streams.addAll(names);
            uncaptured |= names.isEmpty();
        }
        if (streams.isEmpty()) {
            return null;
        }
        if (streams.size() > 1 || uncaptured) {
            throw new IllegalStateException("The input subjects " + subjects + " are captured by " + streams
                + " and not all by one stream; the ingress needs one stream capturing both. Remove the subjects "
                + "from those streams or set " + BridgeConfig.INPUT_STREAM + " to a stream capturing both.");
        }
        return streams.iterator().next();
    }
}
