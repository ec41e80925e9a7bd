package io.alarmdigest.bridge;

import io.alarmdigest.model.Rfc3339;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
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
 * subjects even while no bridge runs, and the digest stream.
 */
final class NatsStreams {
    private static final Logger LOG = LoggerFactory.getLogger(NatsStreams.class);
    /** JetStream's error code for "stream not found". */
    static final int STREAM_NOT_FOUND = 10059;

    private NatsStreams() {
    }

    /**
     * The input stream the ingress copies.
     *
     * @param created the stream's creation time, RFC3339Nano UTC: with the stream sequence, a request's identity,
     *     and what tells a re-created stream (sequences from 1 again) from the one a position was committed for
     */
    record Input(String stream, String created) {
    }

    /**
     * Creates the input stream, or updates it when its limits changed; if another stream already captures exactly
     * the two input subjects, binds to that one instead. The stream keeps every message until the ingress purges
     * it below a committed position: limits retention, file storage, discard new (a full stream refuses messages
     * instead of dropping accepted ones), no age limit unless one is configured.
     *
     * @throws IllegalStateException when the subjects are captured in a way the ingress cannot copy safely, naming
     *     what to do
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
                        + ", not exactly " + subjects + ": the ingress would copy (and purge) other messages. "
                        + "Give the input subjects a stream of their own, or set " + BridgeConfig.INPUT_STREAM + "="
                        + existing + " after changing its subjects.");
                }
                requireSafeInput(info);
                stream = existing;
                LOG.info("Using JetStream stream {}, which already captures {}", stream, subjects);
            } else {
                info = jsm.addStream(inputStreamConfig(config, stream, subjects));
                LOG.info("Created JetStream stream {} on {} (file storage, limits retention, discard new)", stream,
                    subjects);
            }
        } else {
            requireSafeInput(info);
            StreamConfiguration wanted = inputStreamConfig(config, stream, subjects);
            if (differs(info.getConfiguration(), wanted)) {
                info = jsm.updateStream(wanted);
                LOG.info("Updated JetStream stream {} to the configured subjects and limits", stream);
            }
        }
        if (info.getConfiguration().getDiscardPolicy() != DiscardPolicy.New) {
            LOG.warn("JetStream stream {} drops its oldest messages when full, copied or not: a long ingress outage "
                + "loses accepted events; give it discard: new", stream);
        }
        if (!info.getConfiguration().getMaxAge().isZero()) {
            LOG.warn("JetStream stream {} drops messages older than {}, copied or not: an ingress outage longer than "
                + "that loses accepted events", stream, info.getConfiguration().getMaxAge());
        }
        return new Input(stream, Rfc3339.format(info.getCreateTime().toInstant()));
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
     * The ingress copies the input stream by sequence and purges it only below what Kafka committed, so the stream
     * must keep what it stored until then: file storage and limits retention. A work-queue or interest stream
     * deletes what a consumer acknowledged, which this ingress never does; one of those is what an older version of
     * the service created, and retention cannot be changed on a stream.
     */
    private static void requireSafeInput(StreamInfo info) {
        StreamConfiguration actual = info.getConfiguration();
        String stream = actual.getName();
        if (actual.getRetentionPolicy() != RetentionPolicy.Limits) {
            String retention = actual.getRetentionPolicy() == RetentionPolicy.WorkQueue ? "work-queue" : "interest";
            throw new IllegalStateException("JetStream stream " + stream + " has " + retention
                + " retention; the ingress copies the input stream by sequence and needs limits retention (it purges "
                + "the stream itself once Kafka has committed what it copied). A work-queue stream is what an older "
                + "version of alarm-digest created; retention cannot be changed on a stream. To move over without "
                + "losing anything: run that older version until the stream is empty (nats stream info " + stream
                + " shows 0 messages), stop it, delete the stream (nats stream rm " + stream + "), then start this "
                + "version, which creates it anew. Or point " + BridgeConfig.INPUT_STREAM + " at another name.");
        }
        if (actual.getStorageType() != StorageType.File) {
            throw new IllegalStateException("JetStream stream " + stream + " has " + actual.getStorageType()
                + " storage; the ingress needs file storage, so that a NATS restart keeps what the stream accepted. "
                + "Storage cannot be changed on a stream: re-create it with file storage, or point "
                + BridgeConfig.INPUT_STREAM + " at another name.");
        }
    }

    private static StreamConfiguration inputStreamConfig(BridgeConfig config, String stream, List<String> subjects) {
        return StreamConfiguration.builder()
            .name(stream)
            .subjects(subjects)
            .storageType(StorageType.File)
            .retentionPolicy(RetentionPolicy.Limits)
            // A full stream refuses new messages rather than dropping accepted ones not yet copied.
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
            || actual.getDiscardPolicy() != wanted.getDiscardPolicy()
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
