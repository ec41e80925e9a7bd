package io.alarmdigest.bridge;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

/**
 * Asks a NATS server directly why a TLS connection did not come up, when the client only saw a timeout: with TLS
 * 1.3 a server that refuses the client's certificate says so in an alert after the handshake, which the NATS client
 * does not report while connecting. The probe reads the server's INFO, upgrades to TLS with the same context,
 * sends a PING and reads: a refusal comes back as an {@link SSLException} naming the alert.
 */
final class TlsProbe {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private TlsProbe() {
    }

    /** The TLS failure the server reports to a client like ours, or null when there is none (or no answer). */
    static SSLException tlsFailure(String url, SSLContext context) {
        URI uri;
        try {
            String trimmed = url.trim();
            uri = URI.create(trimmed.contains("://") ? trimmed : "nats://" + trimmed);
        } catch (IllegalArgumentException e) {
            return null;
        }
        String host = uri.getHost();
        int port = uri.getPort() < 0 ? 4222 : uri.getPort();
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(host, port), (int) TIMEOUT.toMillis());
            plain.setSoTimeout((int) TIMEOUT.toMillis());
            String info = readLine(plain);
            if (info == null || !info.startsWith("INFO")) {
                return null;
            }
            try (SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true)) {
                tls.setSoTimeout((int) TIMEOUT.toMillis());
                tls.startHandshake();
                OutputStream out = tls.getOutputStream();
                out.write("CONNECT {\"verbose\":false}\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                readLine(tls);
                return null;
            }
        } catch (SSLException e) {
            return e;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String readLine(Socket socket) throws IOException {
        // Not closed here: closing the reader would close the socket the handshake still needs.
        BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(),
            StandardCharsets.US_ASCII));
        return reader.readLine();
    }
}
