package io.alarmdigest.processor.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A seeded property test of the digest rules (contract rules 1, 2, 3, 4 and 6) through the whole topology: random
 * events are sent in rounds, every user asks for a digest after each round, and each digest must equal what a small
 * reference {@link Model}, written from the contract alone, predicts. Each scenario is run in several fresh drivers,
 * each delivering every round's events in another order; the digests must not depend on that order. The same
 * scenarios also run as one stream with requests at random places among the events: each digest holds exactly the
 * events before its request.
 *
 * <p>To replay one scenario, run with {@code -Ddigest.seed=<seed>}; a failure prints the seed and the scenario as
 * the driver calls it made.
 */
class DigestPropertyTest {
    private static final long BASE_SEED = 20_210_607_000L;
    private static final int SCENARIOS = 45;
    /** Fresh drivers per scenario, each with its own delivery order within the rounds. */
    private static final int ORDERS_PER_SCENARIO = 3;

    /**
     * A small set of instants, so that equal and close times are common. Each row is one instant: first as the
     * service must write it (UTC, RFC3339Nano), then other spellings of the same instant that are sent as input.
     */
    private static final String[][] TIMES = {
        {"2021-06-07T20:40:14.9999999Z", "2021-06-07T20:40:14.999999900Z", "2021-06-07T22:40:14.9999999+02:00",
            "2021-06-07T15:10:14.9999999-05:30"},
        {"2021-06-07T20:40:15Z", "2021-06-07T20:40:15.000000000Z", "2021-06-07T22:40:15+02:00",
            "2021-06-07T20:40:15+00:00", "2021-06-07t20:40:15z"},
        {"2021-06-07T20:40:15.000000001Z", "2021-06-07T22:40:15.000000001+02:00",
            "2021-06-07T15:10:15.000000001-05:30"},
        {"2021-06-07T20:40:15.5Z", "2021-06-07T20:40:15.50Z", "2021-06-07T22:40:15.500000000+02:00",
            "2021-06-07T11:40:15.5-09:00"},
        {"2021-06-07T20:40:15.59876521Z", "2021-06-07T20:40:15.598765210Z", "2021-06-07T22:40:15.59876521+02:00"},
        {"2021-06-07T20:40:15.598765212Z", "2021-06-07T22:40:15.598765212+02:00",
            "2021-06-08T06:25:15.598765212+09:45", "2021-06-07t20:40:15.598765212z"},
        {"2021-06-07T20:40:16Z", "2021-06-07T22:40:16+02:00", "2021-06-07T20:40:16.0Z"},
        {"2021-06-07T23:59:59.999999999Z", "2021-06-08T01:59:59.999999999+02:00",
            "2021-06-07T18:29:59.999999999-05:30"},
        {"2021-06-08T00:00:00Z", "2021-06-07T22:00:00-02:00", "2021-06-08T02:00:00+02:00",
            "2021-06-08T00:00:00.000Z"},
    };

    /** Users, one a prefix of another, and non-ASCII ones. */
    private static final String[] USERS = {
        "e859dab9-66d4-4bf4-a578-113d223b94f0", "u", "u1", "U", "user-\u00fc", "\uD83D\uDC64", "7c0f5a52-user",
    };

    /**
     * Alarms, with prefixes of each other, case differences, JSON escapes, and characters whose UTF-16 order (Java's
     * {@code String.compareTo}) differs from their UTF-8 byte order: U+E000 and U+FF21 sort before U+10000 and the
     * emoji U+1F600 as UTF-8, after them as UTF-16.
     */
    private static final String[] ALARMS = {
        "e36a6c22-ece6-46eb-9016-9303273edbfe", "A", "AB", "a", "\u00e9", "\uE000", "\uFF21", "\uD800\uDC00",
        "\uD83D\uDE00", "say \"hi\" \\ now",
    };

    /** Input spellings of each status; the first is the one written on output. */
    private static final Map<Status, List<String>> STATUS_SPELLINGS = Map.of(
        Status.CLEARED, List.of("CLEARED", "cleared", "Cleared", "cLeArEd"),
        Status.WARNING, List.of("WARNING", "warning", "Warning", "wArNiNg"),
        Status.CRITICAL, List.of("CRITICAL", "critical", "Critical", "CrItIcAl"));

    static LongStream seeds() {
        String replay = System.getProperty("digest.seed");
        return replay != null
            ? LongStream.of(Long.parseLong(replay))
            : LongStream.range(BASE_SEED, BASE_SEED + SCENARIOS);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void digestsFollowTheModelWhateverTheDeliveryOrder(long seed) {
        Scenario scenario = Scenario.generate(seed);

        List<Run> runs = new ArrayList<>();
        for (int order = 0; order < ORDERS_PER_SCENARIO; order++) {
            runs.add(run(scenario, order));
        }

        Model model = new Model();
        List<List<String>> expected = new ArrayList<>();
        for (List<Event> round : scenario.rounds()) {
            round.forEach(model::receive);
            for (String user : scenario.users()) {
                expected.add(model.digest(user));
            }
        }

        // Rule 2: the digests depend on the set of events received, never on the order they arrived in.
        Run first = runs.get(0);
        for (Run other : runs.subList(1, runs.size())) {
            assertEquals(first.digests(), other.digests(), () -> "seed " + seed
                + ": two delivery orders of the same events gave different digests at "
                + firstDifference(scenario, first.digests(), other.digests()) + "\nthe model expects "
                + expected + "\n\n--- order " + first.order() + " ---\n" + first.trace() + "\n--- order "
                + other.order() + " ---\n" + other.trace());
        }
        // Rules 1, 2, 4 and 6: each digest is what the model predicts.
        assertEquals(expected, first.digests(), () -> "seed " + seed + ": digest differs from the model at "
            + firstDifference(scenario, expected, first.digests()) + "\n\n--- order " + first.order() + " ---\n"
            + first.trace());
    }

    /**
     * Rule 3 through the one input topic: the events and requests of several users in one stream, in the order the
     * ingress would write them, requests at random places among events whose ChangedAt come in any order. Every
     * digest must be the model's for exactly the events before its request in the stream, and none after it.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void eachDigestHoldsExactlyTheEventsBeforeItsRequestInTheStream(long seed) {
        Scenario scenario = Scenario.generate(seed);
        Random random = new Random(seed * 17 + 5);
        List<String> users = scenario.users();
        List<Object> stream = new ArrayList<>();
        for (List<Event> round : scenario.rounds()) {
            for (Event event : round) {
                stream.add(event);
                if (random.nextInt(3) == 0) {
                    stream.add(users.get(random.nextInt(users.size())));
                }
            }
        }
        stream.addAll(users);

        Model model = new Model();
        StringBuilder trace = new StringBuilder("// seed " + seed + ", one stream\n");
        try (DigestDriver driver = new DigestDriver()) {
            for (Object next : stream) {
                if (next instanceof Event event) {
                    driver.event(event.user(), event.alarm(), event.statusText(), event.changedAtText());
                    model.receive(event);
                    trace.append("driver.event(").append(java(event.user())).append(", ")
                        .append(java(event.alarm())).append(", ").append(java(event.statusText())).append(", ")
                        .append(java(event.changedAtText())).append(");\n");
                } else {
                    String user = (String) next;
                    driver.request(user);
                    List<String> expected = model.digest(user);
                    List<String> actual = driver.readOnlyDigest().alarms();
                    trace.append("driver.request(").append(java(user)).append("); // -> ").append(actual)
                        .append('\n');
                    assertEquals(expected, actual, () -> "seed " + seed + ": the digest for " + java(user)
                        + " is not the model's for the events before its request\n" + trace);
                }
            }
            assertTrue(driver.readDeadLetters().isEmpty(), () -> "dead letters\n" + trace);
        }
    }

    /** Runs the scenario in a fresh driver, each round's events in the order that {@code order} draws. */
    private static Run run(Scenario scenario, int order) {
        Random shuffle = new Random(scenario.seed() * 31 + order);
        StringBuilder trace = new StringBuilder("// seed " + scenario.seed() + ", delivery order " + order + "\n");
        Supplier<String> context = () -> "seed " + scenario.seed() + ", delivery order " + order + "\n" + trace;
        List<List<String>> digests = new ArrayList<>();
        try (DigestDriver driver = new DigestDriver()) {
            for (int r = 0; r < scenario.rounds().size(); r++) {
                trace.append("// round ").append(r + 1).append('\n');
                List<Event> events = new ArrayList<>(scenario.rounds().get(r));
                Collections.shuffle(events, shuffle);
                for (Event event : events) {
                    driver.event(event.user(), event.alarm(), event.statusText(), event.changedAtText());
                    trace.append("driver.event(").append(java(event.user())).append(", ")
                        .append(java(event.alarm())).append(", ").append(java(event.statusText())).append(", ")
                        .append(java(event.changedAtText())).append(");\n");
                }
                for (String user : scenario.users()) {
                    driver.request(user);
                    trace.append("driver.request(").append(java(user)).append(");");
                    List<DigestDriver.Part> parts = driver.readParts();
                    // Rules 6 and 7: every request yields exactly one digest, for its user, even an empty one.
                    assertEquals(1, parts.size(), () -> "one digest part per request for " + java(user) + ", got "
                        + parts + "\n" + context.get());
                    DigestDriver.Part part = parts.get(0);
                    assertEquals(List.of(user, user, 1, 1),
                        List.of(part.key(), part.userId(), part.part(), part.parts()),
                        () -> "key, UserID, part and parts of the digest for " + java(user) + "\n" + context.get());
                    digests.add(part.alarms());
                    trace.append("  // -> ").append(part.alarms()).append('\n');
                }
            }
            // Every event and request in a scenario is valid: nothing may go to the dead-letter topic.
            List<String> deadLetters = new ArrayList<>();
            driver.readDeadLetters().forEach(record -> deadLetters.add(
                DigestDriver.header(record.headers(), "dlq-reason") + ": " + new String(record.value(),
                    StandardCharsets.UTF_8)));
            assertEquals(List.of(), deadLetters, () -> "dead letters\n" + context.get());
        }
        return new Run(order, digests, trace.toString());
    }

    private static String firstDifference(Scenario scenario, List<List<String>> expected, List<List<String>> actual) {
        int users = scenario.users().size();
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            if (!expected.get(i).equals(actual.get(i))) {
                return "round " + (i / users + 1) + ", request for " + java(scenario.users().get(i % users))
                    + ": expected " + expected.get(i) + " but was " + actual.get(i);
            }
        }
        return "the number of digests: expected " + expected.size() + " but was " + actual.size();
    }

    /** The table of instants is what it claims: each row one instant, its first spelling the UTC output form. */
    @Test
    void timeTableSpellsOneInstantPerRow() {
        for (String[] row : TIMES) {
            Instant instant = Instant.parse(row[0]);
            assertEquals(row[0], utc(instant), "output form of " + row[0]);
            for (String spelling : row) {
                assertEquals(instant, OffsetDateTime.parse(spelling.toUpperCase(Locale.ROOT)).toInstant(), spelling);
            }
        }
        for (int i = 1; i < TIMES.length; i++) {
            assertTrue(Instant.parse(TIMES[i - 1][0]).isBefore(Instant.parse(TIMES[i][0])),
                "rows are in ascending order at " + TIMES[i][0]);
        }
    }

    /** The model against the contract's own examples, so that the property test rests on a checked model. */
    @Test
    void modelFollowsTheContractExamples() {
        String u = "user";
        Model model = new Model();
        model.receive(event(u, "A", Status.CRITICAL, 1));
        model.receive(event(u, "B", Status.WARNING, 1));
        model.receive(event(u, "B", Status.CLEARED, 2));
        model.receive(event(u, "\uD83D\uDE00", Status.WARNING, 0));
        model.receive(event(u, "\uFF21", Status.WARNING, 0));
        model.receive(event("other", "C", Status.WARNING, 0));
        assertEquals(List.of("\uFF21=WARNING@2021-06-07T20:40:14.9999999Z",
            "\uD83D\uDE00=WARNING@2021-06-07T20:40:14.9999999Z", "A=CRITICAL@2021-06-07T20:40:15Z"), model.digest(u));
        assertEquals(List.of(), model.digest(u), "nothing new: an empty digest");

        // Re-reported as CRITICAL: not sent again. A lower version never changes the current status.
        model.receive(event(u, "A", Status.CRITICAL, 3));
        model.receive(event(u, "A", Status.WARNING, 0));
        assertEquals(List.of(), model.digest(u));
        // A higher version than the delivered one with another status marks the alarm, even when it is not the
        // latest: delivered CRITICAL@1, current CRITICAL@3, a late CLEARED@2 arrives.
        model.receive(event(u, "A", Status.CLEARED, 2));
        assertEquals(List.of("A=CRITICAL@2021-06-07T20:40:15.5Z"), model.digest(u));
        // Same ChangedAt: the more severe status wins.
        model.receive(event(u, "A", Status.WARNING, 4));
        model.receive(event(u, "A", Status.CRITICAL, 4));
        model.receive(event(u, "A", Status.CLEARED, 4));
        assertEquals(List.of("A=CRITICAL@2021-06-07T20:40:15.59876521Z"), model.digest(u));
        // Cleared and came back: sent again.
        model.receive(event(u, "A", Status.CLEARED, 5));
        assertEquals(List.of(), model.digest(u));
        model.receive(event(u, "A", Status.CRITICAL, 6));
        assertEquals(List.of("A=CRITICAL@2021-06-07T20:40:16Z"), model.digest(u));
    }

    private static Event event(String user, String alarm, Status status, int time) {
        return new Event(user, alarm, status, Instant.parse(TIMES[time][0]), status.name(), TIMES[time][0]);
    }

    // ---------------------------------------------------------------------------------------------------------
    // The reference model: written from the contract alone, sharing nothing with the production code.
    // ---------------------------------------------------------------------------------------------------------

    /** Severity order for the same ChangedAt (rule 1): declaration order. */
    enum Status {
        CLEARED, WARNING, CRITICAL;

        boolean active() {
            return this != CLEARED;
        }
    }

    /** Rule 1: ChangedAt first, then severity. */
    record Version(Instant changedAt, Status status) implements Comparable<Version> {
        @Override
        public int compareTo(Version other) {
            int byTime = changedAt.compareTo(other.changedAt);
            return byTime != 0 ? byTime : status.compareTo(other.status);
        }
    }

    /**
     * Keeps every event ever received, per user and alarm, and the version each alarm was last delivered with; a
     * digest is computed from these sets alone, so the order of arrival cannot matter to it.
     */
    static final class Model {
        private final Map<String, Map<String, List<Version>>> received = new LinkedHashMap<>();
        private final Map<String, Map<String, Version>> delivered = new LinkedHashMap<>();

        void receive(Event event) {
            received.computeIfAbsent(event.user(), user -> new LinkedHashMap<>())
                .computeIfAbsent(event.alarm(), alarm -> new ArrayList<>())
                .add(new Version(event.changedAt(), event.status()));
        }

        /** The digest for {@code user} as "AlarmID=STATUS@LatestChangedAt" strings; marks them delivered. */
        List<String> digest(String user) {
            Map<String, Version> deliveredToUser = delivered.computeIfAbsent(user, u -> new LinkedHashMap<>());
            List<Map.Entry<String, Version>> listed = new ArrayList<>();
            for (Map.Entry<String, List<Version>> alarm : received.getOrDefault(user, Map.of()).entrySet()) {
                List<Version> versions = alarm.getValue();
                Version current = Collections.max(versions);
                Version last = deliveredToUser.get(alarm.getKey());
                boolean pending = last == null || versions.stream()
                    .anyMatch(v -> v.compareTo(last) > 0 && v.status() != last.status());
                if (current.status().active() && pending) {
                    listed.add(Map.entry(alarm.getKey(), current));
                }
            }
            listed.sort(Comparator.comparing((Map.Entry<String, Version> alarm) -> alarm.getValue().changedAt())
                .thenComparing((a, b) -> Arrays.compareUnsigned(
                    a.getKey().getBytes(StandardCharsets.UTF_8), b.getKey().getBytes(StandardCharsets.UTF_8))));
            List<String> digest = new ArrayList<>();
            for (Map.Entry<String, Version> alarm : listed) {
                deliveredToUser.put(alarm.getKey(), alarm.getValue());
                digest.add(alarm.getKey() + "=" + alarm.getValue().status() + "@" + utc(alarm.getValue().changedAt()));
            }
            return digest;
        }
    }

    /** Go's RFC3339Nano in UTC: seconds always, then the fraction without trailing zeros, none if it is zero. */
    static String utc(Instant instant) {
        OffsetDateTime t = instant.atOffset(ZoneOffset.UTC);
        String seconds = String.format(Locale.ROOT, "%04d-%02d-%02dT%02d:%02d:%02d", t.getYear(), t.getMonthValue(),
            t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond());
        String fraction = String.format(Locale.ROOT, "%09d", t.getNano()).replaceAll("0+$", "");
        return seconds + (fraction.isEmpty() ? "" : "." + fraction) + "Z";
    }

    // ---------------------------------------------------------------------------------------------------------
    // Scenarios
    // ---------------------------------------------------------------------------------------------------------

    /** One event: what the model sees (status, instant) and how it is spelled on the wire. */
    record Event(String user, String alarm, Status status, Instant changedAt, String statusText,
                 String changedAtText) {
    }

    /** Users in the order they ask for digests, and the events of each round. */
    record Scenario(long seed, List<String> users, List<List<Event>> rounds) {
        static Scenario generate(long seed) {
            Random random = new Random(seed);
            List<String> users = pick(random, USERS, 3 + random.nextInt(2));
            List<Integer> times = pick(random, indexes(TIMES.length), 2 + random.nextInt(2));

            List<Event> events = new ArrayList<>();
            List<String> alarmsOfFirstUser = null;
            // Sometimes the last user sends nothing and only ever gets empty digests.
            int usersWithEvents = random.nextInt(3) == 0 ? users.size() - 1 : users.size();
            for (int u = 0; u < usersWithEvents; u++) {
                List<String> alarms = pick(random, ALARMS, 2 + random.nextInt(2));
                if (u == 0) {
                    alarmsOfFirstUser = alarms;
                } else if (u == 1 && !alarms.contains(alarmsOfFirstUser.get(0))) {
                    alarms.set(0, alarmsOfFirstUser.get(0)); // the same AlarmID under two users
                }
                for (String alarm : alarms) {
                    int count = 1 + random.nextInt(5);
                    for (int i = 0; i < count; i++) {
                        Status status = Status.values()[random.nextInt(3)];
                        int time = times.get(random.nextInt(times.size()));
                        List<String> statusSpellings = STATUS_SPELLINGS.get(status);
                        String[] timeSpellings = TIMES[time];
                        events.add(new Event(users.get(u), alarm, status, Instant.parse(TIMES[time][0]),
                            statusSpellings.get(random.nextInt(statusSpellings.size())),
                            timeSpellings[random.nextInt(timeSpellings.length)]));
                    }
                }
            }
            // Duplicates: about a quarter of the events are sent twice, byte for byte.
            int duplicates = events.size() / 4 + random.nextInt(2);
            for (int i = 0; i < duplicates; i++) {
                events.add(events.get(random.nextInt(events.size())));
            }
            Collections.shuffle(events, random);

            // Rounds: cut the event list at random places; a round may be empty.
            int roundCount = 3 + random.nextInt(2);
            List<Integer> cuts = new ArrayList<>();
            for (int i = 1; i < roundCount; i++) {
                cuts.add(random.nextInt(events.size() + 1));
            }
            cuts.add(0);
            cuts.add(events.size());
            Collections.sort(cuts);
            List<List<Event>> rounds = new ArrayList<>();
            for (int i = 1; i < cuts.size(); i++) {
                rounds.add(List.copyOf(events.subList(cuts.get(i - 1), cuts.get(i))));
            }
            return new Scenario(seed, users, rounds);
        }

        private static <T> List<T> pick(Random random, T[] pool, int count) {
            List<T> all = new ArrayList<>(Arrays.asList(pool));
            Collections.shuffle(all, random);
            return new ArrayList<>(all.subList(0, Math.min(count, all.size())));
        }

        private static Integer[] indexes(int n) {
            Integer[] indexes = new Integer[n];
            for (int i = 0; i < n; i++) {
                indexes[i] = i;
            }
            return indexes;
        }
    }

    /** The digests of one run, in request order, and the calls that produced them. */
    record Run(int order, List<List<String>> digests, String trace) {
    }

    /** A Java string literal, so that a failure's trace can be pasted into a test. */
    private static String java(String value) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                out.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
