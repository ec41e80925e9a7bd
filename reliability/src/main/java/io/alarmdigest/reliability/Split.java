package io.alarmdigest.reliability;

import io.alarmdigest.testing.JavaProcess;
import io.alarmdigest.testing.KafkaProcess;
import io.alarmdigest.testing.NatsServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The split deployment: a nats-server, a Kafka broker in a JVM of its own, the processor(s), the ingress and the
 * egress, each a separate process that can be killed alone.
 */
public final class Split implements AutoCloseable {
    public final NatsServer nats;
    public final KafkaProcess kafka;
    public final List<JavaProcess> processors = new ArrayList<>();
    public final List<Path> stateDirs = new ArrayList<>();
    public JavaProcess ingress;
    public JavaProcess egress;

    private Split(NatsServer nats, KafkaProcess kafka) {
        this.nats = nats;
        this.kafka = kafka;
    }

    public static Split start(Path dir, int processorCount, List<String> processorSettings) throws Exception {
        Split split = new Split(NatsServer.start(), KafkaProcess.start());
        try {
            String bootstrap = split.kafka.bootstrapServers();
            for (int i = 1; i <= processorCount; i++) {
                Path stateDir = dir.resolve("processor-" + i + "-state");
                split.stateDirs.add(stateDir);
                split.processors.add(Deployments.processor("processor-" + i, dir, bootstrap, stateDir,
                    processorSettings));
            }
            split.ingress = Deployments.bridge("ingress", dir, split.nats.url(), bootstrap, "ingress");
            split.egress = Deployments.bridge("egress", dir, split.nats.url(), bootstrap, "egress");
            return split;
        } catch (Exception | Error e) {
            split.close();
            throw e;
        }
    }

    @Override
    public void close() throws Exception {
        List<AutoCloseable> all = new ArrayList<>();
        all.add(ingress);
        all.add(egress);
        all.addAll(processors);
        all.add(kafka);
        all.add(nats);
        for (AutoCloseable closeable : all) {
            if (closeable != null) {
                closeable.close();
            }
        }
    }
}
