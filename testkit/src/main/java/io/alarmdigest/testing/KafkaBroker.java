package io.alarmdigest.testing;

import static org.hamcrest.Matchers.is;

import io.alarmdigest.kafka.embedded.SingleNodeKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

/**
 * A real single-node KRaft Kafka broker in this JVM, for tests: {@link SingleNodeKafka}, the broker
 * {@code standalone} runs, on free ports and a scratch directory that is deleted on close. Start one per test class.
 */
public final class KafkaBroker implements AutoCloseable {
    private final SingleNodeKafka kafka;
    private final Path dir;

    private KafkaBroker(SingleNodeKafka kafka, Path dir) {
        this.kafka = kafka;
        this.dir = dir;
    }

    public static KafkaBroker start() throws IOException, InterruptedException {
        return start(null);
    }

    /**
     * A broker whose client listener demands TLS (the server certificate of {@code certificates}) and SCRAM-SHA-512,
     * with {@code users} (name to password) created and able to authenticate when it returns.
     */
    public static KafkaBroker startSecured(TestCertificates certificates, Map<String, String> users)
        throws IOException, InterruptedException {
        Path pem = certificates.dir().resolve("kafka-broker.pem");
        Files.writeString(pem, Files.readString(certificates.serverKey()) + Files.readString(certificates.serverCert()));
        KafkaBroker broker = start(new SingleNodeKafka.Secured(pem, Ports.free()));
        try {
            broker.createUsers(certificates, users);
        } catch (RuntimeException | InterruptedException e) {
            broker.close();
            throw e;
        }
        return broker;
    }

    private static KafkaBroker start(SingleNodeKafka.Secured secured) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("kafka-");
        try {
            return new KafkaBroker(SingleNodeKafka.start(dir, Ports.free(), Ports.free(), secured), dir);
        } catch (IOException | InterruptedException | RuntimeException e) {
            Directories.delete(dir);
            throw e;
        }
    }

    private void createUsers(TestCertificates certificates, Map<String, String> users) throws InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            kafka.internalBootstrapServers()))) {
            List<UserScramCredentialAlteration> upserts = new ArrayList<>();
            users.forEach((user, password) -> upserts.add(new UserScramCredentialUpsertion(user,
                new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password)));
            admin.alterUserScramCredentials(upserts).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not create the SCRAM users: " + e, e);
        }
        // The broker applies the users' credentials from the metadata log a moment after the controller took them.
        for (Map.Entry<String, String> user : users.entrySet()) {
            Map<String, Object> client = new HashMap<>(saslClientSettings(certificates, user.getKey(), user.getValue()));
            client.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
            Waits.awaitThat("user " + user.getKey() + " authenticates", () -> authenticates(client), is(true));
        }
    }

    private static boolean authenticates(Map<String, Object> client) throws InterruptedException {
        try (Admin admin = Admin.create(client)) {
            admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /** What a client of a secured broker sets: SASL_SSL, SCRAM-SHA-512 as {@code user}, the test CA trusted. */
    public static Map<String, String> saslClientSettings(TestCertificates certificates, String user, String password) {
        return Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512",
            "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + user + "\" password=\"" + password + "\";",
            "ssl.truststore.type", "PEM", "ssl.truststore.location", certificates.ca().toString());
    }

    /** The client listener. */
    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    @Override
    public void close() {
        try {
            kafka.close();
        } finally {
            Directories.delete(dir);
        }
    }
}
