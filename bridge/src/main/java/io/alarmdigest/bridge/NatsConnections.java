package io.alarmdigest.bridge;

import io.alarmdigest.logging.RateLimitedLog;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.support.Status;
import java.io.IOException;
import java.net.URI;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects to NATS the one way every client of the service does (the bridges, {@code publish}, {@code watch}): every
 * configured server, reconnecting for ever with jittered
 * backoff, credentials from the settings, a listener that logs connection changes and a rate-limited error
 * listener. Secrets never reach the log: URLs are logged without their user info.
 */
public final class NatsConnections {
    private static final Logger LOG = LoggerFactory.getLogger(NatsConnections.class);
    private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration RECONNECT_WAIT = Duration.ofSeconds(1);
    private static final Duration RECONNECT_JITTER = Duration.ofMillis(500);
    /** Messages published while disconnected are buffered up to this size, then publishing fails. */
    private static final long RECONNECT_BUFFER_BYTES = 8L * 1024 * 1024;

    private NatsConnections() {
    }

    /**
     * Connects, waiting while no server answers: the first connection is retried like a reconnection.
     *
     * @param role named in the connection name and the logs, e.g. {@code ingress}
     */
    public static Connection connect(NatsSettings config, String role) throws IOException, InterruptedException {
        Options options = options(config, role);
        LOG.info("Connecting {} to NATS at {}", role, redacted(config));
        return Nats.connectReconnectOnConnect(options);
    }

    static Options options(NatsSettings config, String role) {
        RateLimitedLog errors = new RateLimitedLog(LOG);
        Options.Builder builder = new Options.Builder()
            .servers(config.urls().toArray(new String[0]))
            .connectionName(config.connectionName() + "-" + role)
            .connectionTimeout(CONNECTION_TIMEOUT)
            .maxReconnects(-1)
            .reconnectWait(RECONNECT_WAIT)
            .reconnectJitter(RECONNECT_JITTER)
            .reconnectBufferSize(RECONNECT_BUFFER_BYTES)
            .connectionListener(new Listener(role))
            .errorListener(new Errors(role, errors));
        if (config.user() != null) {
            builder.userInfo(config.user().toCharArray(), config.password().value().toCharArray());
        }
        if (config.token() != null) {
            builder.token(config.token().value().toCharArray());
        }
        if (config.credsFile() != null) {
            builder.authHandler(Nats.credentials(config.credsFile()));
        }
        if (config.tls()) {
            try {
                builder.secure();
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("TLS to NATS (" + NatsSettings.TLS + ") is not available in this "
                    + "JVM: " + e.getMessage(), e);
            }
        }
        return builder.build();
    }

    /** The server URLs as they may be logged: without user and password. */
    public static String redacted(NatsSettings config) {
        return config.urls().stream().map(NatsConnections::redact).collect(Collectors.joining(","));
    }

    static String redact(String url) {
        try {
            String trimmed = url.trim();
            // "user:pass@host:4222" without a scheme parses as an opaque URI, hiding its user info: add one.
            URI uri = URI.create(trimmed.contains("://") ? trimmed : "nats://" + trimmed);
            return uri.getUserInfo() == null ? trimmed
                : new URI(uri.getScheme(), "***", uri.getHost(), uri.getPort(), uri.getPath(), null, null).toString();
        } catch (Exception e) {
            return "(a URL that does not parse)";
        }
    }

    private static final class Listener implements ConnectionListener {
        private final String role;

        Listener(String role) {
            this.role = role;
        }

        @Override
        public void connectionEvent(Connection connection, Events event) {
            switch (event) {
                case CONNECTED, RECONNECTED, RESUBSCRIBED ->
                    LOG.info("NATS {} {} ({})", role, event.getEvent(), redact(String.valueOf(connection.getConnectedUrl())));
                case DISCONNECTED -> LOG.warn("NATS {} disconnected; reconnecting for ever", role);
                case CLOSED -> LOG.info("NATS {} connection closed", role);
                default -> LOG.debug("NATS {} {}", role, event.getEvent());
            }
        }
    }

    private static final class Errors implements ErrorListener {
        private final String role;
        private final RateLimitedLog log;

        Errors(String role, RateLimitedLog log) {
            this.role = role;
            this.log = log;
        }

        @Override
        public void errorOccurred(Connection connection, String error) {
            log.warn("error", "NATS {} error: {}", role, error);
        }

        @Override
        public void exceptionOccurred(Connection connection, Exception exception) {
            log.warn("exception", "NATS {} exception: {}", role, exception.toString());
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
    }
}
