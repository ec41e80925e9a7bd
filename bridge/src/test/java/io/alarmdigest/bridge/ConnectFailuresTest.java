package io.alarmdigest.bridge;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.security.cert.CertificateExpiredException;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** Which failed first connections are worth trying again, and what the others tell the operator. */
class ConnectFailuresTest {
    private static final NatsSettings WITH_PASSWORD = NatsSettings.of(Map.of(NatsSettings.USER, "u",
        NatsSettings.PASSWORD, "p"));
    private static final IOException UNABLE = new IOException("Unable to connect to NATS servers");

    @Test
    void shouldTryAgainWhileNoServerAnswers() {
        assertNull(ConnectFailures.permanent(UNABLE, new ConnectFailures.Seen(null,
            new ConnectException("Connection refused")), WITH_PASSWORD));
        assertNull(ConnectFailures.permanent(UNABLE, new ConnectFailures.Seen(null, new TimeoutException()),
            WITH_PASSWORD));
        assertNull(ConnectFailures.permanent(UNABLE, new ConnectFailures.Seen("Authentication Timeout", null),
            WITH_PASSWORD), "a slow handshake, not refused credentials");
        assertNull(ConnectFailures.permanent(UNABLE, seen(new SSLHandshakeException(
            "Remote host terminated the handshake")), WITH_PASSWORD), "a handshake cut short by a restarting server");
    }

    @Test
    void shouldStopOnRefusedCredentialsNamingTheSettings() {
        String why = ConnectFailures.permanent(UNABLE, new ConnectFailures.Seen("Authorization Violation", null),
            WITH_PASSWORD);
        assertTrue(why.contains("refused the credentials") && why.contains(NatsSettings.PASSWORD), why);
    }

    @Test
    void shouldTellTheCertificateProblemsApart() {
        String untrusted = ConnectFailures.permanent(UNABLE, seen(new SSLHandshakeException(
            "PKIX path building failed: unable to find valid certification path to requested target")), WITH_PASSWORD);
        assertTrue(untrusted.contains("not signed by a trusted CA"), untrusted);
        SSLHandshakeException expired = new SSLHandshakeException("PKIX path validation failed");
        expired.initCause(new CertificateExpiredException("NotAfter: Thu Jan 02 00:00:00 UTC 2020"));
        String old = ConnectFailures.permanent(UNABLE, seen(new ExecutionException(expired)), WITH_PASSWORD);
        assertTrue(old.contains("expired"), old);
        String name = ConnectFailures.permanent(UNABLE, seen(new SSLHandshakeException(
            "No subject alternative DNS name matching nats-1 found.")), WITH_PASSWORD);
        assertTrue(name.contains("does not name the host"), name);
        String client = ConnectFailures.permanent(UNABLE, seen(new SSLHandshakeException(
            "Received fatal alert: certificate_required")), WITH_PASSWORD);
        assertTrue(client.contains(NatsSettings.TLS_CERT_FILE), client);
    }

    @Test
    void shouldSayWhichSideWantsTlsInTheNatsClientsWords() {
        String server = ConnectFailures.permanent(UNABLE, seen(new IOException("SSL required by server.")),
            WITH_PASSWORD);
        assertTrue(server.contains("the server requires TLS"), server);
        String client = ConnectFailures.permanent(UNABLE, seen(new IOException("SSL connection wanted by client.")),
            WITH_PASSWORD);
        assertTrue(client.contains("the server does not offer it"), client);
    }

    @Test
    void shouldMaskTheUserInfoOfUrlsInWhatItLogs() {
        String said = ConnectFailures.describe(new IOException("Unable to connect to NATS servers: "
            + "[nats://alice:s3cret@nats-1:4222, tls://token-9@nats-2:4443]"), new ConnectFailures.Seen(null, null));
        assertTrue(!said.contains("s3cret") && !said.contains("alice") && !said.contains("token-9")
            && said.contains("nats-1:4222") && said.contains("nats-2:4443"), said);
    }

    private static ConnectFailures.Seen seen(Exception exception) {
        return new ConnectFailures.Seen(null, exception);
    }
}
