package io.alarmdigest.bridge;

import java.util.List;
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
 * @param urls the servers ({@code nats://}, {@code tls://}); the client reconnects for ever, to any of them
 * @param user with {@code password}, or null
 * @param token or null
 * @param credsFile a credentials file (JWT and NKey seed), or null
 * @param tls whether TLS is required, trusting the JVM's trust store
 * @param connectionName shown by the server's monitoring, with the client's role appended
 */
public record NatsSettings(List<String> urls, String user, Password password, Password token, String credsFile,
                           boolean tls, String connectionName, String statusSubject, String requestSubject,
                           String digestSubject) {
    public static final String URLS = "nats.urls";
    public static final String USER = "nats.user";
    public static final String PASSWORD = "nats.password";
    public static final String TOKEN = "nats.token";
    public static final String CREDS_FILE = "nats.creds.file";
    public static final String TLS = "nats.tls.enabled";
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
            .define(TLS, Type.BOOLEAN, false, Importance.MEDIUM,
                "Require TLS to NATS, trusting the JVM's trust store (javax.net.ssl.* system properties).")
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
            config.getPassword(TOKEN), config.getString(CREDS_FILE), config.getBoolean(TLS),
            config.getString(CONNECTION_NAME), config.getString(STATUS_SUBJECT), config.getString(REQUEST_SUBJECT),
            config.getString(DIGEST_SUBJECT));
        if (nats.user != null && nats.password == null) {
            throw new ConfigException(PASSWORD, null, "is required with " + USER);
        }
        if (nats.statusSubject.equals(nats.requestSubject)) {
            throw new ConfigException(REQUEST_SUBJECT, nats.requestSubject, "must differ from " + STATUS_SUBJECT);
        }
        return nats;
    }

    /** The NATS settings alone, for a client that is not a bridge ({@code publish}, {@code watch}). */
    public static NatsSettings of(Map<?, ?> settings) {
        return from(new AbstractConfig(define(new ConfigDef()), settings, false));
    }

    /** The record's {@code toString} shows no secret. */
    @Override
    public String toString() {
        return "NatsSettings[urls=" + NatsConnections.redacted(this) + ", user=" + user + ", tls=" + tls
            + ", subjects=" + statusSubject + "," + requestSubject + "," + digestSubject + "]";
    }
}
