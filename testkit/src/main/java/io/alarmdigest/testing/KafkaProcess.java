package io.alarmdigest.testing;

import io.alarmdigest.kafka.embedded.SingleNodeKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real single-node KRaft Kafka broker in a child JVM ({@link SingleNodeKafka#main}), on fixed ports and its own
 * data directory, for fault tests and the benchmark: it can be stopped (the broker is gone, connections refused) and
 * started again on the same ports and data, like a broker restart in production. Slower to start than
 * {@link KafkaBroker} (a JVM of its own), so use it only where the broker must go away or be measured apart.
 */
public final class KafkaProcess implements AutoCloseable {
    /** A JVM's start, the storage's formatting on first use, then the broker's own start. */
    private static final Duration START_TIMEOUT = SingleNodeKafka.START_TIMEOUT.multipliedBy(2);

    private final int port;
    private final JavaProcess process;

    private KafkaProcess(int port, JavaProcess process) {
        this.port = port;
        this.process = process;
    }

    public static KafkaProcess start() throws IOException, InterruptedException {
        int port = Ports.free();
        Path dir = Files.createTempDirectory("kafka-process-");
        JavaProcess process = JavaProcess.start("kafka", dir, List.of("-Xmx512m"), SingleNodeKafka.class.getName(),
            List.of(dir.resolve("data").toString(), Integer.toString(port), Integer.toString(Ports.free())),
            SingleNodeKafka.READY, START_TIMEOUT);
        return new KafkaProcess(port, process);
    }

    /** The server process's id (for its memory and CPU, read from /proc). */
    public long pid() {
        return process.pid();
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Stops the broker as SIGTERM does (a controlled shutdown), and waits until it is gone. */
    public void stop() throws InterruptedException {
        process.stop();
    }

    /** Starts the broker again on the same ports and data, and waits until it is ready. */
    public void startBroker() throws IOException, InterruptedException {
        process.start();
    }

    /** Stops the broker as {@link #stop()} does (a controlled shutdown), killing it should that not end it. */
    @Override
    public void close() throws InterruptedException {
        try {
            process.stop();
        } finally {
            process.close();
        }
    }
}
