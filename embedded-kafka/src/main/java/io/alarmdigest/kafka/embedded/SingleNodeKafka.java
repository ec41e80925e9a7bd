package io.alarmdigest.kafka.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka (broker and controller in one process) configured the one way this project runs one:
 * {@code standalone} runs it inside its JVM, and the tests and the benchmark run it in theirs ({@code KafkaBroker})
 * or as a child process ({@link #main}, {@code KafkaProcess}), so that every single-node broker here is the same.
 *
 * <p>Its data directory is formatted on first use only (with the production feature levels, as
 * {@code kafka-storage format} sets them) and kept across restarts, so a restarted broker loses nothing. It is
 * configured as a one-node cluster must be: replication factors and the transaction log's min ISR of 1, no automatic
 * topic creation (the service creates its topics). {@link #start} returns once the broker is registered, unfenced
 * and answering: a topic can be created at once.
 */
public final class SingleNodeKafka implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SingleNodeKafka.class);
    /** How long a start may take before it is reported as failed. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** What {@link #main} prints, followed by the bootstrap address, once the broker is ready. */
    public static final String READY = "kafka ready at ";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final KafkaRaftServer server;
    private final int port;
    private final Secured secured;

    private SingleNodeKafka(KafkaRaftServer server, int port, Secured secured) {
        this.server = server;
        this.port = port;
        this.secured = secured;
    }

    /**
     * A client listener that demands TLS and SASL SCRAM-SHA-512, as production Kafka clusters do (the users are
     * created afterwards, through the Admin API, on the internal listener): the broker's certificate and key in one
     * PEM file (an unencrypted PKCS #8 key), and a plaintext listener on loopback for the broker itself and for
     * whoever sets the cluster up.
     *
     * @param keyAndCertificate the broker's PEM key and certificate chain
     * @param internalPort the internal (plaintext) listener's port
     */
    public record Secured(Path keyAndCertificate, int internalPort) {
    }

    /**
     * The broker's configuration: node 1 in both roles, on loopback, its log in {@code dataDir}.
     *
     * @param port the client listener ({@code PLAINTEXT})
     * @param controllerPort the controller listener, for the broker part of the same process
     */
    public static Properties configuration(Path dataDir, int port, int controllerPort) {
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + port + "," + CONTROLLER_LISTENER + "://127.0.0.1:"
            + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("log.dirs", dataDir.toAbsolutePath().toString());
        props.put("auto.create.topics.enable", "false");
        // One node: every internal topic has one replica, and one partition is plenty for its groups and transactions
        // (fifty, Kafka's default, only make the first group and the first transaction wait for their creation).
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        // Clients may ask for session timeouts down to a second (an ingress election tuned for a fast takeover).
        props.put("group.min.session.timeout.ms", "1000");
        // Broker and controller share this process, so a kill -9 ends both; restarted, the controller keeps the old
        // broker registration until its session times out (9 s by default), and the broker waits for that.
        props.put("broker.heartbeat.interval.ms", "500");
        props.put("broker.session.timeout.ms", "2000");
        return props;
    }

    /**
     * The same broker with its client listener {@code SASL_SSL} (SCRAM-SHA-512) and an internal plaintext listener
     * for the broker itself (see {@link Secured}).
     */
    public static Properties configuration(Path dataDir, int port, int controllerPort, Secured secured) {
        Properties props = configuration(dataDir, port, controllerPort);
        String internal = "INTERNAL://127.0.0.1:" + secured.internalPort();
        props.put("listeners", "SASL_SSL://127.0.0.1:" + port + "," + internal + "," + CONTROLLER_LISTENER
            + "://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "SASL_SSL://127.0.0.1:" + port + "," + internal);
        props.put("listener.security.protocol.map", "SASL_SSL:SASL_SSL,INTERNAL:PLAINTEXT," + CONTROLLER_LISTENER
            + ":PLAINTEXT");
        props.put("inter.broker.listener.name", "INTERNAL");
        props.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
        props.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
            "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        props.put("ssl.keystore.type", "PEM");
        props.put("ssl.keystore.location", secured.keyAndCertificate().toAbsolutePath().toString());
        return props;
    }

    /** Starts the broker in this JVM on {@code dataDir} (formatted if new) and waits until it is ready. */
    public static SingleNodeKafka start(Path dataDir, int port, int controllerPort) throws IOException,
        InterruptedException {
        return start(dataDir, port, controllerPort, null);
    }

    /** As {@link #start(Path, int, int)}, with a secured client listener unless {@code secured} is null. */
    public static SingleNodeKafka start(Path dataDir, int port, int controllerPort, Secured secured)
        throws IOException, InterruptedException {
        KafkaConfig config = KafkaConfig.fromProps(secured == null ? configuration(dataDir, port, controllerPort)
            : configuration(dataDir, port, controllerPort, secured));
        formatIfNew(dataDir);
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        SingleNodeKafka kafka = new SingleNodeKafka(server, port, secured);
        try {
            server.startup();
            awaitReady(kafka.internalBootstrapServers(), START_TIMEOUT, () -> true, "this process's log");
        } catch (RuntimeException | InterruptedException e) {
            try {
                kafka.close();
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        LOG.info("Single-node Kafka ready at {} (data in {})", kafka.bootstrapServers(), dataDir.toAbsolutePath());
        return kafka;
    }

    /** Formats {@code dataDir} as node 1 of a new cluster, unless it already holds one. */
    private static void formatIfNew(Path dataDir) throws IOException {
        Path logDir = dataDir.toAbsolutePath();
        Files.createDirectories(logDir);
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return;
        }
        LOG.info("Formatting a new single-node Kafka in {}", logDir);
        try {
            new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(1)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(logDir.toString()))
                .setMetadataLogDirectory(logDir.toString())
                .setReleaseVersion(MetadataVersion.latestProduction())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .run();
        } catch (Exception e) {
            throw new IOException("Could not format the Kafka data directory " + logDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Waits until the broker at {@code bootstrap} listens and lists itself among the cluster's live brokers (it is
     * registered and unfenced: topics can be created on it).
     *
     * @param alive whether the broker's process still runs; checked between attempts
     * @param log where to look when it does not get ready, named in the failure
     * @throws IllegalStateException when it exits or the timeout passes first
     */
    public static void awaitReady(String bootstrap, Duration timeout, BooleanSupplier alive, String log)
        throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        InetSocketAddress address = address(bootstrap);
        String lastSeen = "nothing listening on " + bootstrap;
        while (!listening(address)) {
            lastSeen = requireAliveBefore(deadline, alive, timeout, lastSeen, log);
            TimeUnit.MILLISECONDS.sleep(50);
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000))) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                    lastSeen = "the broker listens but is not registered and unfenced yet";
                } catch (ExecutionException | TimeoutException e) {
                    lastSeen = "the broker did not answer: " + (e.getCause() == null ? e : e.getCause());
                }
                lastSeen = requireAliveBefore(deadline, alive, timeout, lastSeen, log);
                TimeUnit.MILLISECONDS.sleep(50);
            }
        }
    }

    private static String requireAliveBefore(long deadline, BooleanSupplier alive, Duration timeout, String lastSeen,
                                             String log) {
        if (!alive.getAsBoolean()) {
            throw new IllegalStateException("Kafka exited before it was ready (" + lastSeen + "); see " + log);
        }
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("Kafka was not ready within " + timeout + " (" + lastSeen + "); see "
                + log);
        }
        return lastSeen;
    }

    private static boolean listening(InetSocketAddress address) {
        try (Socket socket = new Socket()) {
            socket.connect(address, 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    private static InetSocketAddress address(String bootstrap) {
        int colon = bootstrap.lastIndexOf(':');
        return new InetSocketAddress(bootstrap.substring(0, colon), Integer.parseInt(bootstrap.substring(colon + 1)));
    }

    /** The client listener. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** A plaintext listener of the broker's own: the client listener unless it is secured. */
    public String internalBootstrapServers() {
        return secured == null ? bootstrapServers() : "127.0.0.1:" + secured.internalPort();
    }

    /** Stops the broker (a controlled shutdown: its logs are flushed and closed cleanly). */
    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        LOG.info("Single-node Kafka stopped");
    }

    /**
     * Runs the broker in a JVM of its own until SIGTERM (a controlled shutdown) or SIGKILL, as a broker process in
     * production runs: {@code SingleNodeKafka <data-dir> <port> <controller-port>}.
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: SingleNodeKafka <data-dir> <port> <controller-port>");
            System.exit(2);
        }
        SingleNodeKafka kafka = start(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]));
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "single-node-kafka-stop"));
        System.out.println(READY + kafka.bootstrapServers());
        System.out.flush();
        kafka.server.awaitShutdown();
    }
}
