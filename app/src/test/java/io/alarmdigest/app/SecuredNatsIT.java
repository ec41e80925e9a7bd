package io.alarmdigest.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.alarmdigest.bridge.BridgeApp;
import io.alarmdigest.bridge.NatsConnections;
import io.alarmdigest.bridge.NatsSettings;
import io.alarmdigest.processor.app.ProcessorApp;
import io.alarmdigest.testing.KafkaBroker;
import io.alarmdigest.testing.NatsServer;
import io.alarmdigest.testing.TestCertificates;
import io.nats.client.Connection;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.NKey;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.support.JwtUtils;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/**
 * The bridges against nats-servers that demand what production NATS demands — a user and password with exactly the
 * permissions README lists, a token, an NKey, TLS from a CA of the test's own with mutual TLS — each time an event
 * and a request through, the digest back; and the failures retrying cannot mend — a wrong password, a server
 * certificate of an unknown CA or expired, a missing permission — each stopping start-up with a message that says
 * which. Certificates and keys are made by openssl when the test runs. Every log line of the class is kept and
 * searched for the secrets used: none may appear.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecuredNatsIT {
    private static final Duration DIGEST_TIMEOUT = Duration.ofSeconds(90);
    /** A start-up failure must come well before this; it guards against a retry loop that never ends. */
    private static final Duration FAILURE_GUARD = Duration.ofMinutes(2);
    private static final String PASSWORD = "s3cret-Pa55word-7d1f";
    private static final String TEST_PASSWORD = "t3st-client-9a2b";
    private static final String TOKEN = "t0ken-5c8e-alarm-digest";

    private final CapturedLogs logs = new CapturedLogs();
    private final List<String> secrets = new ArrayList<>(List.of(PASSWORD, TEST_PASSWORD, TOKEN));
    private KafkaBroker kafka;
    private ProcessorApp processor;
    private TestCertificates certificates;
    private int users;

    @BeforeAll
    void start() throws Exception {
        logs.start();
        certificates = TestCertificates.create(Files.createTempDirectory("nats-tls"));
        secrets.add(keyBody(certificates.clientKey()));
        kafka = KafkaBroker.start();
        Map<String, Object> settings = kafkaSettings();
        settings.put("state.dir", Files.createTempDirectory("state").toString());
        settings.put("consumer.session.timeout.ms", 6000);
        processor = ProcessorApp.start(settings);
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (processor != null) {
                processor.close();
            }
            if (kafka != null) {
                kafka.close();
            }
        } finally {
            logs.stop();
        }
        logs.assertNone(secrets);
    }

    @Test
    void shouldRunWithAUserThatHasExactlyTheDocumentedPermissions() throws Exception {
        try (NatsServer nats = NatsServer.start(authorization(servicePermissions(List.of())))) {
            Map<String, Object> settings = bridgeSettings(nats.url());
            settings.put(NatsSettings.USER, "alarm-digest");
            settings.put(NatsSettings.PASSWORD, PASSWORD);
            assertDigestThrough(settings, testClient(nats.url()));
        }
    }

    @Test
    void shouldNameTheDeniedSubjectWhenAPermissionIsMissing() throws Exception {
        String denied = "$JS.API.STREAM.INFO.ALARM_DIGEST_INPUT";
        try (NatsServer nats = NatsServer.start(authorization(servicePermissions(List.of(denied))))) {
            Map<String, Object> settings = bridgeSettings(nats.url());
            settings.put(NatsSettings.USER, "alarm-digest");
            settings.put(NatsSettings.PASSWORD, PASSWORD);
            IllegalStateException failure = startupFailure(settings);
            assertTrue(failure.getMessage().contains("permission") && failure.getMessage().contains(denied),
                failure.getMessage());
        }
    }

    @Test
    void shouldStopStartUpOnAWrongPassword() throws Exception {
        try (NatsServer nats = NatsServer.start(authorization(servicePermissions(List.of())))) {
            Map<String, Object> settings = bridgeSettings(nats.url());
            settings.put(NatsSettings.USER, "alarm-digest");
            settings.put(NatsSettings.PASSWORD, PASSWORD + "-wrong");
            secrets.add(PASSWORD + "-wrong");
            IllegalStateException failure = startupFailure(settings);
            assertTrue(failure.getMessage().contains("refused the credentials")
                && failure.getMessage().contains(NatsSettings.PASSWORD), failure.getMessage());
        }
    }

    @Test
    void shouldRunWithAToken() throws Exception {
        try (NatsServer nats = NatsServer.start("authorization { token: \"" + TOKEN + "\" }\n")) {
            Map<String, Object> settings = bridgeSettings(nats.url());
            settings.put(NatsSettings.TOKEN, TOKEN);
            Map<String, Object> client = new HashMap<>(Map.of(NatsSettings.URLS, nats.url(), NatsSettings.TOKEN, TOKEN));
            assertDigestThrough(settings, NatsSettings.of(client));
        }
    }

    @Test
    void shouldRunWithAnNKey() throws Exception {
        NKey key = NKey.createUser(null);
        String seed = new String(key.getSeed());
        secrets.add(seed);
        Path seedFile = Files.writeString(certificates.dir().resolve("service.nk"), seed + "\n");
        String config = "authorization { users = [\n"
            + "  { nkey: \"" + new String(key.getPublicKey()) + "\" }\n"
            + "  { user: test, password: \"" + TEST_PASSWORD + "\" }\n] }\n";
        try (NatsServer nats = NatsServer.start(config)) {
            Map<String, Object> settings = bridgeSettings(nats.url());
            settings.put(NatsSettings.NKEY_FILE, seedFile.toString());
            assertDigestThrough(settings, testClient(nats.url()));
        }
    }

    @Test
    void shouldRunWithACredentialsFileOfAnOperatorsAccount() throws Exception {
        NKey operator = NKey.createOperator(null);
        NKey account = NKey.createAccount(null);
        String operatorId = new String(operator.getPublicKey());
        String accountId = new String(account.getPublicKey());
        long now = JwtUtils.currentTimeSeconds();
        String operatorJwt = JwtUtils.issueJWT(operator, operatorId, "test operator", null, now, operatorId,
            () -> "{\"type\":\"operator\",\"version\":2}");
        // Unlimited, JetStream included: the account's limits say what its users may use.
        String accountJwt = JwtUtils.issueJWT(operator, accountId, "test account", null, now, operatorId,
            () -> "{\"type\":\"account\",\"version\":2,\"limits\":{\"subs\":-1,\"data\":-1,\"payload\":-1,"
                + "\"imports\":-1,\"exports\":-1,\"wildcards\":true,\"conn\":-1,\"leaf\":-1,\"mem_storage\":-1,"
                + "\"disk_storage\":-1,\"streams\":-1,\"consumer\":-1}}");
        // JetStream needs the server's system account.
        String systemId = new String(NKey.createAccount(null).getPublicKey());
        String systemJwt = JwtUtils.issueJWT(operator, systemId, "SYS", null, now, operatorId,
            () -> "{\"type\":\"account\",\"version\":2}");
        Path service = credentials(account, accountId, "service");
        Path test = credentials(account, accountId, "test");
        String config = "operator: \"" + operatorJwt + "\"\nsystem_account: " + systemId + "\nresolver: MEMORY\n"
            + "resolver_preload: {\n  " + accountId + ": \"" + accountJwt + "\"\n  " + systemId + ": \"" + systemJwt
            + "\"\n}\n";
        try (NatsServer nats = NatsServer.start(config)) {
            Map<String, Object> settings = bridgeSettings(nats.url());
            settings.put(NatsSettings.CREDS_FILE, service.toString());
            assertDigestThrough(settings, NatsSettings.of(Map.of(NatsSettings.URLS, nats.url(),
                NatsSettings.CREDS_FILE, test.toString())));
        }
    }

    /** A credentials file (user JWT and NKey seed) of a new user of {@code account}; its seed joins the secrets. */
    private Path credentials(NKey account, String accountId, String name) throws Exception {
        NKey user = NKey.createUser(null);
        String seed = new String(user.getSeed());
        secrets.add(seed);
        String jwt = JwtUtils.issueUserJWT(account, accountId, new String(user.getPublicKey()), name);
        return Files.writeString(certificates.dir().resolve(name + ".creds"),
            String.format(JwtUtils.NATS_USER_JWT_FORMAT, jwt, seed));
    }

    @Test
    void shouldRunOverMutualTlsWithTheTestsOwnCa() throws Exception {
        try (NatsServer nats = NatsServer.start(tls(certificates.serverCert(), true)
            + authorization(servicePermissions(List.of())))) {
            Map<String, Object> settings = bridgeSettings(nats.tlsUrl());
            settings.put(NatsSettings.USER, "alarm-digest");
            settings.put(NatsSettings.PASSWORD, PASSWORD);
            settings.putAll(clientTls(certificates.ca()));
            Map<String, Object> client = new HashMap<>(clientTls(certificates.ca()));
            client.put(NatsSettings.URLS, nats.tlsUrl());
            client.put(NatsSettings.USER, "test");
            client.put(NatsSettings.PASSWORD, TEST_PASSWORD);
            assertDigestThrough(settings, NatsSettings.of(client));
        }
    }

    @Test
    void shouldCheckTheServersCertificateAgainstTheNameConnectedToNotItsAddress() throws Exception {
        try (NatsServer nats = NatsServer.start(tls(certificates.serverCertForNameOnly(), false))) {
            String byName = "tls://localhost:" + nats.port();
            Map<String, Object> settings = new HashMap<>(Map.of(NatsSettings.URLS, byName,
                NatsSettings.TLS_CA_FILE, certificates.ca().toString()));
            try (Connection connected = NatsConnections.connect(NatsSettings.of(settings), "test")) {
                assertEquals(Connection.Status.CONNECTED, connected.getStatus(), "a certificate for the name connected by");
            }
            settings.put(NatsSettings.URLS, nats.tlsUrl());
            IllegalStateException failure = assertTimeoutPreemptively(FAILURE_GUARD, () -> assertThrows(
                IllegalStateException.class, () -> NatsConnections.connect(NatsSettings.of(settings), "test")));
            assertTrue(failure.getMessage().contains("does not name the host"), failure.getMessage());
            LoggerFactory.getLogger(SecuredNatsIT.class).info("Start-up stopped as it should: {}", failure.getMessage());
        }
    }

    @Test
    void shouldSayWhichSideWantsTls() throws Exception {
        try (NatsServer tlsOnly = NatsServer.start(tls(certificates.serverCert(), false));
             NatsServer plain = NatsServer.start()) {
            IllegalStateException serverWants = connectFailure(Map.of(NatsSettings.URLS, tlsOnly.url()));
            assertTrue(serverWants.getMessage().contains("the server requires TLS"), serverWants.getMessage());
            IllegalStateException clientWants = connectFailure(Map.of(NatsSettings.URLS, plain.tlsUrl(),
                NatsSettings.TLS_CA_FILE, certificates.ca().toString()));
            assertTrue(clientWants.getMessage().contains("the server does not offer it"), clientWants.getMessage());
        }
    }

    private IllegalStateException connectFailure(Map<String, Object> settings) {
        IllegalStateException failure = assertTimeoutPreemptively(FAILURE_GUARD, () -> assertThrows(
            IllegalStateException.class, () -> NatsConnections.connect(NatsSettings.of(settings), "test").close()));
        LoggerFactory.getLogger(SecuredNatsIT.class).info("Start-up stopped as it should: {}", failure.getMessage());
        return failure;
    }

    @Test
    void shouldStopStartUpOnAServerCertificateOfAnUnknownCa() throws Exception {
        try (NatsServer nats = NatsServer.start(tls(certificates.serverCert(), false))) {
            Map<String, Object> settings = bridgeSettings(nats.tlsUrl());
            settings.put(NatsSettings.TLS_CA_FILE, certificates.otherCa().toString());
            IllegalStateException failure = startupFailure(settings);
            assertTrue(failure.getMessage().contains("not signed by a trusted CA")
                && failure.getMessage().contains(NatsSettings.TLS_CA_FILE), failure.getMessage());
        }
    }

    @Test
    void shouldStopStartUpOnAnExpiredServerCertificate() throws Exception {
        try (NatsServer nats = NatsServer.start(tls(certificates.expiredServerCert(), false))) {
            Map<String, Object> settings = bridgeSettings(nats.tlsUrl());
            settings.put(NatsSettings.TLS_CA_FILE, certificates.ca().toString());
            IllegalStateException failure = startupFailure(settings);
            assertTrue(failure.getMessage().contains("expired"), failure.getMessage());
        }
    }

    @Test
    void shouldStopStartUpWhenTheServerWantsAClientCertificateItDoesNotGet() throws Exception {
        try (NatsServer nats = NatsServer.start(tls(certificates.serverCert(), true))) {
            Map<String, Object> settings = bridgeSettings(nats.tlsUrl());
            settings.put(NatsSettings.TLS_CA_FILE, certificates.ca().toString());
            IllegalStateException failure = startupFailure(settings);
            assertTrue(failure.getMessage().contains(NatsSettings.TLS_CERT_FILE), failure.getMessage());
        }
    }

    @Test
    void shouldNameAClientKeyInTheLegacyFormatAndHowToConvertIt() throws Exception {
        try (NatsServer nats = NatsServer.start(tls(certificates.serverCert(), true))) {
            Map<String, Object> settings = bridgeSettings(nats.tlsUrl());
            settings.putAll(clientTls(certificates.ca()));
            settings.put(NatsSettings.TLS_KEY_FILE, certificates.clientKeyPkcs1().toString());
            ConfigException failure = assertThrows(ConfigException.class, () -> BridgeApp.start(settings).close());
            assertTrue(failure.getMessage().contains(NatsSettings.TLS_KEY_FILE)
                && failure.getMessage().contains("openssl pkcs8 -topk8 -nocrypt"), failure.getMessage());
        }
    }

    /** Starts a bridge with {@code settings}, publishes an event and a request as the notification side would, and
     * waits for their digest on the digest stream. */
    private void assertDigestThrough(Map<String, Object> settings, NatsSettings client) throws Exception {
        String user = "secured-user-" + (++users);
        try (BridgeApp bridge = BridgeApp.start(settings);
             Connection nats = NatsConnections.connect(client, "test")) {
            nats.publish("AlarmStatusChanged", utf8("{\"AlarmID\":\"a1\",\"UserID\":\"" + user
                + "\",\"Status\":\"CRITICAL\",\"ChangedAt\":\"2021-06-07T20:40:15Z\"}"));
            nats.publish("SendAlarmDigest", utf8("{\"UserID\":\"" + user + "\"}"));
            nats.flush(Duration.ofSeconds(5));
            JetStreamSubscription digests = nats.jetStream().subscribe("AlarmDigest",
                PullSubscribeOptions.builder().stream("ALARM_DIGEST_OUTPUT").build());
            String digest = null;
            long deadline = System.nanoTime() + DIGEST_TIMEOUT.toNanos();
            while (digest == null && System.nanoTime() < deadline) {
                for (Message message : digests.fetch(10, Duration.ofSeconds(1))) {
                    String text = new String(message.getData(), StandardCharsets.UTF_8);
                    if (text.contains("\"" + user + "\"")) {
                        digest = text;
                    }
                }
            }
            assertEquals("{\"UserID\":\"" + user + "\",\"ActiveAlarms\":[{\"AlarmID\":\"a1\",\"Status\":\"CRITICAL\","
                + "\"LatestChangedAt\":\"2021-06-07T20:40:15Z\"}]}", digest, "the digest came back through NATS");
            assertEquals(null, bridge.problem(), "the bridge is ready");
        }
    }

    private IllegalStateException startupFailure(Map<String, Object> settings) {
        IllegalStateException failure = assertTimeoutPreemptively(FAILURE_GUARD,
            () -> assertThrows(IllegalStateException.class, () -> BridgeApp.start(settings).close()),
            "start-up must stop, not retry for ever");
        for (String secret : secrets) {
            assertTrue(!failure.getMessage().contains(secret), "no secret in the message: " + failure.getMessage());
        }
        LoggerFactory.getLogger(SecuredNatsIT.class).info("Start-up stopped as it should: {}", failure.getMessage());
        return failure;
    }

    private Map<String, Object> kafkaSettings() {
        Map<String, Object> settings = new HashMap<>();
        settings.put("bootstrap.servers", kafka.bootstrapServers());
        settings.put("topic.partitions", 2);
        return settings;
    }

    private Map<String, Object> bridgeSettings(String natsUrl) {
        Map<String, Object> settings = kafkaSettings();
        settings.put(NatsSettings.URLS, natsUrl);
        settings.put("shutdown.timeout.ms", 10_000L);
        return settings;
    }

    private NatsSettings testClient(String natsUrl) {
        return NatsSettings.of(Map.of(NatsSettings.URLS, natsUrl, NatsSettings.USER, "test", NatsSettings.PASSWORD,
            TEST_PASSWORD));
    }

    private Map<String, Object> clientTls(Path ca) {
        return new HashMap<>(Map.of(NatsSettings.TLS_CA_FILE, ca.toString(),
            NatsSettings.TLS_CERT_FILE, certificates.clientCert().toString(),
            NatsSettings.TLS_KEY_FILE, certificates.clientKey().toString()));
    }

    /** A server TLS block with {@code cert} (and the server key), asking for client certificates when {@code verify}. */
    private String tls(Path cert, boolean verify) {
        return "tls {\n  cert_file: \"" + cert + "\"\n  key_file: \"" + certificates.serverKey() + "\"\n"
            + "  ca_file: \"" + certificates.ca() + "\"\n  verify: " + verify + "\n  timeout: 5\n}\n";
    }

    /** The service's user with {@code permissions}, and a test client allowed everything. */
    private static String authorization(String permissions) {
        return "authorization {\n  users = [\n"
            + "    { user: alarm-digest, password: \"" + PASSWORD + "\", permissions: " + permissions + " }\n"
            + "    { user: test, password: \"" + TEST_PASSWORD + "\" }\n  ]\n}\n";
    }

    /** README's permissions of the service's NATS user (its defaults' subjects and streams), less {@code left out}. */
    private static String servicePermissions(List<String> leftOut) throws Exception {
        String block = ReadmeBlocks.natsPermissions();
        for (String subject : leftOut) {
            assertTrue(block.contains("\"" + subject + "\""), "README grants " + subject);
            block = block.replace("\"" + subject + "\",", "").replace("\"" + subject + "\"", "");
        }
        return block;
    }

    private static String keyBody(Path pem) throws Exception {
        List<String> lines = Files.readAllLines(pem);
        return lines.get(1);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
