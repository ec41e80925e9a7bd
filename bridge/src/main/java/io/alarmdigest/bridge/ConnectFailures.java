package io.alarmdigest.bridge;

import java.io.IOException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Tells a failed first connection to NATS that trying again may mend (no server answers yet) from one it cannot
 * (the server refused the credentials, or TLS failed on a certificate or on one side wanting it and the other not),
 * and says which, naming the setting to look at. Pure: it reads the exception and what the connection's listener
 * saw.
 */
final class ConnectFailures {
    /** What the connection's error listener saw during the attempt. */
    record Seen(String serverError, Exception exception) {
    }

    private ConnectFailures() {
    }

    /** Why the failure is permanent, as a sentence for the operator; null when trying again may mend it. */
    static String permanent(IOException failure, Seen seen, NatsSettings settings) {
        String server = seen.serverError() == null ? "" : seen.serverError().toLowerCase(Locale.ROOT).trim();
        // Not "Authentication Timeout": a slow handshake, which the next try may not have.
        if (server.contains("authorization violation") || server.startsWith("user authentication")
            || server.startsWith("account authentication")) {
            return "the server refused the credentials (" + seen.serverError() + "): check " + authentication(settings);
        }
        String text = (chain(failure) + " " + (seen.exception() == null ? "" : chain(seen.exception())))
            .toLowerCase(Locale.ROOT);
        // The NATS client's own words when only one side wants TLS.
        if (text.contains("ssl required by server")) {
            return "the server requires TLS: use tls:// URLs or " + NatsSettings.TLS + "=true, with "
                + NatsSettings.TLS_CA_FILE + " if its certificate is not signed by a CA the JVM trusts";
        }
        if (text.contains("ssl connection wanted by client")) {
            return "the client requires TLS (" + NatsSettings.TLS + ", a tls:// URL or a certificate setting) but "
                + "the server does not offer it";
        }
        Throwable tls = tlsCause(failure, seen.exception());
        if (tls == null) {
            return null;
        }
        if (text.contains("certificateexpiredexception") || text.contains("validity check failed")
            || text.contains("certificate expired")) {
            return "the server's certificate has expired (" + tls.getMessage() + ")";
        }
        if (text.contains("no subject alternative") || text.contains("no name matching")) {
            return "the server's certificate does not name the host connected to (" + tls.getMessage() + "): connect "
                + "by a name the certificate holds, or have it certified for the name you connect by";
        }
        if (text.contains("pkix path") || text.contains("unable to find valid certification path")) {
            return "the server's certificate is not signed by a trusted CA (" + tls.getMessage() + "): set "
                + NatsSettings.TLS_CA_FILE + " to the CA that signed it";
        }
        if (text.contains("bad_certificate") || text.contains("certificate_required")
            || text.contains("unknown_ca") || text.contains("certificate_unknown")) {
            return "the server refused the client certificate (" + tls.getMessage() + "): check "
                + NatsSettings.TLS_CERT_FILE + " and " + NatsSettings.TLS_KEY_FILE
                + " (a certificate the server's CA signed, not expired)";
        }
        // Anything else (a handshake cut short while the server restarts, a reset): worth another try.
        return null;
    }

    /** The failure in a few words, for the log while trying again; user info of URLs masked. */
    static String describe(IOException failure, Seen seen) {
        return NatsConnections.redactText(seen.exception() != null ? seen.exception().toString()
            : seen.serverError() != null ? seen.serverError() : failure.toString());
    }

    private static Throwable tlsCause(Throwable... failures) {
        for (Throwable failure : failures) {
            for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
                if (cause instanceof SSLException || cause instanceof CertificateException
                    || cause instanceof CertPathValidatorException) {
                    return cause;
                }
            }
        }
        return null;
    }

    private static String chain(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            text.append(cause.getClass().getSimpleName()).append(": ").append(cause.getMessage()).append("; ");
        }
        return text.toString();
    }

    private static String authentication(NatsSettings settings) {
        if (settings.user() != null) {
            return NatsSettings.USER + " and " + NatsSettings.PASSWORD;
        }
        if (settings.token() != null) {
            return NatsSettings.TOKEN;
        }
        if (settings.credsFile() != null) {
            return NatsSettings.CREDS_FILE;
        }
        if (settings.nkeyFile() != null) {
            return NatsSettings.NKEY_FILE;
        }
        return "the authentication settings: none is set, and the server requires one ("
            + NatsSettings.USER + "/" + NatsSettings.PASSWORD + ", " + NatsSettings.TOKEN + ", "
            + NatsSettings.CREDS_FILE + " or " + NatsSettings.NKEY_FILE + ")";
    }
}
