package io.alarmdigest.processor.query;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alarmdigest.model.Json;
import io.alarmdigest.processor.state.UserAlarms;
import io.alarmdigest.processor.topology.DigestTopology;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.LagInfo;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Interactive queries of one user's alarms, answered by any processor instance. Kafka Streams' metadata names the
 * instance that owns the user's partition (each instance advertises its HTTP endpoint as {@code application.server});
 * the question is forwarded there over HTTP. While the owner does not answer, the instances that keep a standby copy
 * of the partition are asked ({@code num.standby.replicas}); their answer says it may be stale and by how many
 * changelog records (KIP-535's lag). A forwarded question is answered from what the instance holds, never forwarded
 * again.
 *
 * <p>Under exactly-once processing a query reads the store as the stream thread writes it: it can see the effect of
 * a transaction that is not committed yet (and would be redone after a crash).
 */
public final class UserQueries {
    private static final Logger LOG = LoggerFactory.getLogger(UserQueries.class);
    private static final Serializer<String> USER_KEYS = Serdes.String().serializer();
    /** The query parameter that marks a forwarded question. */
    public static final String FORWARDED = "forwarded";

    /** What a question asks. */
    public enum Kind {
        PENDING("pending"), ALARMS("alarms");

        private final String path;

        Kind(String path) {
            this.path = path;
        }

        public String path() {
            return path;
        }

        /** The kind a path segment names, or {@code null}. */
        public static Kind ofPath(String segment) {
            for (Kind kind : values()) {
                if (kind.path.equals(segment)) {
                    return kind;
                }
            }
            return null;
        }
    }

    /** An HTTP status and a JSON body. */
    public record Answer(int status, String body) {
        public static Answer error(int status, String message) {
            return new Answer(status, Json.MAPPER.createObjectNode().put("Error", message).toString());
        }
    }

    private final KafkaStreams streams;
    private final HostInfo self;
    private final long retentionMs;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param self this instance's {@code application.server}, or {@code null} when it has none (then only a question
     *     about a partition it holds is answered)
     */
    public UserQueries(KafkaStreams streams, HostInfo self, long retentionMs, Duration timeout) {
        this.streams = streams;
        this.self = self;
        this.retentionMs = retentionMs;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** Answers {@code kind} for {@code userId}; {@code forwarded}: asked by another instance, answer from here. */
    public Answer answer(Kind kind, String userId, boolean forwarded) {
        KeyQueryMetadata owner;
        try {
            owner = streams.queryMetadataForKey(DigestTopology.ALARM_STORE, userId, USER_KEYS);
        } catch (IllegalStateException notRunning) { // StreamsNotStartedException is one
            return Answer.error(503, "the processor is " + streams.state() + ", not answering queries");
        }
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            return Answer.error(503, "no instance owns the user's partition yet (the processor is starting or "
                + "rebalancing, state " + streams.state() + "); ask again");
        }
        int partition = owner.partition();
        if (forwarded || self == null) {
            return local(kind, userId, partition);
        }
        List<HostInfo> hosts = new ArrayList<>();
        hosts.add(owner.activeHost());
        hosts.addAll(owner.standbyHosts());
        List<String> failures = new ArrayList<>();
        for (HostInfo host : hosts) {
            Answer answer = host.equals(self) ? local(kind, userId, partition) : forward(host, kind, userId);
            if (answer.status() == 200) {
                return answer;
            }
            failures.add(endpoint(host) + ": " + answer.status() + " " + answer.body());
        }
        return Answer.error(503, "no instance holding partition " + partition + " answered: "
            + String.join("; ", failures));
    }

    /** From this instance's copy of {@code partition}: the active one, or else a standby's, marked stale. */
    private Answer local(Kind kind, String userId, int partition) {
        // The store handle finds the partition's copy only when it is read: a missing one fails the read.
        ObjectNode view;
        boolean stale = false;
        try {
            view = read(kind, userId, streams.store(parameters(partition)));
        } catch (InvalidStateStoreException notActive) {
            try {
                view = read(kind, userId, streams.store(parameters(partition).enableStaleStores()));
                stale = true;
            } catch (InvalidStateStoreException notHeld) {
                return Answer.error(503, "partition " + partition + " is not held by " + endpoint(self) + " ("
                    + notHeld.getMessage() + ")");
            }
        }
        ObjectNode source = view.putObject("AnsweredBy")
            .put("Instance", endpoint(self))
            .put("Partition", partition)
            .put("Stale", stale);
        if (stale) {
            LagInfo lag = lagOf(partition);
            if (lag == null) {
                source.putNull("OffsetLag");
            } else {
                source.put("OffsetLag", lag.offsetLag());
            }
        }
        return new Answer(200, view.toString());
    }

    private ObjectNode read(Kind kind, String userId, ReadOnlyKeyValueStore<Bytes, byte[]> store) {
        return kind == Kind.PENDING
            ? AlarmViews.pending(userId, UserAlarms.pending(store, userId))
            : AlarmViews.alarms(userId, UserAlarms.read(store, userId, state -> true), retentionMs);
    }

    private static StoreQueryParameters<ReadOnlyKeyValueStore<Bytes, byte[]>> parameters(int partition) {
        return StoreQueryParameters.fromNameAndType(DigestTopology.ALARM_STORE,
            QueryableStoreTypes.<Bytes, byte[]>keyValueStore()).withPartition(partition);
    }

    /** How far this instance's copy of {@code partition} is behind its changelog, or {@code null} if unknown. */
    private LagInfo lagOf(int partition) {
        try {
            Map<Integer, LagInfo> lags = streams.allLocalStorePartitionLags().get(DigestTopology.ALARM_STORE);
            return lags == null ? null : lags.get(partition);
        } catch (RuntimeException e) {
            LOG.debug("No lag for partition {}: {}", partition, e.toString());
            return null;
        }
    }

    private Answer forward(HostInfo host, Kind kind, String userId) {
        URI uri = URI.create("http://" + endpoint(host) + path(userId, kind) + "?" + FORWARDED + "=true");
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
            LOG.debug("{} did not answer: {}", uri, e.toString());
            return Answer.error(503, "did not answer (" + e + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Answer.error(503, "interrupted");
        }
    }

    /** The path of a question: {@code /users/<UserID, percent-encoded as one path segment>/<kind>}. */
    public static String path(String userId, Kind kind) {
        return "/users/" + URLEncoder.encode(userId, StandardCharsets.UTF_8).replace("+", "%20") + "/" + kind.path();
    }

    private static String endpoint(HostInfo host) {
        return host == null ? "this instance" : host.host() + ":" + host.port();
    }
}
