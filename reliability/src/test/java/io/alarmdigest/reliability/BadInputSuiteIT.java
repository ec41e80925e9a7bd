package io.alarmdigest.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alarmdigest.testing.JavaProcess;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Contract rule 9 against the assembled service ({@code standalone} as a child process, a real nats-server), through
 * NATS in and the dead-letter topic out: bad input is dead-lettered with its reason and source, good input is not and
 * is processed right (the {@link Oracle} at a quiet point), and the service keeps going.
 *
 * <p>Two sources of input, both published on both input subjects:
 * <ul>
 *   <li>a hand-written corpus ({@link BadInputCorpus}): each malformed message states where it is bad, each control
 *       at the edge of a rule states the event it is;</li>
 *   <li>seeded mutations of valid messages ({@link Mutator}), each judged by {@link InputJudge}, which shares no code
 *       with the service. Every message the judge calls invalid must be in the dead-letter topic as often as it was
 *       sent, and nothing else may be there. A disagreement fails the test with the message and both verdicts.</li>
 * </ul>
 * {@code -Dbadinput.seed} and {@code -Dbadinput.mutations} replay or scale the fuzz run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputSuiteIT {
    private static final Logger LOG = LoggerFactory.getLogger(BadInputSuiteIT.class);
    private static final long SEED = Long.getLong("badinput.seed", 20210607L);
    private static final int MUTATIONS = Integer.getInteger("badinput.mutations", 100_000);
    private static final Duration ROUND_TIMEOUT = Duration.ofMinutes(3);
    private static final List<String> SUBJECTS = List.of(Workload.STATUS_SUBJECT, Workload.REQUEST_SUBJECT);
    private static final Map<String, String> TOPIC_OF_SUBJECT = Map.of(
        Workload.STATUS_SUBJECT, "alarm-digest-input", Workload.REQUEST_SUBJECT, "alarm-digest-input");
    /** {@code <code>: <sentence>}: a machine-readable code, then words. */
    private static final Pattern REASON = Pattern.compile("[a-z]+(-[a-z]+)*: \\S.*", Pattern.DOTALL);
    private static final int SHOWN = 25;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InputJudge judge = new InputJudge();
    private final Workload workload = new Workload(SEED, 40, 10, 0.3);
    /** Every user of a good message so far: each gets a request at the quiet point. */
    private final Set<String> users = new LinkedHashSet<>();
    private StandaloneUnderTest standalone;
    private JavaProcess service;
    private Run run;
    private DeadLetterTopic deadLetters;
    private String bootstrap;

    @BeforeAll
    void start() throws Exception {
        standalone = StandaloneUnderTest.start("bad-input", List.of());
        service = standalone.service;
        run = standalone.run;
        bootstrap = standalone.bootstrap;
        deadLetters = new DeadLetterTopic(bootstrap);
    }

    @AfterAll
    void stop() throws Exception {
        try (StandaloneUnderTest closed = standalone) {
            if (deadLetters != null) {
                deadLetters.close();
            }
        }
    }

    @Test
    @Order(1)
    void shouldDeadLetterEveryMalformedMessageOfTheCorpusAndNoControl() throws Exception {
        BadInputCorpus corpus = new BadInputCorpus(Instant.now());
        assertTrue(corpus.malformed().size() >= 40, "the corpus has " + corpus.malformed().size() + " entries");

        // The judge must say what each entry says of itself, or it is not fit to judge the mutations below.
        List<String> misjudged = new ArrayList<>();
        for (BadInputCorpus.Malformed entry : corpus.malformed()) {
            for (String subject : SUBJECTS) {
                InputJudge.Verdict verdict = judge.judge(subject, entry.payload());
                if (verdict.valid() == entry.badOn(subject)) {
                    misjudged.add(entry.name() + " on " + subject + ": judge says " + verdict.describe());
                }
            }
        }
        for (BadInputCorpus.Control control : corpus.controls()) {
            for (String subject : SUBJECTS) {
                InputJudge.Verdict verdict = judge.judge(subject, control.payload());
                boolean right = verdict.valid() && (subject.equals(Workload.REQUEST_SUBJECT)
                    ? verdict.event() == null && control.event().user().equals(verdict.user())
                    : control.event().equals(verdict.event()));
                if (!right) {
                    misjudged.add("control " + control.name() + " on " + subject + ": judge says "
                        + verdict.describe() + ", the control is " + control.event());
                }
            }
        }
        assertNone("the judge disagrees with the hand-written corpus", misjudged);

        Batch batch = new Batch();
        for (BadInputCorpus.Malformed entry : corpus.malformed()) {
            for (String subject : SUBJECTS) {
                batch.publish(subject, entry.payload(), judge.judge(subject, entry.payload()));
            }
        }
        for (BadInputCorpus.Control control : corpus.controls()) {
            for (String subject : SUBJECTS) {
                batch.publish(subject, control.payload(), judge.judge(subject, control.payload()));
            }
        }
        List<DeadLetterTopic.DeadLetter> letters = batch.settle(users);

        assertNone("service and judge disagree on corpus messages", batch.disagreements(letters));
        assertNone("dead letters whose headers break the contract", malformedHeaders(letters));
        assertEquals(batch.bad, letters.size(), "dead letters of the corpus");
        long truncated = letters.stream().filter(letter -> letter.truncatedFrom() > 0).count();
        long oversized = corpus.malformed().stream()
            .filter(entry -> entry.payload().length > InputJudge.MAX_MESSAGE_BYTES).count();
        assertTrue(oversized > 0, "the corpus holds oversized messages");
        assertEquals(oversized * SUBJECTS.size(), truncated, "oversized entries, dead-lettered cut");
        assertVerdict();
        LOG.info("Corpus: {} malformed entries and {} controls on both subjects: {} dead letters ({} cut), "
                + "{} good messages processed; reasons {}", corpus.malformed().size(), corpus.controls().size(),
            letters.size(), truncated, batch.good, reasonCodes(letters));
    }

    @Test
    @Order(2)
    void shouldDeadLetterExactlyWhatAnIndependentJudgeCallsInvalidAmongMutations() throws Exception {
        // The judge first reads the unmutated workload as the workload meant it.
        List<String> misjudged = new ArrayList<>();
        Workload check = new Workload(SEED + 1, 20, 5, 0.3);
        for (int i = 0; i < 2_000; i++) {
            Workload.Message message = check.next();
            InputJudge.Verdict verdict = judge.judge(message.subject(), message.payload());
            boolean right = verdict.valid() && (message.isRequest()
                ? verdict.event() == null && message.user().equals(verdict.user())
                : message.event().equals(verdict.event()));
            if (!right && misjudged.size() < SHOWN) {
                misjudged.add(Escape.bytes(message.payload()) + ": judge says " + verdict.describe());
            }
        }
        assertNone("the judge misreads valid messages of the workload", misjudged);

        Mutator mutator = new Mutator(SEED);
        Batch batch = new Batch();
        int goodRequests = 0;
        long started = System.nanoTime();
        for (int i = 0; i < MUTATIONS; i++) {
            Mutator.Mutation mutation = mutator.mutate(workload.next());
            InputJudge.Verdict verdict = judge.judge(mutation.subject(), mutation.payload());
            goodRequests += verdict.valid() && verdict.event() == null ? 1 : 0;
            batch.publish(mutation.subject(), mutation.payload(), verdict);
        }
        long published = System.nanoTime();
        List<DeadLetterTopic.DeadLetter> letters = batch.settle(users);
        long settled = System.nanoTime();

        assertNone("service and judge disagree on mutations (seed " + SEED + ")", batch.disagreements(letters));
        assertNone("dead letters whose headers break the contract", malformedHeaders(letters));
        assertEquals(batch.bad, letters.size(), "dead letters of the mutations");
        assertVerdict();
        // Neither side may be so thin that the comparison proves little.
        assertTrue(batch.good >= MUTATIONS / 5 && batch.bad >= MUTATIONS / 5,
            "the judge called " + batch.good + " mutations valid and " + batch.bad + " invalid");
        Oracle.Verdict verdict = run.oracle().verify();
        assertTrue(verdict.alarmsPendingAtQuietPoint() > 0,
            "the quiet point had alarms to check: " + verdict.summary());
        LOG.info("Mutations (seed {}): {} published in {} ms, dead letters read and oracle at the quiet point after "
                + "{} ms more; judge: {} valid ({} events, {} requests, {} users with a quiet-point digest), {} "
                + "invalid; dead letters {}, reasons {}; oracle: {}; operations {}", SEED, MUTATIONS,
            TimeUnit.NANOSECONDS.toMillis(published - started), TimeUnit.NANOSECONDS.toMillis(settled - published),
            batch.good, batch.good - goodRequests, goodRequests, users.size(), batch.bad, letters.size(),
            reasonCodes(letters), verdict.summary(), mutator.applied());
    }

    @Test
    @Order(3)
    void shouldStillAnswerDigestsRightAfterAllTheBadInput() throws Exception {
        assertTrue(service.isAlive(), "the service is still running; see " + service.log());
        String user = "after-bad-input";
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(5);
        Batch batch = new Batch();
        Workload.Message event = workload.event(user, "alarm-after", "CRITICAL", at);
        batch.publish(event.subject(), event.payload(), judge.judge(event.subject(), event.payload()));
        byte[] bad = ("{\"UserID\":\"" + user + "\",\"userid\":\"" + user + "\"}").getBytes(StandardCharsets.UTF_8);
        batch.publish(Workload.REQUEST_SUBJECT, bad, judge.judge(Workload.REQUEST_SUBJECT, bad));
        List<DeadLetterTopic.DeadLetter> letters = batch.settle(List.of(user));

        assertNone("service and judge disagree", batch.disagreements(letters));
        assertEquals(1, letters.size(), "the one bad request is dead-lettered");
        assertTrue(letters.get(0).reason().startsWith("duplicate-field: "), letters.get(0).reason());
        List<byte[]> digest = run.oracle().lastDigest(user);
        assertEquals(1, digest.size(), "one digest part for " + user);
        JsonNode alarms = JSON.readTree(digest.get(0)).get("ActiveAlarms");
        assertEquals(1, alarms.size(), new String(digest.get(0), StandardCharsets.UTF_8));
        assertEquals("alarm-after", alarms.get(0).get("AlarmID").textValue());
        assertEquals("CRITICAL", alarms.get(0).get("Status").textValue());
        assertEquals(Oracle.goRfc3339Nano(at), alarms.get(0).get("LatestChangedAt").textValue());
        assertVerdict();
        assertTrue(service.isAlive(), "the service is still running; see " + service.log());
    }

    /** Fails with every problem on a line of its own. */
    private static void assertNone(String what, List<String> problems) {
        if (!problems.isEmpty()) {
            fail(what + ":\n  " + String.join("\n  ", problems));
        }
    }

    /** The oracle's verdict on everything so far, at the quiet point just reached. */
    private void assertVerdict() {
        Oracle.Verdict verdict = run.oracle().verify();
        assertTrue(verdict.ok(), verdict.summary() + "\n" + String.join("\n", verdict.failures()));
        assertTrue(verdict.quietDigests() >= users.size(), "a quiet-point digest for every user: " + verdict.summary());
    }

    /**
     * Messages published since the batch began, and the dead-letter topic's end at that moment: what the dead letters
     * written since must be.
     */
    private final class Batch {
        private final Map<TopicPartition, Long> start = deadLetters.end();
        private final Map<Key, Integer> sent = new HashMap<>();
        private final Map<Key, Integer> expected = new HashMap<>();
        private final Map<Key, String> judged = new HashMap<>();
        int good;
        int bad;

        void publish(String subject, byte[] payload, InputJudge.Verdict verdict) throws InterruptedException {
            Key key = Key.of(subject, payload);
            sent.merge(key, 1, Integer::sum);
            Workload.Message message;
            if (verdict.valid()) {
                good++;
                users.add(verdict.user());
                message = new Workload.Message(subject, payload, verdict.user(), verdict.event());
            } else {
                bad++;
                expected.merge(key, 1, Integer::sum);
                judged.putIfAbsent(key, verdict.describe());
                message = Workload.Message.bad(subject, payload);
            }
            run.publisher().publish(message, false);
        }

        /**
         * Brings the service to a quiet point (everything accepted, then one request per user answered), waits until
         * the processor has taken in all its input, and reads the dead letters written since the batch began.
         */
        List<DeadLetterTopic.DeadLetter> settle(Collection<String> quietUsers) throws Exception {
            quietPoint(quietUsers);
            awaitProcessorCaughtUp();
            return deadLetters.read(start, deadLetters.end(), ROUND_TIMEOUT);
        }

        /** Each message the two sides see differently, escaped, with both verdicts. */
        List<String> disagreements(List<DeadLetterTopic.DeadLetter> letters) {
            Map<Key, Integer> found = new HashMap<>();
            Map<Key, String> reasons = new HashMap<>();
            for (DeadLetterTopic.DeadLetter letter : letters) {
                Key key = Key.of(letter);
                found.merge(key, 1, Integer::sum);
                reasons.putIfAbsent(key, letter.reason());
            }
            List<String> out = new ArrayList<>();
            int total = 0;
            for (Map.Entry<Key, Integer> entry : expected.entrySet()) {
                int missing = entry.getValue() - found.getOrDefault(entry.getKey(), 0);
                if (missing > 0 && total++ < SHOWN) {
                    out.add(entry.getKey().describe() + "\n    judge: " + judged.get(entry.getKey())
                        + "\n    service: not dead-lettered (" + missing + " of " + entry.getValue()
                        + " copies missing)");
                }
            }
            for (Map.Entry<Key, Integer> entry : found.entrySet()) {
                int extra = entry.getValue() - expected.getOrDefault(entry.getKey(), 0);
                if (extra > 0 && total++ < SHOWN) {
                    Key key = entry.getKey();
                    String verdict = !sent.containsKey(key) ? "not sent in this batch"
                        : expected.containsKey(key) ? judged.get(key)
                        : judge.judge(key.subject(), key.bytes()).describe();
                    out.add(key.describe() + "\n    judge: " + verdict + "\n    service: dead-lettered ("
                        + entry.getValue() + " of " + sent.getOrDefault(key, 0) + " copies) as " + reasons.get(key));
                }
            }
            if (total > SHOWN) {
                out.add("… " + (total - SHOWN) + " more disagreements left out");
            }
            return out;
        }
    }

    /** Each dead letter whose key or headers break the contract's table. */
    private List<String> malformedHeaders(List<DeadLetterTopic.DeadLetter> letters) {
        List<String> out = new ArrayList<>();
        for (DeadLetterTopic.DeadLetter letter : letters) {
            String topic = letter.subject() == null ? null : TOPIC_OF_SUBJECT.get(letter.subject());
            List<String> wrong = new ArrayList<>();
            if (topic == null) {
                wrong.add("nats-subject " + letter.subject());
            }
            if (letter.reason() == null || !REASON.matcher(letter.reason()).matches()) {
                wrong.add("dlq-reason " + letter.reason());
            }
            // From the ingress: the subject; from the processor: <topic>/<partition>/<offset> of the input record.
            if (letter.source() == null || !(letter.source().equals(letter.subject())
                || topic != null && letter.source().matches(Pattern.quote(topic) + "/[0-9]+/[0-9]+"))) {
                wrong.add("dlq-source " + letter.source());
            }
            // The key is the UserID or none; a message with a good UserID is a good request, whatever else it holds.
            if (letter.key() != null && !letter.key().equals(
                judge.judge(Workload.REQUEST_SUBJECT, letter.value()).user())) {
                wrong.add("key " + Escape.text(letter.key()));
            }
            if (letter.truncatedFrom() >= 0 && (letter.truncatedFrom() <= InputJudge.MAX_MESSAGE_BYTES
                || letter.value().length != InputJudge.MAX_MESSAGE_BYTES)) {
                wrong.add("cut to " + letter.value().length + " bytes from " + letter.truncatedFrom());
            }
            if (!wrong.isEmpty() && out.size() < SHOWN) {
                out.add(letter.where() + " " + Escape.bytes(letter.value()) + ": " + wrong);
            }
        }
        return out;
    }

    private static Map<String, Integer> reasonCodes(List<DeadLetterTopic.DeadLetter> letters) {
        Map<String, Integer> codes = new TreeMap<>();
        for (DeadLetterTopic.DeadLetter letter : letters) {
            String reason = String.valueOf(letter.reason());
            codes.merge(reason.contains(":") ? reason.substring(0, reason.indexOf(':')) : reason, 1, Integer::sum);
        }
        return codes;
    }

    /**
     * The quiet point: everything published so far accepted and every request so far answered, then one request
     * per user, each answered. The requests are written here, not by the workload, because mutated user IDs hold
     * quotes, backslashes and control characters that only an encoder escapes right.
     */
    private void quietPoint(Collection<String> quietUsers) throws Exception {
        run.quietRound(List.of(), workload, ROUND_TIMEOUT);
        for (String user : quietUsers) {
            byte[] request = ("{\"UserID\":" + Mutator.quote(user) + "}").getBytes(StandardCharsets.UTF_8);
            run.publisher().publish(new Workload.Message(Workload.REQUEST_SUBJECT, request, user, null), true);
        }
        run.publisher().awaitAccepted(ROUND_TIMEOUT);
        run.awaitAnswers(ROUND_TIMEOUT);
    }

    /**
     * Waits until the processor group has committed the end of every input partition: then every dead letter the
     * processor writes for this input is committed too (same transaction).
     */
    private void awaitProcessorCaughtUp() throws Exception {
        long deadline = System.nanoTime() + ROUND_TIMEOUT.toNanos();
        Map<TopicPartition, Long> behind = Map.of();
        try (Admin admin = Deployments.admin(bootstrap)) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (TopicDescription topic : admin.describeTopics(Set.copyOf(TOPIC_OF_SUBJECT.values())).allTopicNames()
                .get(30, TimeUnit.SECONDS).values()) {
                for (TopicPartitionInfo partition : topic.partitions()) {
                    latest.put(new TopicPartition(topic.name(), partition.partition()), OffsetSpec.latest());
                }
            }
            while (System.nanoTime() < deadline) {
                Map<TopicPartition, ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                    .get(30, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetAndMetadata> committed = admin
                    .listConsumerGroupOffsets(Deployments.PROCESSOR_GROUP).partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
                behind = new TreeMap<>(Comparator.comparing(TopicPartition::toString));
                for (Map.Entry<TopicPartition, ListOffsetsResultInfo> end : ends.entrySet()) {
                    OffsetAndMetadata at = committed.get(end.getKey());
                    long lag = end.getValue().offset() - (at == null ? 0 : at.offset());
                    if (lag > 0) {
                        behind.put(end.getKey(), lag);
                    }
                }
                if (behind.isEmpty()) {
                    return;
                }
                TimeUnit.MILLISECONDS.sleep(200);
            }
        }
        throw new AssertionError("the processor did not take in all its input within " + ROUND_TIMEOUT
            + "; records behind: " + behind);
    }

    /**
     * A message as the dead-letter topic keeps it: subject and bytes, or for one over the size limit its first
     * {@value InputJudge#MAX_MESSAGE_BYTES} bytes and its size.
     */
    private record Key(String subject, ByteBuffer content, int truncatedFrom) {
        static Key of(String subject, byte[] payload) {
            if (payload.length > InputJudge.MAX_MESSAGE_BYTES) {
                return new Key(subject, ByteBuffer.wrap(Arrays.copyOf(payload, InputJudge.MAX_MESSAGE_BYTES)),
                    payload.length);
            }
            return new Key(subject, ByteBuffer.wrap(payload), -1);
        }

        static Key of(DeadLetterTopic.DeadLetter letter) {
            return new Key(letter.subject(), ByteBuffer.wrap(letter.value()), letter.truncatedFrom());
        }

        byte[] bytes() {
            byte[] bytes = new byte[content.remaining()];
            content.duplicate().get(bytes);
            return bytes;
        }

        String describe() {
            return "on " + subject + (truncatedFrom < 0 ? "" : " (" + truncatedFrom + " bytes, cut)") + ": "
                + Escape.bytes(bytes());
        }
    }
}
