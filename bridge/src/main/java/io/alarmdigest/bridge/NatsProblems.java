package io.alarmdigest.bridge;

import io.alarmdigest.logging.RateLimitedLog;
import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.JetStreamSubscription;
import io.nats.client.support.Status;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What went wrong on one NATS connection, logged (rate-limited per kind) and kept: the last error of a connection
 * attempt, to tell why the first connection failed, and the last permission the server refused (a publish or a
 * subscription to a subject the user may not use), which retrying cannot mend, to name it in a start-up failure
 * and in the readiness check.
 */
public final class NatsProblems implements ErrorListener {
    private static final Logger LOG = LoggerFactory.getLogger(NatsProblems.class);
    private static final String PERMISSIONS_VIOLATION = "permissions violation";

    private final String role;
    private final RateLimitedLog log = new RateLimitedLog(LOG);
    private volatile String connectError;
    private volatile Exception connectException;
    private volatile String permissionDenied;
    /** Until the first connection, an error belongs to the attempt, which the connecting code reports whole. */
    private volatile boolean connected;

    public NatsProblems(String role) {
        this.role = role;
    }

    @Override
    public void errorOccurred(Connection connection, String error) {
        connectError = error;
        if (error != null && error.toLowerCase(Locale.ROOT).contains(PERMISSIONS_VIOLATION)) {
            permissionDenied = error;
            log.warn("permission", "NATS {}: the server refused a permission: {}. Grant it to this service's NATS "
                + "user (README, 'NATS permissions')", role, error);
            return;
        }
        if (!connected) {
            LOG.debug("NATS {} error while connecting: {}", role, NatsConnections.redactText(error));
            return;
        }
        log.warn("error", "NATS {} error: {}", role, NatsConnections.redactText(error));
    }

    @Override
    public void exceptionOccurred(Connection connection, Exception exception) {
        connectException = exception;
        if (!connected) {
            LOG.debug("NATS {} exception while connecting: {}", role, NatsConnections.redactText(exception.toString()));
            return;
        }
        log.warn("exception", "NATS {} exception: {}", role, NatsConnections.redactText(exception.toString()));
    }

    @Override
    public void heartbeatAlarm(Connection connection, JetStreamSubscription subscription, long lastStreamSequence,
                               long lastConsumerSequence) {
        log.warn("heartbeat", "NATS {} missed consumer heartbeats (stream seq {}); the pull is renewed", role,
            lastStreamSequence);
    }

    @Override
    public void pullStatusError(Connection connection, JetStreamSubscription subscription, Status status) {
        log.warn("pull", "NATS {} pull error: {}", role, status);
    }

    /** The last permission the server refused on this connection (its {@code -ERR} text, naming the subject), or null. */
    public String permissionDenied() {
        return permissionDenied;
    }

    /** The first connection is made: from now on every error is logged as it comes. */
    void connected() {
        connected = true;
    }

    void clearConnectFailure() {
        connectError = null;
        connectException = null;
    }

    /** What the server or the TLS layer said while the last connection attempt failed. */
    ConnectFailures.Seen connectFailure() {
        return new ConnectFailures.Seen(connectError, connectException);
    }
}
