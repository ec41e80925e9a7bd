package io.alarmdigest.reliability;

import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run against a started service, through NATS only: publishes (and tells the oracle what was accepted), reads
 * the digest stream, and brings the run to a quiet point (everything published accepted, then one request per user,
 * every request answered) before the oracle's verdict.
 */
public final class Run implements AutoCloseable {
    public static final String INPUT_STREAM = "ALARM_DIGEST_INPUT";
    public static final String DIGEST_STREAM = "ALARM_DIGEST_OUTPUT";
    public static final String DIGEST_SUBJECT = "AlarmDigest";

    /**
     * The client's default listener logs every flow-control exchange of the digest tap's ordered consumer; only
     * what went wrong is worth a line here.
     */
    private static final ErrorListener QUIET = new ErrorListener() {
        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
            LOG.debug("NATS client: {}", exp.toString());
        }

        @Override
        public void heartbeatAlarm(Connection conn, JetStreamSubscription sub, long lastStreamSequence,
                                   long lastConsumerSequence) {
            LOG.info("digest tap missed heartbeats after stream sequence {}; the ordered consumer resumes",
                lastStreamSequence);
        }
    };
    private static final Logger LOG = LoggerFactory.getLogger(Run.class);

    private final Connection connection;
    private final Oracle oracle = new Oracle(INPUT_STREAM);
    private final Publisher publisher;
    private final DigestTap tap;
    private final List<Long> faults = new ArrayList<>();
    private final List<String> faultNames = new ArrayList<>();
    private final List<String> witnesses = new ArrayList<>();
    private final long started = System.nanoTime();

    public Run(String natsUrl, String runId) throws Exception {
        connection = Nats.connect(Options.builder().server(natsUrl).maxReconnects(-1)
            .reconnectWait(Duration.ofMillis(250)).errorListener(QUIET).connectionName("reliability-" + runId).build());
        publisher = new Publisher(connection, oracle, runId);
        tap = new DigestTap(connection, DIGEST_STREAM, DIGEST_SUBJECT, oracle);
    }

    public Oracle oracle() {
        return oracle;
    }

    public Publisher publisher() {
        return publisher;
    }

    /** Publishes the workload at {@code perSecond} for {@code duration} on another thread. */
    public CompletableFuture<Long> loadInBackground(Workload workload, double perSecond, Duration duration) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                done.complete(publisher.run(workload, perSecond, duration));
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, "load");
        thread.setDaemon(true);
        thread.start();
        return done;
    }

    /**
     * Sends one active event for each of {@code alarms} new alarms of a new user, who gets no request before the
     * quiet point: each of these alarms must be in that user's quiet-point digest. Sent right before and right
     * after a fault, they catch a loss that later events of a busy alarm would hide.
     */
    public void witness(Workload workload, String label, int alarms) throws InterruptedException {
        String user = "witness-" + label + "-" + witnesses.size();
        witnesses.add(user);
        Instant at = Instant.now();
        for (int i = 0; i < alarms; i++) {
            publisher.publish(workload.event(user, "witnessed-" + i, i % 2 == 0 ? "WARNING" : "CRITICAL",
                at.plusMillis(i)), false);
        }
    }

    /** Marks the moment of a fault; its recovery time is measured from here. */
    public void fault(String name) {
        faults.add(System.nanoTime());
        faultNames.add(name);
    }

    /**
     * The quiet point: every message published so far acknowledged by the input stream, then one request per user
     * (and per witness), sent at once — nothing waits for the service to catch up, because a request must meet
     * exactly the events stored before it whatever the backlog (contract rule 3); then waits until every request
     * has its digest. Each of the two waits may take up to {@code timeout}.
     */
    public void quietRound(Collection<String> users, Workload workload, Duration timeout) throws Exception {
        publisher.awaitAccepted(timeout);
        Set<String> everyone = new LinkedHashSet<>(users);
        everyone.addAll(witnesses);
        // Nothing else is published now: the oracle's snapshot of what each request must reflect is exact.
        for (String user : everyone) {
            publisher.publish(workload.request(user), true);
        }
        publisher.awaitAccepted(timeout);
        awaitAnswers(timeout);
    }

    /**
     * Waits until every accepted request has a complete digest in the stream, then until the tap has read every
     * message the digest stream holds by then (the oracle has seen all of them). What the service has not published
     * yet is not waited for: a digest written twice is found in Kafka by {@link #outcome}. Past {@code timeout}
     * it returns all the same: the oracle's verdict names what is missing.
     */
    public void awaitAnswers(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (oracle.unansweredCount() > 0 && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(200);
        }
        long last = -1;
        while (System.nanoTime() < deadline && (last < 0 || tap.lastSequence() < last)) {
            if (last < 0) {
                last = digestStreamLastSequence();
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    /** The digest stream's last sequence, or -1 while NATS does not answer (a reconnection). */
    private long digestStreamLastSequence() {
        try {
            return connection.jetStreamManagement().getStreamInfo(DIGEST_STREAM).getStreamState().getLastSequence();
        } catch (IOException | JetStreamApiException e) {
            LOG.info("digest stream info not answered yet: {}", e.toString());
            return -1;
        }
    }

    /** What the run found: the oracle's verdict and the figures around it. */
    public Outcome outcome(String scenario, String bootstrap) {
        Oracle.Verdict verdict = oracle.verify();
        int computedTwice = DigestTopic.partsWrittenTwice(bootstrap, Duration.ofMinutes(1));
        InputTopic.Copies input = InputTopic.judge(bootstrap, Duration.ofMinutes(2));
        List<Long> firstAnswers = new ArrayList<>();
        List<Long> longestWaits = new ArrayList<>();
        for (int i = 0; i < faults.size(); i++) {
            long fault = faults.get(i);
            long answered = oracle.firstAnswerAfter(fault);
            firstAnswers.add(answered < 0 ? -1 : (answered - fault) / 1_000_000);
            // Requests in flight at the fault and those that came before the next one.
            long until = i + 1 < faults.size() ? faults.get(i + 1) : Long.MAX_VALUE;
            longestWaits.add(oracle.longestWait(fault - TimeUnit.SECONDS.toNanos(5), until));
        }
        return new Outcome(scenario, List.copyOf(faultNames), verdict, publisher.accepted(), publisher.retried(),
            tap.copiesOnSubject(), computedTwice, input, witnesses.size(), firstAnswers, longestWaits,
            oracle.latenciesMillis(), Duration.ofNanos(System.nanoTime() - started));
    }

    @Override
    public void close() throws Exception {
        tap.close();
        publisher.close();
        connection.close();
    }

    /**
     * One scenario's figures, as the report shows them. {@code firstAnswerMillis}: per fault, until the first
     * digest for a request accepted after it; {@code longestWaitMillis}: per fault, the longest a request accepted
     * from 5 s before it until the next fault waited for its digest (every partition back at work).
     */
    public record Outcome(String scenario, List<String> faults, Oracle.Verdict verdict, long accepted, long publishRetries,
                   long copiesOnSubject, int computedTwice, InputTopic.Copies input, int witnessUsers,
                   List<Long> firstAnswerMillis, List<Long> longestWaitMillis, long[] latenciesMillis, Duration took) {
        public long percentile(double p) {
            if (latenciesMillis.length == 0) {
                return -1;
            }
            return latenciesMillis[(int) Math.min(latenciesMillis.length - 1, Math.ceil(p * latenciesMillis.length) - 1)];
        }

        /**
         * The oracle's verdict holds, no stream message was copied twice or out of order into the input topic, and
         * no digest part was committed twice in Kafka.
         */
        public boolean ok() {
            return verdict.ok() && computedTwice == 0 && input.copiedTwice() == 0 && input.outOfOrder() == 0;
        }

        public String describe() {
            return scenario + ": " + verdict.summary() + "; input topic: " + input.records() + " records, "
                + input.copiedTwice() + " stream messages copied twice, " + input.outOfOrder() + " out of stream "
                + "order; " + computedTwice + " digest parts committed twice in Kafka; " + witnessUsers + " witness users; faults " + faults + ", first answer after "
                + firstAnswerMillis + " ms, longest wait " + longestWaitMillis + " ms; " + copiesOnSubject + " re-publications seen on the subject; " + publishRetries
                + " publish retries; digest latency p50/p99/max " + percentile(0.5) + "/" + percentile(0.99) + "/"
                + percentile(1.0) + " ms; took " + took.toSeconds() + " s"
                + (verdict.ok() ? "" : "\n  " + String.join("\n  ", verdict.failures()));
        }
    }
}
