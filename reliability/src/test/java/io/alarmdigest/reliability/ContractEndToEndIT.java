package io.alarmdigest.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alarmdigest.testing.JavaProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.TransactionListing;
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
 * The assembled service ({@code standalone} as a child process, a real nats-server), driven through NATS only and
 * checked by the {@link Oracle} after every step: the contract's example byte for byte, each digest rule with
 * events out of order and redelivered, a digest split into parts, and a kill -9 under load. Each step also states
 * what it expects in its own words, so a silent oracle could not pass it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContractEndToEndIT {
    private static final Logger LOG = LoggerFactory.getLogger(ContractEndToEndIT.class);
    private static final Duration ROUND_TIMEOUT = Duration.ofMinutes(3);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Workload format = new Workload(11, 0, 0, 0);
    private final Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(3_600);
    private StandaloneUnderTest standalone;
    private JavaProcess service;
    private Run run;

    @BeforeAll
    void start() throws Exception {
        // Small digest parts, so that splitting is exercised by a few hundred alarms.
        standalone = StandaloneUnderTest.start("contract-e2e", Deployments.sets(Map.of("digest.max.bytes", "16384")));
        service = standalone.service;
        run = standalone.run;
    }

    @AfterAll
    void stop() throws Exception {
        if (standalone != null) {
            standalone.close();
        }
    }

    @Test
    @Order(1)
    void shouldAnswerTheContractsExampleByteForByte() throws Exception {
        String user = "e859dab9-66d4-4bf4-a578-113d223b94f0";
        // Written as the contract shows it, spaces and line breaks included.
        publish(new Workload.Message(Workload.STATUS_SUBJECT, ("{\"AlarmID\": "
            + "\"e36a6c22-ece6-46eb-9016-9303273edbfe\",\n \"UserID\": \"" + user + "\",\n \"Status\": \"WARNING\",\n "
            + "\"ChangedAt\": \"2021-06-07T20:40:15.598765212Z\"}").getBytes(StandardCharsets.UTF_8), user,
            new Oracle.Event(user, "e36a6c22-ece6-46eb-9016-9303273edbfe", "WARNING",
                Instant.parse("2021-06-07T20:40:15.598765212Z"))));
        publish(format.event(user, "29f717c1-70b8-4f42-b2f5-89bf21f560e9", "CRITICAL",
            Instant.parse("2021-06-07T21:23:01.828161292Z")));

        quietRound(List.of(user));

        assertEquals("{\"UserID\":\"e859dab9-66d4-4bf4-a578-113d223b94f0\",\"ActiveAlarms\":["
                + "{\"AlarmID\":\"e36a6c22-ece6-46eb-9016-9303273edbfe\",\"Status\":\"WARNING\","
                + "\"LatestChangedAt\":\"2021-06-07T20:40:15.598765212Z\"},"
                + "{\"AlarmID\":\"29f717c1-70b8-4f42-b2f5-89bf21f560e9\",\"Status\":\"CRITICAL\","
                + "\"LatestChangedAt\":\"2021-06-07T21:23:01.828161292Z\"}]}",
            new String(run.oracle().lastDigest(user).get(0), StandardCharsets.UTF_8));
    }

    @Test
    @Order(2)
    void shouldHoldTheDigestRulesWhateverTheOrderAndRedelivery() throws Exception {
        // Round 1: latest wins out of order and redelivered, severity breaks a tie, order by time then UTF-8 bytes.
        event("latest", "a", "CRITICAL", t.plusSeconds(2));
        event("latest", "a", "WARNING", t.plusSeconds(1)); // older, arrives later: changes nothing
        event("latest", "a", "CRITICAL", t.plusSeconds(2)); // redelivered
        event("tie", "a", "WARNING", t);
        event("tie", "a", "CRITICAL", t);
        event("tie", "a", "WARNING", t);
        event("back", "a", "CRITICAL", t);
        event("rereported", "a", "CRITICAL", t);
        event("late", "a", "WARNING", t);
        for (String alarm : List.of("b", "a", "\u00e4", "z", "\u20ac", "A")) {
            event("sorted", alarm, "WARNING", t);
        }
        event("sorted", "zz-oldest", "CRITICAL", t.minusNanos(1));
        event("cleared", "a", "WARNING", t);
        event("cleared", "a", "CLEARED", t.plusSeconds(1));
        quietRound(List.of("latest", "tie", "back", "rereported", "late", "sorted", "cleared", "nothing"));

        assertEquals(List.of("a CRITICAL " + at(t.plusSeconds(2))), listed("latest"));
        assertEquals(List.of("a CRITICAL " + at(t)), listed("tie"));
        assertEquals(List.of("a CRITICAL " + at(t)), listed("back"));
        assertEquals(List.of("zz-oldest CRITICAL " + at(t.minusNanos(1)), "A WARNING " + at(t), "a WARNING " + at(t),
            "b WARNING " + at(t), "z WARNING " + at(t), "\u00e4 WARNING " + at(t), "\u20ac WARNING " + at(t)),
            listed("sorted"));
        assertEquals(List.of(), listed("cleared"), "a cleared alarm is not listed");
        assertEquals(List.of(), listed("nothing"), "a request with nothing pending gets an empty digest");

        // Round 2: cleared and back is sent again, re-reported unchanged is not, a late intermediate status counts,
        // an older event of another status does not.
        event("back", "a", "CLEARED", t.plusSeconds(1));
        event("back", "a", "CRITICAL", t.plusSeconds(2));
        event("rereported", "a", "CRITICAL", t.plusSeconds(5));
        event("late", "a", "WARNING", t.plusSeconds(3));
        event("late", "a", "CLEARED", t.plusSeconds(2));
        event("latest", "a", "WARNING", t.plusMillis(1_500));
        quietRound(List.of("back", "rereported", "late", "latest", "tie"));

        assertEquals(List.of("a CRITICAL " + at(t.plusSeconds(2))), listed("back"));
        assertEquals(List.of(), listed("rereported"), "re-reported with the same status: not sent again");
        assertEquals(List.of("a WARNING " + at(t.plusSeconds(3))), listed("late"));
        assertEquals(List.of(), listed("latest"), "an event older than the delivered one changes nothing");
        assertEquals(List.of(), listed("tie"), "delivered, unchanged");
    }

    @Test
    @Order(3)
    void shouldSplitABigDigestIntoCompleteParts() throws Exception {
        for (int i = 0; i < 400; i++) {
            event("big", String.format("alarm-%04d-%s", i, "x".repeat(40)), i % 2 == 0 ? "WARNING" : "CRITICAL",
                t.plusMillis(i));
        }
        quietRound(List.of("big"));

        List<byte[]> parts = run.oracle().lastDigest("big");
        assertTrue(parts.size() > 1, "400 alarms do not fit 16 KiB: " + parts.size() + " part(s)");
        assertEquals(400, listed("big").size());
        for (byte[] part : parts) {
            assertTrue(part.length <= 16_384, "a part of " + part.length + " bytes");
        }
    }

    @Test
    @Order(4)
    void shouldLoseNothingAndRepeatNothingWhenKilledUnderLoad() throws Exception {
        int quietBefore = run.oracle().verify().quietDigests();
        Workload workload = new Workload(4, 200, 10, 0.05);
        CompletableFuture<Long> load = run.loadInBackground(workload, 1_000, Duration.ofSeconds(25));
        TimeUnit.SECONDS.sleep(10);
        Collection<TransactionListing> open = Deployments.awaitOpenTransactions(standalone.bootstrap,
            Duration.ofSeconds(3));
        run.witness(workload, "before", 50);
        run.fault("kill -9 standalone");
        service.kill();
        run.witness(workload, "after", 50);
        service.start();
        assertTrue(load.get(2, TimeUnit.MINUTES) > 15_000, "the load kept going");
        List<String> users = new ArrayList<>(workload.users());
        users.add("nothing");
        quietRound(users);

        Run.Outcome outcome = run.outcome("kill -9 under load", standalone.bootstrap);
        LOG.info("{}; open transactions at the kill: {}", outcome.describe(), open);
        assertTrue(outcome.ok(), outcome.describe());
        assertTrue(outcome.firstAnswerMillis().get(0) >= 0, "answered again after the restart");
        assertEquals(200 + 1 + 2, outcome.verdict().quietDigests() - quietBefore,
            "a quiet-point digest for each user, the one without events and each witness");
        List<String> witnessed = listed("witness-before-0");
        assertEquals(50, witnessed.size(), "every alarm sent right before the kill arrives: " + witnessed);
        assertEquals(50, listed("witness-after-1").size(), "and every alarm sent while the service was down");
    }

    private void event(String user, String alarm, String status, Instant at) throws InterruptedException {
        publish(format.event(user, alarm, status, at));
    }

    private void publish(Workload.Message message) throws InterruptedException {
        run.publisher().publish(message, false);
    }

    /** Brings the run to a quiet point and asserts the oracle's verdict on everything so far. */
    private void quietRound(List<String> users) throws Exception {
        run.quietRound(users, format, ROUND_TIMEOUT);
        Oracle.Verdict verdict = run.oracle().verify();
        assertTrue(verdict.ok(), verdict.summary() + "\n" + String.join("\n", verdict.failures()));
    }

    /** The last digest of {@code user} as "AlarmID Status LatestChangedAt" lines, parts joined. */
    private List<String> listed(String user) throws Exception {
        List<String> lines = new ArrayList<>();
        for (byte[] part : run.oracle().lastDigest(user)) {
            for (JsonNode alarm : JSON.readTree(part).get("ActiveAlarms")) {
                lines.add(alarm.get("AlarmID").asText() + " " + alarm.get("Status").asText() + " "
                    + alarm.get("LatestChangedAt").asText());
            }
        }
        return lines;
    }

    private static String at(Instant instant) {
        return Oracle.goRfc3339Nano(instant);
    }
}
