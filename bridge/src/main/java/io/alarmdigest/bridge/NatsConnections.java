package io.alarmdigest.bridge;

import io.alarmdigest.logging.RateLimitedLog;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.NKey;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects to NATS the one way every client of the service does (the bridges, {@code publish}, {@code watch}): every
 * configured server, credentials and TLS from {@link NatsSettings}, reconnecting for ever with jittered backoff once
 * connected, a listener that logs connection changes and a rate-limited error listener ({@link NatsProblems}).
 * The first connection is tried until a server answers — NATS may start after the service — but a failure that
 * trying again cannot mend (credentials refused, a server certificate not trusted or not naming the host, the
 * client certificate refused, TLS wanted by one side only) ends it with a message that says which. Secrets never
 * reach the log: URLs are logged without their user info, passwords, tokens and seeds never.
 */
public final class NatsConnections {
    private static final Logger LOG = LoggerFactory.getLogger(NatsConnections.class);
    private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration RECONNECT_WAIT = Duration.ofSeconds(1);
    private static final Duration RECONNECT_JITTER = Duration.ofMillis(500);
    /** Longest wait between two tries of the first connection. */
    private static final Duration FIRST_CONNECT_BACKOFF_MAX = Duration.ofSeconds(5);
    /** Messages published while disconnected are buffered up to this size, then publishing fails. */
    private static final long RECONNECT_BUFFER_BYTES = 8L * 1024 * 1024;
    /** The user info of a URL in a text: {@code //user:password@}. */
    private static final Pattern USER_INFO = Pattern.compile("//[^/@\\s\\]\\[,]+@");

    private NatsConnections() {
    }

    /**
     * Connects, waiting while no server answers.
     *
     * @param role named in the connection name and the logs, e.g. {@code ingress}
     * @throws IllegalStateException saying what to fix when the failure is one that retrying cannot mend
     */
    public static Connection connect(NatsSettings config, String role) throws InterruptedException {
        return connect(config, role, new NatsProblems(role));
    }

    /** As {@link #connect(NatsSettings, String)}, the connection's errors and permission refusals kept in {@code problems}. */
    public static Connection connect(NatsSettings config, String role, NatsProblems problems)
        throws InterruptedException {
        return connect(config, role, problems, null);
    }

    /**
     * As {@link #connect(NatsSettings, String)}, for a command someone waits on: gives up once no server has answered
     * for {@code giveUpAfter}.
     *
     * @throws UnreachableException naming the servers tried and the last failure
     */
    public static Connection connect(NatsSettings config, String role, Duration giveUpAfter)
        throws InterruptedException {
        return connect(config, role, new NatsProblems(role), giveUpAfter);
    }

    private static Connection connect(NatsSettings config, String role, NatsProblems problems, Duration giveUpAfter)
        throws InterruptedException {
        Options options = options(config, role, problems);
        LOG.info("Connecting {} to NATS at {}", role, redacted(config));
        Backoff backoff = new Backoff(FIRST_CONNECT_BACKOFF_MAX);
        RateLimitedLog waiting = new RateLimitedLog(LOG);
        long deadline = giveUpAfter == null ? Long.MAX_VALUE : System.nanoTime() + giveUpAfter.toNanos();
        while (true) {
            problems.clearConnectFailure();
            try {
                Connection connection = Nats.connect(options);
                problems.connected();
                return connection;
            } catch (IOException e) {
                String permanent = ConnectFailures.permanent(e, problems.connectFailure(), config);
                if (permanent == null && config.usesTls()) {
                    // A refused client certificate reaches the client only after the handshake (TLS 1.3): ask.
                    SSLException refused = TlsProbe.tlsFailure(config.urls().get(0), options.getSslContext());
                    if (refused != null) {
                        permanent = ConnectFailures.permanent(new IOException(refused),
                            new ConnectFailures.Seen(null, refused), config);
                    }
                }
                if (permanent != null) {
                    throw new IllegalStateException("NATS " + role + " at " + redacted(config) + ": " + permanent);
                }
                Duration wait = backoff.next();
                String why = ConnectFailures.describe(e, problems.connectFailure());
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new UnreachableException("no NATS server answered at " + redacted(config) + " within "
                        + giveUpAfter.toSeconds() + " s (" + why + "): is it running, and is " + NatsSettings.URLS
                        + " right?");
                }
                wait = Duration.ofNanos(Math.min(wait.toNanos(), left));
                String notYet = "NATS {} at {} not reachable yet ({}); trying again in {} ms";
                Object[] args = {role, redacted(config), why, wait.toMillis()};
                if (giveUpAfter == null) {
                    waiting.warn("connect", notYet, args);
                } else {
                    LOG.info(notYet, args); // someone waits on the command: its failure will say it all
                }
                Thread.sleep(wait.toMillis());
            }
        }
    }

    static Options options(NatsSettings config, String role, NatsProblems problems) {
        Options.Builder builder = new Options.Builder()
            .servers(config.urls().toArray(new String[0]))
            .connectionName(config.connectionName() + "-" + role)
            .connectionTimeout(CONNECTION_TIMEOUT)
            .maxReconnects(-1)
            .reconnectWait(RECONNECT_WAIT)
            .reconnectJitter(RECONNECT_JITTER)
            .reconnectBufferSize(RECONNECT_BUFFER_BYTES)
            .connectionListener(new Listener(role))
            .errorListener(problems);
        if (config.user() != null) {
            builder.userInfo(config.user().toCharArray(), config.password().value().toCharArray());
        }
        if (config.token() != null) {
            builder.token(config.token().value().toCharArray());
        }
        if (config.credsFile() != null) {
            builder.authHandler(Nats.credentials(config.credsFile()));
        }
        if (config.nkeyFile() != null) {
            builder.authHandler(Nats.staticCredentials(null, nkeySeed(config.nkeyFile())));
        }
        if (config.usesTls()) {
            builder.sslContext(NatsTls.context(config));
            // In its default mode the client connects to the addresses a name resolves to and hands TLS the address,
            // so a certificate for nats.example.com would never match: this mode connects by the name itself.
            builder.hostnameResolveMode(Options.HostnameResolveMode.HappyEyeballs);
        }
        return builder.build();
    }

    /** The NKey seed of a file, checked to be one; its text is never shown. */
    static char[] nkeySeed(String file) {
        char[] seed;
        try {
            seed = Files.readString(Path.of(file), StandardCharsets.US_ASCII).trim().toCharArray();
        } catch (IOException e) {
            throw new ConfigException(NatsSettings.NKEY_FILE, file, "cannot be read: " + e);
        }
        try {
            NKey.fromSeed(seed);
        } catch (RuntimeException e) {
            throw new ConfigException(NatsSettings.NKEY_FILE, file, "does not hold an NKey seed (SU..., as `nk -gen "
                + "user` writes it)");
        }
        return seed;
    }

    /** The server URLs as they may be logged: without user and password. */
    public static String redacted(NatsSettings config) {
        return config.urls().stream().map(NatsConnections::redact).collect(Collectors.joining(","));
    }

    /** Any text of the NATS client's (an error, an exception) with the user info of the URLs in it masked. */
    static String redactText(String text) {
        return text == null ? null : USER_INFO.matcher(text).replaceAll("//***@");
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
        /** A failed first attempt reports DISCONNECTED too: only a loss of a made connection is news. */
        private volatile boolean connected;

        Listener(String role) {
            this.role = role;
        }

        @Override
        public void connectionEvent(Connection connection, Events event) {
            switch (event) {
                case CONNECTED, RECONNECTED, RESUBSCRIBED -> {
                    connected = true;
                    LOG.info("NATS {} {} ({})", role, event.getEvent(),
                        redact(String.valueOf(connection.getConnectedUrl())));
                }
                case DISCONNECTED -> {
                    if (connected) {
                        LOG.warn("NATS {} disconnected; reconnecting for ever", role);
                    } else {
                        LOG.debug("NATS {} not connected", role);
                    }
                }
                case CLOSED -> {
                    if (connected) {
                        LOG.info("NATS {} connection closed", role);
                    }
                }
                default -> LOG.debug("NATS {} {}", role, event.getEvent());
            }
        }
    }
}
