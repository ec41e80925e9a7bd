package io.alarmdigest.bridge;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyManagementException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.config.ConfigException;

/**
 * The TLS of the service's NATS connections, from PEM files as NATS users have them: the servers are trusted by the
 * CA certificates of {@code nats.tls.ca.file} (or the JVM's trust store without one), the client presents the
 * certificate chain of {@code nats.tls.cert.file} with the PKCS #8 key of {@code nats.tls.key.file} when the server
 * asks for one (mutual TLS), and the server's certificate must name the host connected to unless
 * {@code nats.tls.hostname.verification} is off (the NATS client does not check the name by itself).
 */
final class NatsTls {
    private static final String PEM_CERTIFICATE = "CERTIFICATE";
    private static final String PEM_PRIVATE_KEY = "PRIVATE KEY";
    /** Key algorithms a PKCS #8 key may be of, tried in turn. */
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448");
    private static final char[] IN_MEMORY = new char[0];

    private NatsTls() {
    }

    /**
     * @throws ConfigException naming the setting and its file when a file does not hold what it must
     */
    static SSLContext context(NatsSettings settings) {
        try {
            TrustManager[] trust = settings.tlsCaFile() == null ? null : trustManagers(settings.tlsCaFile());
            KeyManager[] keys = settings.tlsCertFile() == null ? null
                : keyManagers(settings.tlsCertFile(), settings.tlsKeyFile());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, new SecureRandom());
            return settings.tlsHostnameVerification() ? verifyingHostnames(context) : context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS to NATS cannot be set up in this JVM: " + e.getMessage(), e);
        }
    }

    private static TrustManager[] trustManagers(String caFile) throws GeneralSecurityException {
        List<Certificate> authorities = certificates(NatsSettings.TLS_CA_FILE, caFile);
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        load(store);
        for (int i = 0; i < authorities.size(); i++) {
            store.setCertificateEntry("ca-" + i, authorities.get(i));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory.getTrustManagers();
    }

    private static KeyManager[] keyManagers(String certFile, String keyFile) throws GeneralSecurityException {
        List<Certificate> chain = certificates(NatsSettings.TLS_CERT_FILE, certFile);
        PrivateKey key = privateKey(keyFile);
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        load(store);
        store.setKeyEntry("client", key, IN_MEMORY, chain.toArray(new Certificate[0]));
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, IN_MEMORY);
        return factory.getKeyManagers();
    }

    private static void load(KeyStore empty) throws GeneralSecurityException {
        try {
            empty.load(null, IN_MEMORY);
        } catch (IOException e) {
            throw new GeneralSecurityException("an empty key store: " + e.getMessage(), e);
        }
    }

    /** The certificates of a PEM file, in their order. */
    static List<Certificate> certificates(String setting, String file) {
        String pem = read(setting, file);
        if (!pem.contains("-----BEGIN " + PEM_CERTIFICATE + "-----")) {
            throw new ConfigException(setting, file, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        try {
            List<Certificate> certificates = List.copyOf(CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.ISO_8859_1))));
            if (certificates.isEmpty()) {
                throw new ConfigException(setting, file, "holds no certificate");
            }
            return certificates;
        } catch (GeneralSecurityException e) {
            throw new ConfigException(setting, file, "is not a PEM certificate file: " + e.getMessage());
        }
    }

    /** The unencrypted PKCS #8 key of a PEM file ({@code -----BEGIN PRIVATE KEY-----}); its text is never shown. */
    static PrivateKey privateKey(String file) {
        String setting = NatsSettings.TLS_KEY_FILE;
        String pem = read(setting, file);
        String begin = "-----BEGIN " + PEM_PRIVATE_KEY + "-----";
        String end = "-----END " + PEM_PRIVATE_KEY + "-----";
        int from = pem.indexOf(begin);
        int to = pem.indexOf(end);
        if (from < 0 || to < from) {
            String found = pem.contains("ENCRYPTED PRIVATE KEY") ? "an encrypted key"
                : pem.contains("RSA PRIVATE KEY") || pem.contains("EC PRIVATE KEY") ? "a key in its legacy format"
                : "no PEM private key";
            throw new ConfigException(setting, file, "holds " + found + "; the client needs an unencrypted PKCS #8 key "
                + "(-----BEGIN PRIVATE KEY-----): convert it with `openssl pkcs8 -topk8 -nocrypt -in <key> -out <new>`");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(setting, file, "holds a PRIVATE KEY block that is not base64");
        }
        try {
            for (String algorithm : KEY_ALGORITHMS) {
                try {
                    return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
                } catch (GeneralSecurityException notThisOne) {
                    // The next algorithm.
                }
            }
            throw new ConfigException(setting, file, "holds a private key of none of " + KEY_ALGORITHMS);
        } finally {
            Arrays.fill(der, (byte) 0);
        }
    }

    private static String read(String setting, String file) {
        try {
            // PEM is ASCII; ISO-8859-1 reads any byte, so that a comment in another encoding is no error.
            return Files.readString(Path.of(file), StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(setting, file, "cannot be read: " + e);
        }
    }

    /**
     * The same context, whose client sockets check that the server's certificate names the host they connect to
     * (HTTPS' rules: a DNS name or an IP address among the certificate's subject alternative names).
     */
    static SSLContext verifyingHostnames(SSLContext context) {
        SSLContextSpi spi = new SSLContextSpi() {
            @Override
            protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random)
                throws KeyManagementException {
                context.init(km, tm, random);
            }

            @Override
            protected SSLSocketFactory engineGetSocketFactory() {
                return new VerifyingSocketFactory(context.getSocketFactory());
            }

            @Override
            protected SSLServerSocketFactory engineGetServerSocketFactory() {
                return context.getServerSocketFactory();
            }

            @Override
            protected SSLEngine engineCreateSSLEngine() {
                return context.createSSLEngine();
            }

            @Override
            protected SSLEngine engineCreateSSLEngine(String host, int port) {
                SSLEngine engine = context.createSSLEngine(host, port);
                engine.setSSLParameters(verifying(engine.getSSLParameters()));
                return engine;
            }

            @Override
            protected SSLSessionContext engineGetServerSessionContext() {
                return context.getServerSessionContext();
            }

            @Override
            protected SSLSessionContext engineGetClientSessionContext() {
                return context.getClientSessionContext();
            }
        };
        return new SSLContext(spi, context.getProvider(), context.getProtocol()) {
        };
    }

    private static SSLParameters verifying(SSLParameters parameters) {
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        return parameters;
    }

    /** Client sockets that verify the server's name. */
    private static final class VerifyingSocketFactory extends SSLSocketFactory {
        private final SSLSocketFactory delegate;

        VerifyingSocketFactory(SSLSocketFactory delegate) {
            this.delegate = delegate;
        }

        private static Socket verifying(Socket socket) {
            SSLSocket ssl = (SSLSocket) socket;
            ssl.setSSLParameters(NatsTls.verifying(ssl.getSSLParameters()));
            return ssl;
        }

        @Override
        public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
            return verifying(delegate.createSocket(socket, host, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return verifying(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return verifying(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return verifying(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
            return verifying(delegate.createSocket(address, port, localAddress, localPort));
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }
    }
}
