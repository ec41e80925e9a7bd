package io.alarmdigest.reliability;

import io.alarmdigest.testing.JavaProcess;
import io.alarmdigest.testing.NatsServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The quick suites' service: a nats-server of its own and {@code standalone} as a child process on free ports,
 * with a {@link Run} attached to it. Closing stops the service gracefully (SIGTERM), then NATS.
 */
public final class StandaloneUnderTest implements AutoCloseable {
    public final NatsServer nats;
    public final JavaProcess service;
    public final Run run;
    /** The embedded Kafka's address, for what only Kafka shows (open transactions, dead letters). */
    public final String bootstrap;

    private StandaloneUnderTest(NatsServer nats, JavaProcess service, Run run, String bootstrap) {
        this.nats = nats;
        this.service = service;
        this.run = run;
        this.bootstrap = bootstrap;
    }

    /** Starts it all under a new temporary directory named after {@code name}; {@code settings}: --set args. */
    public static StandaloneUnderTest start(String name, List<String> settings) throws Exception {
        Path dir = Files.createTempDirectory(name);
        NatsServer nats = NatsServer.start();
        JavaProcess service = null;
        try {
            int kafkaPort = Deployments.freePort();
            service = Deployments.standalone(dir, nats.url(), kafkaPort, Deployments.freePort(), settings);
            return new StandaloneUnderTest(nats, service, new Run(nats.url(), name), "127.0.0.1:" + kafkaPort);
        } catch (Exception | Error e) {
            if (service != null) {
                service.close();
            }
            nats.close();
            throw e;
        }
    }

    @Override
    public void close() throws Exception {
        try {
            run.close();
            service.stop();
        } finally {
            service.close();
            nats.close();
        }
    }
}
