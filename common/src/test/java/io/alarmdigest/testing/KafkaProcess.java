package io.alarmdigest.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node KRaft Kafka broker in a child JVM, on fixed ports and its own data directory, for fault tests:
 * it can be stopped (the broker is gone, connections refused) and started again on the same ports and data, like a
 * broker restart in production. Built from the test classpath's {@code kafka_2.13}; slower to start than
 * {@link KafkaBroker} (a JVM of its own), so use it only where the broker must go away.
 */
public final class KafkaProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final int port;
    private final Path dir;
    private final Path properties;
    private Process process;

    private KafkaProcess(int port, Path dir, Path properties) {
        this.port = port;
        this.dir = dir;
        this.properties = properties;
    }

    public static KafkaProcess start() throws IOException, InterruptedException {
        int port = Ports.free();
        int controllerPort = Ports.free();
        Path dir = Files.createTempDirectory("kafka-process-");
        Path properties = dir.resolve("server.properties");
        Files.writeString(properties, String.join("\n",
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
            "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs=" + dir.resolve("data"),
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "transaction.state.log.num.partitions=1",
            "group.initial.rebalance.delay.ms=0",
            // Lets tests use short group session timeouts, so that a killed member's place moves fast.
            "group.min.session.timeout.ms=1000",
            "auto.create.topics.enable=false",
            ""));
        KafkaProcess kafka = new KafkaProcess(port, dir, properties);
        Process format = kafka.java("kafka.tools.StorageTool", "format", "-t", randomClusterId(), "-c",
            properties.toString(), "--standalone").start();
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            throw new IllegalStateException("formatting the Kafka storage failed; see " + dir.resolve("kafka.out"));
        }
        kafka.startBroker();
        return kafka;
    }

    /** The server process's id (for its memory, read from /proc). */
    public long pid() {
        return process.pid();
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Stops the broker as SIGTERM does, and waits until it is gone. */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
        process = null;
    }

    /** Starts the broker again on the same ports and data. */
    public void startBroker() throws IOException, InterruptedException {
        process = ChildProcesses.register(java("kafka.Kafka", properties.toString()).start());
        Ports.awaitListening(process, port, START_TIMEOUT, dir.resolve("kafka.out"));
    }

    private ProcessBuilder java(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx512m", "-Djava.io.tmpdir=" + dir, "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("kafka.out").toFile()));
    }

    /**
     * A cluster id as {@code kafka-storage random-uuid} makes it: Kafka's own never starts with a dash, which the
     * format tool's argument parser would take for an option (a plain random UUID in base64 does, one time in 64).
     */
    private static String randomClusterId() {
        return Uuid.randomUuid().toString();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
