package io.alarmdigest.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the service must have published, worked out from what was sent to it. It shares no code with the service:
 * it reads digests with Jackson's tree model, compares versions and orders alarms with its own rules, and formats
 * times its own way, all from {@code CONTRACT.md}.
 *
 * <p>Deliveries are taken in the digest stream's order: the egress publishes a user's next part only after NATS
 * confirmed the previous one (different users' parts side by side), so one user's digests are stored in the order
 * the processor wrote them.
 *
 * <p>It is told each accepted event and request (the input stream's publish acknowledgement says the message was
 * stored) and each message of the digest stream, then {@link #verify} checks:
 * <ul>
 *   <li>one digest per request: every digest answers an accepted request, every request has one digest, no two
 *       messages of the stream carry the same {@code Nats-Msg-Id};</li>
 *   <li>every digest is well formed: exact field names, the request's user, parts numbered and complete, alarms
 *       active, sorted oldest first with ties by AlarmID as UTF-8 bytes, each listed once, times in UTC like Go's
 *       RFC3339Nano;</li>
 *   <li>every listed alarm is justified: an event sent for that user and alarm has that status and time, and an
 *       alarm listed again changed in between (an event of a higher version than the one delivered carried another
 *       status);</li>
 *   <li>at a quiet point (requests sent once everything before was accepted, nothing published meanwhile), each
 *       digest holds exactly what is pending for the events stored before its request:
 *       nothing lost, nothing repeated.</li>
 * </ul>
 */
public final class Oracle {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SEVERITY = List.of("CLEARED", "WARNING", "CRITICAL");

    /** An accepted event, as the oracle knows it. */
    public record Event(String user, String alarm, String status, Instant at) {
        public int severity() {
            return SEVERITY.indexOf(status);
        }

        /** Contract rule 1: ChangedAt first, then severity. */
        public int compareVersion(Instant otherAt, String otherStatus) {
            int byTime = at.compareTo(otherAt);
            return byTime != 0 ? byTime : Integer.compare(severity(), SEVERITY.indexOf(otherStatus));
        }
    }

    /** One alarm as a digest listed it. */
    public record Listed(String alarm, String status, String latestChangedAt) {
    }

    /** A message read from the digest stream. */
    public record StreamMessage(long streamSeq, String digestId, int part, int parts, String msgId, byte[] payload,
                         long receivedNanos) {
    }

    private final String inputStream;
    /** user → alarm → every accepted event (redeliveries included), in the order they were accepted. */
    private final Map<String, Map<String, List<Event>>> events = new HashMap<>();
    /** Per quiet request, how many events of each of its user's alarms were accepted before it. */
    private final Map<Long, Map<String, Integer>> quietMarks = new HashMap<>();
    /** input stream sequence → user. */
    private final Map<Long, String> requests = new HashMap<>();
    private final Map<Long, Long> requestAcceptedNanos = new HashMap<>();
    private final Set<Long> quietRequests = new HashSet<>();
    /** Users with a request whose publish had to be retried: a retry the stream no longer recognised is stored
     *  again under another sequence, so a digest answering an unknown sequence of theirs is ambiguous, not wrong. */
    private final Set<String> retriedRequestUsers = new HashSet<>();
    private final List<StreamMessage> stream = new ArrayList<>();

    public Oracle(String inputStream) {
        this.inputStream = inputStream;
    }

    public synchronized void eventAccepted(Event event) {
        events.computeIfAbsent(event.user(), u -> new HashMap<>())
            .computeIfAbsent(event.alarm(), a -> new ArrayList<>()).add(event);
    }

    /** A request the input stream stored under {@code seq}; {@code quiet}: sent at a quiet point. */
    public synchronized void requestAccepted(long seq, String user, boolean quiet) {
        String earlier = requests.putIfAbsent(seq, user);
        if (earlier != null && !earlier.equals(user)) {
            throw new IllegalStateException("stream sequence " + seq + " acknowledged for two users");
        }
        requestAcceptedNanos.putIfAbsent(seq, System.nanoTime());
        if (quiet && quietRequests.add(seq)) {
            Map<String, Integer> counts = new HashMap<>();
            events.getOrDefault(user, Map.of()).forEach((alarm, list) -> counts.put(alarm, list.size()));
            quietMarks.put(seq, counts);
        }
    }

    /** A request of {@code user} got no publish acknowledgement in time and is published again. */
    public synchronized void requestRetried(String user) {
        retriedRequestUsers.add(user);
    }

    public synchronized void digestMessage(StreamMessage message) {
        stream.add(message);
    }

    /** Messages read from the digest stream so far (cheap, unlike the checks that assemble digests). */
    public synchronized int messagesRead() {
        return stream.size();
    }

    /** Accepted requests without a complete digest in the stream yet. */
    public synchronized int unansweredCount() {
        Set<Long> answered = new HashSet<>();
        for (Map.Entry<String, List<StreamMessage>> digest : assemble(new ArrayList<>())) {
            answered.add(sequenceOf(digest.getKey()));
        }
        return (int) requests.keySet().stream().filter(seq -> !answered.contains(seq)).count();
    }

    /** The parts (payloads) of the last complete digest answering a request of {@code user}, in part order. */
    public synchronized List<byte[]> lastDigest(String user) {
        List<byte[]> last = List.of();
        for (Map.Entry<String, List<StreamMessage>> digest : assemble(new ArrayList<>())) {
            Long seq = sequenceOf(digest.getKey());
            if (seq != null && user.equals(requests.get(seq))) {
                last = digest.getValue().stream().map(StreamMessage::payload).toList();
            }
        }
        return last;
    }

    /**
     * The first moment after {@code sinceNanos} at which a digest arrived for a request accepted after it, or -1:
     * when the service answered again after a fault.
     */
    public synchronized long firstAnswerAfter(long sinceNanos) {
        long first = -1;
        for (StreamMessage message : stream) {
            Long seq = sequenceOf(message.digestId());
            Long accepted = seq == null ? null : requestAcceptedNanos.get(seq);
            if (accepted != null && accepted > sinceNanos && message.receivedNanos() > sinceNanos
                && (first < 0 || message.receivedNanos() < first)) {
                first = message.receivedNanos();
            }
        }
        return first;
    }

    /**
     * The longest wait (request accepted → digest complete in the stream, in milliseconds) of the requests accepted
     * between {@code fromNanos} and {@code toNanos}: how long users waited because of a fault; -1 when none.
     */
    public synchronized long longestWait(long fromNanos, long toNanos) {
        long longest = -1;
        for (Map.Entry<Long, Long> wait : waitsMillis().entrySet()) {
            long accepted = requestAcceptedNanos.get(wait.getKey());
            if (accepted >= fromNanos && accepted < toNanos) {
                longest = Math.max(longest, wait.getValue());
            }
        }
        return longest;
    }

    /** Digest latencies (request accepted → last part read from the stream), in milliseconds, sorted. */
    public synchronized long[] latenciesMillis() {
        return waitsMillis().values().stream().mapToLong(Long::longValue).sorted().toArray();
    }

    /**
     * Digest latencies of the requests accepted between {@code fromNanos} and {@code toNanos} ({@link System#nanoTime}),
     * in milliseconds, sorted; requests not answered (yet) are not in it: {@link #unansweredCount} tells.
     */
    public synchronized long[] latenciesMillis(long fromNanos, long toNanos) {
        return waitsMillis().entrySet().stream().filter(wait -> {
            long accepted = requestAcceptedNanos.get(wait.getKey());
            return accepted >= fromNanos && accepted < toNanos;
        }).mapToLong(Map.Entry::getValue).sorted().toArray();
    }

    /** Accepted requests (answered or not) between {@code fromNanos} and {@code toNanos}. */
    public synchronized int requestsAccepted(long fromNanos, long toNanos) {
        return (int) requestAcceptedNanos.values().stream().filter(at -> at >= fromNanos && at < toNanos).count();
    }

    /** Per answered request (its stream sequence): from its acceptance to its digest's last part, in ms. */
    private Map<Long, Long> waitsMillis() {
        Map<String, Long> done = new HashMap<>();
        for (StreamMessage message : stream) {
            done.merge(message.digestId(), message.receivedNanos(), Math::max);
        }
        Map<Long, Long> waits = new HashMap<>();
        done.forEach((id, at) -> {
            Long seq = sequenceOf(id);
            Long accepted = seq == null ? null : requestAcceptedNanos.get(seq);
            if (accepted != null) {
                waits.put(seq, (at - accepted) / 1_000_000);
            }
        });
        return waits;
    }

    /** What {@link #verify} found. */
    public record Verdict(List<String> failures, int requests, int digests, int secondDigests, int duplicatesInStream,
                   int listedAlarms, int quietDigests, int alarmsPendingAtQuietPoint, int events, int unanswered,
                   int lostAtQuietPoint, int unjustified, int ambiguous, int splitDigests) {
        public boolean ok() {
            return failures.isEmpty();
        }

        public String summary() {
            return String.format("%,d events, %,d requests, %,d digests (%,d in several parts; %,d alarms listed), "
                    + "%,d unanswered, %,d second digests, %,d duplicates in the stream, %,d unjustified listings, "
                    + "quiet point: %,d digests holding %,d pending alarms, %,d lost, %,d ambiguous (a retried request "
                    + "stored twice), %d failures", events, requests, digests, splitDigests, listedAlarms, unanswered,
                secondDigests, duplicatesInStream, unjustified, quietDigests, alarmsPendingAtQuietPoint,
                lostAtQuietPoint, ambiguous,
                failures.size());
        }
    }

    /** Checks everything read so far against everything sent (see the class comment). */
    public synchronized Verdict verify() {
        List<String> failures = new ArrayList<>();
        Set<String> msgIds = new HashSet<>();
        int duplicatesInStream = 0;
        for (StreamMessage message : stream) {
            if (!msgIds.add(message.msgId())) {
                duplicatesInStream++;
                fail(failures, "the digest stream holds " + message.msgId() + " twice");
            }
        }
        List<Map.Entry<String, List<StreamMessage>>> digests = assemble(failures);
        int secondDigests = 0;
        int ambiguous = 0;
        Map<Long, String> answered = new HashMap<>();
        Map<String, String> userOfUnknown = new HashMap<>();
        String identityPrefix = null;
        for (Map.Entry<String, List<StreamMessage>> digest : digests) {
            String id = digest.getKey();
            Long seq = sequenceOf(id);
            String prefix = seq == null ? id : id.substring(0, id.lastIndexOf(':'));
            identityPrefix = identityPrefix == null ? prefix : identityPrefix;
            if (seq == null || !requests.containsKey(seq) || !prefix.equals(identityPrefix)) {
                // Its user, from the payload, so that its delivery marks still count below.
                String user = userIn(digest.getValue().get(0));
                userOfUnknown.put(id, user);
                if (prefix.equals(identityPrefix) && retriedRequestUsers.contains(user)) {
                    ambiguous++;
                } else {
                    secondDigests++;
                    fail(failures, "digest " + id + " (user " + user + ") answers no request that was sent");
                }
            } else if (answered.put(seq, id) != null) {
                secondDigests++;
                fail(failures, "request " + seq + " was answered twice");
            }
        }
        int unanswered = 0;
        for (Long seq : requests.keySet()) {
            if (!answered.containsKey(seq)) {
                unanswered++;
                fail(failures, "request " + seq + " of user " + requests.get(seq) + " got no digest");
            }
        }

        // Each digest in stream order: well formed, justified, and exact at the quiet point.
        Map<String, Map<String, Listed>> delivered = new HashMap<>();
        int listedAlarms = 0;
        int quietDigests = 0;
        int pendingAtQuietPoint = 0;
        int lost = 0;
        int unjustified = 0;
        for (Map.Entry<String, List<StreamMessage>> digest : digests) {
            Long seq = sequenceOf(digest.getKey());
            String user = seq != null && requests.containsKey(seq) ? requests.get(seq)
                : userOfUnknown.get(digest.getKey());
            if (user == null) {
                continue;
            }
            List<Listed> listed = read(digest.getKey(), user, digest.getValue(), failures);
            if (listed == null) {
                continue;
            }
            listedAlarms += listed.size();
            Map<String, List<Event>> alarms = events.getOrDefault(user, Map.of());
            Map<String, Listed> before = delivered.computeIfAbsent(user, u -> new HashMap<>());
            if (seq != null && quietRequests.contains(seq)) {
                List<Listed> expected = pending(acceptedBefore(alarms, quietMarks.get(seq)), before);
                quietDigests++;
                pendingAtQuietPoint += expected.size();
                Set<Listed> missing = new HashSet<>(expected);
                listed.forEach(missing::remove);
                lost += missing.size();
                if (!expected.equals(listed)) {
                    fail(failures, "quiet-point digest " + digest.getKey() + " of user " + user
                        + " should hold exactly " + expected + " but holds " + listed);
                }
            }
            for (Listed alarm : listed) {
                unjustified += justify(user, alarm, alarms.getOrDefault(alarm.alarm(), List.of()),
                    before.get(alarm.alarm()), digest.getKey(), failures) ? 0 : 1;
                before.put(alarm.alarm(), alarm);
            }
        }
        int eventCount = events.values().stream().flatMap(m -> m.values().stream()).mapToInt(List::size).sum();
        return new Verdict(failures, requests.size(), digests.size(), secondDigests, duplicatesInStream,
            listedAlarms, quietDigests, pendingAtQuietPoint, eventCount, unanswered, lost, unjustified, ambiguous,
            (int) digests.stream().filter(d -> d.getValue().size() > 1).count());
    }

    /** The events of one user that were accepted before a quiet request: {@code counts} per alarm. */
    private static Map<String, List<Event>> acceptedBefore(Map<String, List<Event>> alarms,
                                                           Map<String, Integer> counts) {
        Map<String, List<Event>> before = new HashMap<>();
        counts.forEach((alarm, count) -> before.put(alarm, alarms.get(alarm).subList(0, count)));
        return before;
    }

    /** What a digest must hold when every event is in: the active alarms never delivered or changed since. */
    private static List<Listed> pending(Map<String, List<Event>> alarms, Map<String, Listed> delivered) {
        List<Event> current = new ArrayList<>();
        for (Map.Entry<String, List<Event>> alarm : alarms.entrySet()) {
            Event latest = alarm.getValue().stream().max(Oracle::byVersion).orElseThrow();
            if (latest.severity() == 0) {
                continue;
            }
            Listed last = delivered.get(alarm.getKey());
            if (last == null || changedSince(alarm.getValue(), last)) {
                current.add(latest);
            }
        }
        current.sort(Comparator.comparing(Event::at).thenComparing(e -> e.alarm().getBytes(StandardCharsets.UTF_8),
            Arrays::compareUnsigned));
        return current.stream().map(e -> new Listed(e.alarm(), e.status(), goRfc3339Nano(e.at()))).toList();
    }

    /** Contract rule 2: an event of a higher version than the delivered one carried another status. */
    private static boolean changedSince(List<Event> alarm, Listed last) {
        Instant lastAt = Instant.parse(last.latestChangedAt());
        return alarm.stream().anyMatch(e -> e.compareVersion(lastAt, last.status()) > 0
            && !e.status().equals(last.status()));
    }

    /** Whether a listing is justified by the events sent; a failure when not. */
    private static boolean justify(String user, Listed listed, List<Event> sent, Listed before, String digestId,
                                   List<String> failures) {
        Instant at = Instant.parse(listed.latestChangedAt());
        boolean sentSo = sent.stream().anyMatch(e -> e.status().equals(listed.status()) && e.at().equals(at));
        if (!sentSo) {
            fail(failures, "digest " + digestId + " lists " + listed + " for user " + user
                + ", but no such event was sent");
            return false;
        }
        if (before != null) {
            Instant beforeAt = Instant.parse(before.latestChangedAt());
            Event now = new Event(user, listed.alarm(), listed.status(), at);
            boolean newer = now.compareVersion(beforeAt, before.status()) > 0;
            boolean changed = sent.stream().anyMatch(e -> e.compareVersion(beforeAt, before.status()) > 0
                && e.compareVersion(at, listed.status()) <= 0 && !e.status().equals(before.status()));
            if (!newer || !changed) {
                fail(failures, "digest " + digestId + " repeats " + listed + " for user " + user
                    + " without a change since it delivered " + before);
                return false;
            }
        }
        return true;
    }

    /** Reads the parts of one digest; null (and a failure) when they are not a well-formed digest. */
    private static List<Listed> read(String id, String user, List<StreamMessage> parts, List<String> failures) {
        List<Listed> listed = new ArrayList<>();
        for (StreamMessage part : parts) {
            JsonNode digest;
            try {
                digest = JSON.readTree(part.payload());
            } catch (IOException e) {
                fail(failures, "digest " + id + " part " + part.part() + " is not JSON: " + e.getMessage());
                return null;
            }
            if (!fieldNames(digest).equals(List.of("UserID", "ActiveAlarms"))
                || !digest.get("UserID").isTextual() || !digest.get("ActiveAlarms").isArray()) {
                fail(failures, "digest " + id + " is not shaped as the contract says: " + digest);
                return null;
            }
            if (!user.equals(digest.get("UserID").textValue())) {
                fail(failures, "digest " + id + " is for " + digest.get("UserID") + ", the request for " + user);
                return null;
            }
            for (JsonNode alarm : digest.get("ActiveAlarms")) {
                if (!fieldNames(alarm).equals(List.of("AlarmID", "Status", "LatestChangedAt"))
                    || !alarm.get("AlarmID").isTextual() || !alarm.get("Status").isTextual()
                    || !alarm.get("LatestChangedAt").isTextual()) {
                    fail(failures, "digest " + id + " holds an alarm not shaped as the contract says: " + alarm);
                    return null;
                }
                listed.add(new Listed(alarm.get("AlarmID").textValue(), alarm.get("Status").textValue(),
                    alarm.get("LatestChangedAt").textValue()));
            }
        }
        Set<String> seen = new HashSet<>();
        Listed previous = null;
        for (Listed alarm : listed) {
            if (!alarm.status().equals("WARNING") && !alarm.status().equals("CRITICAL")) {
                fail(failures, "digest " + id + " lists an alarm that is not active: " + alarm);
            }
            Instant at;
            try {
                at = Instant.parse(alarm.latestChangedAt());
            } catch (RuntimeException e) {
                fail(failures, "digest " + id + " holds a time that is not RFC 3339 UTC: " + alarm);
                return null;
            }
            if (!goRfc3339Nano(at).equals(alarm.latestChangedAt())) {
                fail(failures, "digest " + id + " writes " + alarm.latestChangedAt() + " where Go writes "
                    + goRfc3339Nano(at));
            }
            if (!seen.add(alarm.alarm())) {
                fail(failures, "digest " + id + " lists alarm " + alarm.alarm() + " twice");
            }
            if (previous != null && compareListed(previous, alarm) >= 0) {
                fail(failures, "digest " + id + " is not sorted oldest first (ties by AlarmID): " + previous
                    + " before " + alarm);
            }
            previous = alarm;
        }
        return listed;
    }

    private static int compareListed(Listed a, Listed b) {
        int byTime = Instant.parse(a.latestChangedAt()).compareTo(Instant.parse(b.latestChangedAt()));
        return byTime != 0 ? byTime : Arrays.compareUnsigned(a.alarm().getBytes(StandardCharsets.UTF_8),
            b.alarm().getBytes(StandardCharsets.UTF_8));
    }

    /** The digests in order of their first part in the stream; parts checked for number, count and order. */
    private List<Map.Entry<String, List<StreamMessage>>> assemble(List<String> failures) {
        Map<String, TreeMap<Integer, StreamMessage>> byId = new LinkedHashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        for (StreamMessage message : stream) {
            byId.computeIfAbsent(message.digestId(), id -> new TreeMap<>()).putIfAbsent(message.part(), message);
            Integer count = counts.putIfAbsent(message.digestId(), message.parts());
            if (count != null && count != message.parts()) {
                fail(failures, "digest " + message.digestId() + " gives two part counts: " + count + ", "
                    + message.parts());
            }
            if (!message.msgId().equals(message.digestId() + "#" + message.part())) {
                fail(failures, "digest " + message.digestId() + " part " + message.part() + " has Nats-Msg-Id "
                    + message.msgId());
            }
        }
        List<Map.Entry<String, List<StreamMessage>>> complete = new ArrayList<>();
        for (Map.Entry<String, TreeMap<Integer, StreamMessage>> digest : byId.entrySet()) {
            int parts = counts.get(digest.getKey());
            long previous = 0;
            for (StreamMessage part : digest.getValue().values()) {
                if (part.streamSeq() < previous) {
                    fail(failures, "digest " + digest.getKey() + " part " + part.part() + " was published before "
                        + "the part ahead of it");
                }
                previous = part.streamSeq();
            }
            if (digest.getValue().size() == parts && digest.getValue().firstKey() == 1
                && digest.getValue().lastKey() == parts) {
                complete.add(Map.entry(digest.getKey(), new ArrayList<>(digest.getValue().values())));
            }
        }
        return complete;
    }

    /** The request sequence a Digest-Id names ({@code <stream>:<created>:<seq>}), or null. */
    private Long sequenceOf(String digestId) {
        if (!digestId.startsWith(inputStream + ":")) {
            return null;
        }
        try {
            return Long.parseLong(digestId.substring(digestId.lastIndexOf(':') + 1));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The UserID a digest part names, or null when it has none. */
    private static String userIn(StreamMessage part) {
        try {
            JsonNode user = JSON.readTree(part.payload()).get("UserID");
            return user == null ? null : user.asText();
        } catch (IOException e) {
            return null;
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        if (node.isObject()) {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
        }
        return names;
    }

    private static int byVersion(Event a, Event b) {
        return a.compareVersion(b.at(), b.status());
    }

    /** Go's time.RFC3339Nano in UTC: the fraction without trailing zeros, none when zero. */
    public static String goRfc3339Nano(Instant at) {
        String iso = DateTimeFormatter.ISO_INSTANT.format(at); // fraction in groups of three digits, or none
        int dot = iso.indexOf('.');
        if (dot < 0) {
            return iso;
        }
        String fraction = iso.substring(dot + 1, iso.length() - 1).replaceAll("0+$", "");
        return iso.substring(0, dot) + (fraction.isEmpty() ? "" : "." + fraction) + "Z";
    }

    private static final int FAILURES_SHOWN = 30;

    private static void fail(List<String> failures, String failure) {
        if (failures.size() < FAILURES_SHOWN) {
            failures.add(failure);
        } else if (failures.size() == FAILURES_SHOWN) {
            failures.add("… more failures left out");
        }
    }
}
