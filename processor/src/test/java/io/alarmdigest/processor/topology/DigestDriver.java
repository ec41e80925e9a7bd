package io.alarmdigest.processor.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alarmdigest.model.HeaderNames;
import io.alarmdigest.model.MessageType;
import io.alarmdigest.processor.config.ProcessorConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The production topology under {@link TopologyTestDriver}, with the contract's messages as test vocabulary. Events
 * and requests go to the one input topic in the order they are piped, each with its {@code message-type} header, as
 * the ingress writes them. Record time (the NATS stored time, i.e. stream time) is driven explicitly: every input
 * advances it by {@link #STEP_MS} unless a time is given.
 */
public final class DigestDriver implements AutoCloseable {
    public static final long STEP_MS = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path stateDir;
    private final TopologyTestDriver driver;
    private final ProcessorConfig config;
    private final TestInputTopic<String, byte[]> input;
    private final TestOutputTopic<String, byte[]> digests;
    private final TestOutputTopic<String, byte[]> deadLetters;
    private long nowMs = Instant.parse("2021-06-07T20:00:00Z").toEpochMilli();
    private long nextSeq = 1;

    public DigestDriver() {
        this(Map.of());
    }

    public DigestDriver(Map<String, ?> settings) {
        this.stateDir = createStateDir();
        Map<String, Object> all = new HashMap<>();
        all.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        all.put(StreamsConfig.APPLICATION_ID_CONFIG, "alarm-digest-test");
        all.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        all.putAll(settings);
        this.config = new ProcessorConfig(all);
        this.driver = new TopologyTestDriver(DigestTopology.build(config), config.streamsProperties());
        this.input = driver.createInputTopic(config.inputTopic(), new StringSerializer(), new ByteArraySerializer());
        this.digests = driver.createOutputTopic(config.digestTopic(), new StringDeserializer(), new ByteArrayDeserializer());
        this.deadLetters = driver.createOutputTopic(config.deadLetterTopic(), new StringDeserializer(),
            new ByteArrayDeserializer());
    }

    public TopologyTestDriver driver() {
        return driver;
    }

    public ProcessorConfig config() {
        return config;
    }

    public long nowMs() {
        return nowMs;
    }

    /** Sets record time; it may go backwards, like a late record. */
    public DigestDriver at(long timestampMs) {
        nowMs = timestampMs;
        return this;
    }

    public DigestDriver advance(long ms) {
        nowMs += ms;
        return this;
    }

    /** Pipes an {@code AlarmStatusChanged} built from its four fields, keyed by the user. */
    public DigestDriver event(String user, String alarm, String status, String changedAt) {
        return eventJson(user, "{\"AlarmID\":" + quote(alarm) + ",\"UserID\":" + quote(user) + ",\"Status\":"
            + quote(status) + ",\"ChangedAt\":" + quote(changedAt) + "}");
    }

    public DigestDriver eventJson(String key, String json) {
        return eventBytes(key, json.getBytes(StandardCharsets.UTF_8));
    }

    public DigestDriver eventBytes(String key, byte[] payload) {
        return pipe(key, payload, typed(MessageType.ALARM_STATUS_CHANGED, new RecordHeaders()));
    }

    /** A request with a fresh NATS identity; returns the stream sequence it was given. */
    public long request(String user) {
        long seq = nextSeq++;
        requestWithIdentity(user, seq);
        return seq;
    }

    /** A request with the NATS identity of stream {@code ALARMS}, created at a fixed time, sequence {@code seq}. */
    public DigestDriver requestWithIdentity(String user, long seq) {
        Headers headers = new RecordHeaders()
            .add(RequestIdentity.STREAM_HEADER, bytes("ALARMS"))
            .add(RequestIdentity.STREAM_CREATED_HEADER, bytes("2021-06-01T00:00:00.5Z"))
            .add(RequestIdentity.STREAM_SEQ_HEADER, bytes(Long.toString(seq)));
        return requestRaw(user, bytes("{\"UserID\":" + quote(user) + "}"), headers);
    }

    /** A request record with exactly {@code headers} besides its {@code message-type}. */
    public DigestDriver requestRaw(String key, byte[] payload, Headers headers) {
        return pipe(key, payload, typed(MessageType.SEND_ALARM_DIGEST, headers));
    }

    /** An input record with exactly {@code headers}: no {@code message-type} unless they hold one. */
    public DigestDriver inputRaw(String key, byte[] payload, Headers headers) {
        return pipe(key, payload, headers);
    }

    private DigestDriver pipe(String key, byte[] payload, Headers headers) {
        nowMs += STEP_MS;
        input.pipeInput(new TestRecord<>(key, payload, headers, nowMs));
        return this;
    }

    private static Headers typed(MessageType type, Headers headers) {
        Headers all = new RecordHeaders(headers.toArray());
        all.add(HeaderNames.MESSAGE_TYPE, bytes(type.headerValue()));
        return all;
    }

    /** Every digest part written since the last call, in order. */
    public List<Part> readParts() {
        List<Part> parts = new ArrayList<>();
        for (TestRecord<String, byte[]> record : digests.readRecordsToList()) {
            parts.add(new Part(record.key(), header(record.headers(), "digest-id"),
                Integer.parseInt(header(record.headers(), "digest-part")),
                Integer.parseInt(header(record.headers(), "digest-parts")), record.value(), record.timestamp()));
        }
        return parts;
    }

    /** The one unsplit digest written since the last call; fails if there is not exactly one part. */
    public Part readOnlyDigest() {
        List<Part> parts = readParts();
        if (parts.size() != 1) {
            throw new AssertionError("expected exactly one digest part, got " + parts.size() + ": " + parts);
        }
        return parts.get(0);
    }

    /** Requests a digest for {@code user} and returns its alarms as "AlarmID=STATUS@LatestChangedAt". */
    public List<String> digestOf(String user) {
        request(user);
        return readOnlyDigest().alarms();
    }

    public List<TestRecord<String, byte[]>> readDeadLetters() {
        return deadLetters.readRecordsToList();
    }

    public boolean noMoreDigests() {
        return digests.isEmpty();
    }

    @Override
    public void close() {
        driver.close();
        try (Stream<Path> paths = Files.walk(stateDir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Under the driver every input record is a commit that syncs the stores' RocksDB files: about 8 ms a record on
     * disk, 1.5 ms on a tmpfs. Where the state lives changes no result, so it goes to a tmpfs where there is one.
     */
    private static Path createStateDir() {
        Path tmpfs = Path.of("/dev/shm");
        try {
            return Files.isDirectory(tmpfs) && Files.isWritable(tmpfs)
                ? Files.createTempDirectory(tmpfs, "digest-driver-")
                : Files.createTempDirectory("digest-driver-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String quote(String value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    static String header(Headers headers, String key) {
        Header header = headers.lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** One record of {@code alarm-digest}. */
    public record Part(String key, String digestId, int part, int parts, byte[] value, long timestamp) {
        public JsonNode json() {
            try {
                return JSON.readTree(value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public String userId() {
            return json().get("UserID").asText();
        }

        /** The listed alarms as "AlarmID=STATUS@LatestChangedAt", in digest order. */
        public List<String> alarms() {
            List<String> alarms = new ArrayList<>();
            for (JsonNode alarm : json().get("ActiveAlarms")) {
                alarms.add(alarm.get("AlarmID").asText() + "=" + alarm.get("Status").asText() + "@"
                    + alarm.get("LatestChangedAt").asText());
            }
            return alarms;
        }

        public String text() {
            return new String(value, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "Part{" + digestId + " " + part + "/" + parts + " " + text() + "}";
        }
    }
}
