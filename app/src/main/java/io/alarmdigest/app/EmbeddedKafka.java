package io.alarmdigest.app;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka (broker and controller in one) inside this JVM, for {@code standalone}. Its data lives
 * in a directory kept across restarts (formatted on first use only), so a restarted service loses nothing. It is
 * configured as a one-node cluster must be: replication factors and the transaction log's min ISR of 1, no
 * automatic topic creation (the service creates its topics).
 */
final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final KafkaRaftServer server;
    private final int port;

    private EmbeddedKafka(KafkaRaftServer server, int port) {
        this.server = server;
        this.port = port;
    }

    static EmbeddedKafka start(Path dataDir, int port, int controllerPort) throws Exception {
        Path logDir = dataDir.toAbsolutePath();
        Files.createDirectories(logDir);
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("log.dirs", logDir.toString());
        props.put("offsets.topic.replication.factor", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("auto.create.topics.enable", "false");
        // Broker and controller share this process, so a kill -9 ends both; restarted, the controller keeps the old
        // broker registration until its session times out (9 s by default), and the broker waits for that.
        props.put("broker.heartbeat.interval.ms", "500");
        props.put("broker.session.timeout.ms", "2000");
        KafkaConfig config = KafkaConfig.fromProps(props);

        if (!Files.exists(logDir.resolve("meta.properties"))) {
            LOG.info("Formatting a new single-node Kafka in {}", logDir);
            new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(1)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(logDir.toString()))
                .setMetadataLogDirectory(logDir.toString())
                .setReleaseVersion(MetadataVersion.latestProduction())
                .setControllerListenerName("CONTROLLER")
                .run();
        }
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        EmbeddedKafka kafka = new EmbeddedKafka(server, port);
        kafka.awaitListening();
        LOG.info("Embedded Kafka ready at {} (data in {})", kafka.bootstrapServers(), logDir);
        return kafka;
    }

    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    private void awaitListening() throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                TimeUnit.MILLISECONDS.sleep(100);
            }
        }
        throw new IllegalStateException("the embedded Kafka did not listen on port " + port + " within "
            + START_TIMEOUT);
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        LOG.info("Embedded Kafka stopped");
    }
}
