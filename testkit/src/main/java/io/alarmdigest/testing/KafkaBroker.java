package io.alarmdigest.testing;

import io.alarmdigest.kafka.embedded.SingleNodeKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
        Path dir = Files.createTempDirectory("kafka-");
        try {
            return new KafkaBroker(SingleNodeKafka.start(dir, Ports.free(), Ports.free()), dir);
        } catch (IOException | InterruptedException | RuntimeException e) {
            Directories.delete(dir);
            throw e;
        }
    }

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
