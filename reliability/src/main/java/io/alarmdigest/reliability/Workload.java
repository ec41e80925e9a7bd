package io.alarmdigest.reliability;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;

/**
 * A seeded stream of what the alarm service and the digest scheduler publish: status changes of U users × A alarms
 * with a share out of order (an older {@code ChangedAt} than the alarm's latest), a share sent twice (as a
 * redelivery would), a share tied on {@code ChangedAt} with another status, and digest requests interleaved. Times
 * come with every offset and precision the contract allows; names and statuses sometimes in another case.
 */
public final class Workload {
    /**
     * One message to publish: a status change ({@code event} set), a digest request ({@code user} set), or bad input
     * (neither), which the oracle does not expect to change anything.
     */
    public record Message(String subject, byte[] payload, String user, Oracle.Event event) {
        public boolean isRequest() {
            return event == null && user != null;
        }

        public boolean isBad() {
            return event == null && user == null;
        }

        public static Message bad(String subject, byte[] payload) {
            return new Message(subject, payload, null, null);
        }
    }

    public static final String STATUS_SUBJECT = "AlarmStatusChanged";
    public static final String REQUEST_SUBJECT = "SendAlarmDigest";
    private static final String[] STATUSES = {"CLEARED", "WARNING", "CRITICAL"};
    private static final String[] OFFSETS = {"Z", "+02:00", "-05:30", "+00:00", "+14:00"};
    private static final int HISTORY = 2_000;

    private final Random random;
    private final List<String> users = new ArrayList<>();
    private final String[][] alarms;
    private final Instant[][] latest;
    private final String[][] latestStatus;
    /** Index of each user's first alarm when all alarms are numbered in a row (one more entry: the total). */
    private final int[] firstAlarmOf;
    private final List<Message> history = new ArrayList<>();
    private final double requestShare;
    private final int bigUsers;
    /** {@link #next} picks among the first {@code active} users only (all by default). */
    private int active;

    public Workload(long seed, int userCount, int alarmsPerUser, double requestShare) {
        this(seed, userCount, alarmsPerUser, requestShare, 0, 0);
    }

    /**
     * {@code bigUsers} more users with {@code alarmsPerBigUser} alarms each, whose digests run into several parts.
     * Status changes pick an alarm at random, so a user's share of them follows their number of alarms.
     */
    public Workload(long seed, int userCount, int alarmsPerUser, double requestShare, int bigUsers, int alarmsPerBigUser) {
        this.random = new Random(seed);
        this.requestShare = requestShare;
        this.bigUsers = bigUsers;
        int all = userCount + bigUsers;
        this.alarms = new String[all][];
        this.latest = new Instant[all][];
        this.latestStatus = new String[all][];
        this.firstAlarmOf = new int[all + 1];
        this.active = all;
        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        for (int u = 0; u < all; u++) {
            int count = u < userCount ? alarmsPerUser : alarmsPerBigUser;
            alarms[u] = new String[count];
            latest[u] = new Instant[count];
            latestStatus[u] = new String[count];
            firstAlarmOf[u + 1] = firstAlarmOf[u] + count;
            users.add(uuid());
            for (int a = 0; a < count; a++) {
                // Some IDs outside ASCII, so that the tie-break by UTF-8 bytes is exercised.
                alarms[u][a] = random.nextInt(10) == 0 ? "alarm-ä€-" + a + "-" + uuid().substring(0, 8) : uuid();
                latest[u][a] = start.minusSeconds(random.nextInt(600));
                latestStatus[u][a] = STATUSES[0];
            }
        }
    }

    public List<String> users() {
        return users;
    }

    /** From now on {@link #next} picks among the first {@code count} users (for a state that grows). */
    public void limitTo(int count) {
        if (count < 1 || count > users.size()) {
            throw new IllegalArgumentException("between 1 and " + users.size() + " users, not " + count);
        }
        this.active = count;
    }

    public int alarmsOf(int user) {
        return alarms[user].length;
    }

    /**
     * A status change that makes alarm {@code alarm} of user {@code user} active and changed: WARNING or CRITICAL,
     * whichever it is not now, a millisecond after its latest change. In order, so its next digest must list it.
     */
    public Message raise(int user, int alarm) {
        Instant at = latest[user][alarm].plusMillis(1);
        String status = "WARNING".equals(latestStatus[user][alarm]) ? "CRITICAL" : "WARNING";
        latest[user][alarm] = at;
        latestStatus[user][alarm] = status;
        return event(users.get(user), alarms[user][alarm], status, at);
    }

    /** The next message: mostly status changes, {@code requestShare} digest requests. */
    public Message next() {
        double roll = random.nextDouble();
        if (roll < requestShare) {
            // A few requests more for the big users, so that they come often enough to be hit by faults and
            // seldom enough for their digests to hold several parts' worth of changes.
            boolean big = bigUsers > 0 && random.nextInt(100) == 0;
            return request(users.get(big ? users.size() - 1 - random.nextInt(bigUsers)
                : random.nextInt(active)));
        }
        if (roll < requestShare + 0.05 && !history.isEmpty()) {
            return history.get(random.nextInt(history.size())); // sent again, as a redelivery
        }
        int pick = random.nextInt(firstAlarmOf[active]);
        int found = Arrays.binarySearch(firstAlarmOf, pick);
        int u = found >= 0 ? found : -found - 2;
        while (alarms[u].length == 0 || pick >= firstAlarmOf[u + 1]) {
            u++;
        }
        int a = pick - firstAlarmOf[u];
        Instant previous = latest[u][a];
        Instant at;
        String status = STATUSES[random.nextInt(3)];
        double order = random.nextDouble();
        if (order < 0.10) {
            at = withPrecision(previous.minusMillis(1 + random.nextInt(5_000))); // out of order: older than the latest
        } else if (order < 0.13) {
            at = previous; // tied with the latest: severity decides
            status = STATUSES[(Arrays.asList(STATUSES).indexOf(latestStatus[u][a]) + 1 + random.nextInt(2)) % 3];
        } else {
            at = withPrecision(previous.plusMillis(1 + random.nextInt(3_000)).plusNanos(random.nextInt(1_000_000)));
        }
        if (at.isAfter(latest[u][a])) {
            latest[u][a] = at;
            latestStatus[u][a] = status;
        }
        Message event = event(users.get(u), alarms[u][a], status, at);
        if (history.size() < HISTORY) {
            history.add(event);
        } else {
            history.set(random.nextInt(HISTORY), event);
        }
        return event;
    }

    public Message request(String user) {
        String name = random.nextInt(20) == 0 ? "userId" : "UserID";
        return new Message(REQUEST_SUBJECT, ("{\"" + name + "\":\"" + user + "\"}").getBytes(StandardCharsets.UTF_8),
            user, null);
    }

    /** A status change as a producer would write it (field names and status in any case, any offset). */
    public Message event(String user, String alarm, String status, Instant at) {
        boolean oddCase = random.nextInt(20) == 0;
        String statusText = oddCase ? status.toLowerCase(Locale.ROOT) : status;
        String extra = random.nextInt(30) == 0 ? ",\"Source\":{\"agent\":\"a-7\",\"tags\":[1,2]}" : "";
        String json = "{\"" + (oddCase ? "alarmId" : "AlarmID") + "\":\"" + alarm + "\",\""
            + (oddCase ? "userid" : "UserID") + "\":\"" + user + "\",\"Status\":\"" + statusText
            + "\",\"ChangedAt\":\"" + rfc3339(at) + "\"" + extra + "}";
        return new Message(STATUS_SUBJECT, json.getBytes(StandardCharsets.UTF_8), user,
            new Oracle.Event(user, alarm, status, at));
    }

    /** Seconds, milliseconds or nanoseconds, as different producers send them. */
    private Instant withPrecision(Instant at) {
        int roll = random.nextInt(10);
        return roll < 2 ? at.truncatedTo(ChronoUnit.SECONDS) : roll < 5 ? at.truncatedTo(ChronoUnit.MILLIS) : at;
    }

    /** The instant written with a random offset, and lower-case separators now and then (RFC 3339 §5.6). */
    private String rfc3339(Instant at) {
        String offset = OFFSETS[random.nextInt(OFFSETS.length)];
        ZoneOffset zone = offset.equals("Z") ? ZoneOffset.UTC : ZoneOffset.of(offset);
        String local = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss", Locale.ROOT).format(at.atOffset(zone));
        String fraction = at.getNano() == 0 ? "" : "." + String.format(Locale.ROOT, "%09d", at.getNano());
        if (!fraction.isEmpty() && random.nextBoolean()) {
            fraction = fraction.replaceAll("0+$", "");
        }
        String text = local + fraction + offset;
        return random.nextInt(50) == 0 ? text.toLowerCase(Locale.ROOT) : text;
    }

    private String uuid() {
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }
}
