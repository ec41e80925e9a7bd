package io.alarmdigest.bridge;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * How every NATS client of the service connects, and the contract's subjects: the bridges, {@code publish} and
 * {@code watch} read the same settings, declared once here, and connect through {@link NatsConnections}.
 *
 * <p>At most one way of authenticating: user and password, a token, a credentials file (JWT and NKey seed) or an
 * NKey seed file. TLS is used when {@code nats.tls.enabled} says so, a URL is {@code tls://}, or a CA or client
 * certificate is given ({@link NatsTls}). Every file named is checked readable when the settings are read.
 *
 * @param urls the servers ({@code nats://}, {@code tls://}); the client reconnects for ever, to any of them
 * @param user with {@code password}, or null
 * @param token or null
 * @param credsFile a credentials file (JWT and NKey seed), or null
 * @param nkeyFile a file holding an NKey seed, or null
 * @param tls whether TLS is required even without a CA or client certificate (the JVM's trust store)
 * @param tlsCaFile PEM CA certificates that the servers' certificates must chain to, or null: the JVM's
 * @param tlsCertFile the client's PEM certificate chain for mutual TLS, with {@code tlsKeyFile}, or null
 * @param tlsKeyFile its PKCS #8 PEM key, or null
 * @param tlsHostnameVerification whether the server's certificate must name the host connected to
 * @param connectionName shown by the server's monitoring, with the client's role appended
 */
public record NatsSettings(List<String> urls, String user, Password password, Password token, String credsFile,
                           String nkeyFile, boolean tls, String tlsCaFile, String tlsCertFile, String tlsKeyFile,
                           boolean tlsHostnameVerification, String connectionName, String statusSubject,
                           String requestSubject, String digestSubject) {
    public static final String URLS = "nats.urls";
    public static final String USER = "nats.user";
    public static final String PASSWORD = "nats.password";
    public static final String TOKEN = "nats.token";
    public static final String CREDS_FILE = "nats.creds.file";
    public static final String NKEY_FILE = "nats.nkey.file";
    public static final String TLS = "nats.tls.enabled";
    public static final String TLS_CA_FILE = "nats.tls.ca.file";
    public static final String TLS_CERT_FILE = "nats.tls.cert.file";
    public static final String TLS_KEY_FILE = "nats.tls.key.file";
    public static final String TLS_HOSTNAME_VERIFICATION = "nats.tls.hostname.verification";
    public static final String CONNECTION_NAME = "nats.connection.name";
    public static final String STATUS_SUBJECT = "nats.subject.alarm-status-changed";
    public static final String REQUEST_SUBJECT = "nats.subject.send-alarm-digest";
    public static final String DIGEST_SUBJECT = "nats.subject.alarm-digest";

    /** Adds the NATS settings to {@code definition}. */
    public static ConfigDef define(ConfigDef definition) {
        return definition
            .define(URLS, Type.LIST, List.of("nats://127.0.0.1:4222"), Importance.HIGH,
                "NATS servers, comma-separated (nats://, tls://). The client reconnects for ever, to any of them.")
            .define(USER, Type.STRING, null, Importance.MEDIUM, "NATS user name (with nats.password).")
            .define(PASSWORD, Type.PASSWORD, null, Importance.MEDIUM, "NATS password.")
            .define(TOKEN, Type.PASSWORD, null, Importance.MEDIUM, "NATS token.")
            .define(CREDS_FILE, Type.STRING, null, Importance.MEDIUM, "NATS credentials file (JWT and NKey seed).")
            .define(NKEY_FILE, Type.STRING, null, Importance.MEDIUM,
                "File holding the NKey seed (SU...) of a NATS user authenticated by NKey.")
            .define(TLS, Type.BOOLEAN, false, Importance.MEDIUM,
                "Require TLS to NATS. Also on with a tls:// URL, nats.tls.ca.file or nats.tls.cert.file.")
            .define(TLS_CA_FILE, Type.STRING, null, Importance.MEDIUM,
                "PEM file of the CA certificates the NATS servers' certificates must chain to; without it, the JVM's "
                    + "trust store.")
            .define(TLS_CERT_FILE, Type.STRING, null, Importance.MEDIUM,
                "PEM file of the client certificate (chain) presented to NATS for mutual TLS, with nats.tls.key.file.")
            .define(TLS_KEY_FILE, Type.STRING, null, Importance.MEDIUM,
                "PEM file of the client certificate's unencrypted PKCS #8 key (-----BEGIN PRIVATE KEY-----).")
            .define(TLS_HOSTNAME_VERIFICATION, Type.BOOLEAN, true, Importance.MEDIUM,
                "Require the NATS server's certificate to name the host connected to (as HTTPS does).")
            .define(CONNECTION_NAME, Type.STRING, "alarm-digest-bridge", Importance.LOW,
                "Connection name shown by the NATS server's monitoring.")
            .define(STATUS_SUBJECT, Type.STRING, "AlarmStatusChanged", new ConfigDef.NonEmptyString(),
                Importance.MEDIUM, "NATS subject of AlarmStatusChanged events.")
            .define(REQUEST_SUBJECT, Type.STRING, "SendAlarmDigest", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                "NATS subject of SendAlarmDigest requests.")
            .define(DIGEST_SUBJECT, Type.STRING, "AlarmDigest", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                "NATS subject the digests are published on.");
    }

    /**
     * Reads and cross-checks the NATS settings of a validated config.
     *
     * @throws ConfigException naming the setting: a user without a password, one subject for events and requests
     */
    public static NatsSettings from(AbstractConfig config) {
        NatsSettings nats = new NatsSettings(config.getList(URLS), config.getString(USER), config.getPassword(PASSWORD),
            config.getPassword(TOKEN), readable(config, CREDS_FILE), readable(config, NKEY_FILE),
            config.getBoolean(TLS), readable(config, TLS_CA_FILE), readable(config, TLS_CERT_FILE),
            readable(config, TLS_KEY_FILE), config.getBoolean(TLS_HOSTNAME_VERIFICATION),
            config.getString(CONNECTION_NAME), config.getString(STATUS_SUBJECT), config.getString(REQUEST_SUBJECT),
            config.getString(DIGEST_SUBJECT));
        if (nats.user != null && nats.password == null) {
            throw new ConfigException(PASSWORD, null, "is required with " + USER);
        }
        if (nats.password != null && nats.user == null) {
            throw new ConfigException(USER, null, "is required with " + PASSWORD);
        }
        List<String> ways = new ArrayList<>();
        if (nats.user != null) {
            ways.add(USER);
        }
        if (nats.token != null) {
            ways.add(TOKEN);
        }
        if (nats.credsFile != null) {
            ways.add(CREDS_FILE);
        }
        if (nats.nkeyFile != null) {
            ways.add(NKEY_FILE);
        }
        if (ways.size() > 1) {
            throw new ConfigException(String.join(", ", ways) + " are " + ways.size() + " ways of authenticating to "
                + "NATS; a NATS user has one: set one of them");
        }
        for (String url : nats.urls) {
            String scheme = scheme(url);
            if (!List.of("nats", "tls", "ws", "wss").contains(scheme)) {
                throw new ConfigException(URLS, NatsConnections.redact(url), "must be a nats://, tls://, ws:// or "
                    + "wss:// URL" + ("opentls".equals(scheme) ? " (opentls:// trusts any certificate: use tls:// with "
                        + TLS_CA_FILE + ")" : ""));
            }
            if ("ws".equals(scheme) && nats.usesTls()) {
                throw new ConfigException(URLS, NatsConnections.redact(url), "is a plain websocket, but TLS is asked "
                    + "for (" + TLS + ", a certificate setting or another URL): use wss://");
            }
        }
        if ((nats.tlsCertFile == null) != (nats.tlsKeyFile == null)) {
            throw new ConfigException(nats.tlsCertFile == null ? TLS_CERT_FILE : TLS_KEY_FILE, null,
                "is required with " + (nats.tlsCertFile == null ? TLS_KEY_FILE : TLS_CERT_FILE));
        }
        if (nats.statusSubject.equals(nats.requestSubject)) {
            throw new ConfigException(REQUEST_SUBJECT, nats.requestSubject, "must differ from " + STATUS_SUBJECT);
        }
        return nats;
    }

    /** Whether the connections use TLS: asked for, a {@code tls://} or {@code wss://} URL, a CA or client certificate. */
    public boolean usesTls() {
        return tls || tlsCaFile != null || tlsCertFile != null
            || urls.stream().map(NatsSettings::scheme).anyMatch(scheme -> scheme.equals("tls") || scheme.equals("wss"));
    }

    /** A URL's scheme, lower case; {@code nats} for a bare host:port, as the NATS client takes it. */
    private static String scheme(String url) {
        String trimmed = url.trim();
        int separator = trimmed.indexOf("://");
        return separator < 0 ? "nats" : trimmed.substring(0, separator).toLowerCase(Locale.ROOT);
    }

    /** The file a setting names, checked readable; null when it is not set. */
    private static String readable(AbstractConfig config, String setting) {
        String file = config.getString(setting);
        if (file == null) {
            return null;
        }
        Path path = Path.of(file);
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new ConfigException(setting, file, Files.exists(path) ? "is not a readable file"
                : "names a file that does not exist");
        }
        return file;
    }

    /** The NATS settings alone, for a client that is not a bridge ({@code publish}, {@code watch}). */
    public static NatsSettings of(Map<?, ?> settings) {
        return from(new AbstractConfig(define(new ConfigDef()), settings, false));
    }

    /** The record's {@code toString} shows no secret. */
    @Override
    public String toString() {
        return "NatsSettings[urls=" + NatsConnections.redacted(this) + ", user=" + user + ", tls=" + usesTls()
            + ", subjects=" + statusSubject + "," + requestSubject + "," + digestSubject + "]";
    }
}
