package io.alarmdigest.bridge;

import io.alarmdigest.kafka.RecordLimits;
import io.alarmdigest.kafka.TopicProvisioner;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the bridges the settings ask for ({@code bridge.roles}): provisions the Kafka topics and the JetStream
 * streams, connects, and starts the ingress and/or the egress, each with its own NATS connection and Kafka clients.
 * {@link #close()} stops them gracefully: the ingress commits its open transaction and leaves its election group,
 * the egress finishes and commits what it published, then the connections are drained and closed.
 */
public final class BridgeApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BridgeApp.class);

    private final BridgeConfig config;
    private final MeterRegistry meters;
    private final List<AutoCloseable> running = new ArrayList<>();
    private final List<Connection> connections = new ArrayList<>();
    private final List<NatsProblems> problems = new ArrayList<>();
    private Ingress ingress;

    private BridgeApp(BridgeConfig config, MeterRegistry meters) {
        this.config = config;
        this.meters = meters;
    }

    /** Starts the bridges with meters of their own ({@link #meters()}). */
    public static BridgeApp start(Map<?, ?> settings) throws IOException, InterruptedException {
        return start(settings, new SimpleMeterRegistry());
    }

    /**
     * Starts the bridges the settings ask for, registering their meters ({@link IngressMetrics},
     * {@link EgressMetrics}) in {@code meters}.
     *
     * @throws org.apache.kafka.common.config.ConfigException naming a bad setting
     * @throws IllegalStateException when the topics or streams cannot be used as they are
     */
    public static BridgeApp start(Map<?, ?> settings, MeterRegistry meters) throws IOException, InterruptedException {
        BridgeConfig config = new BridgeConfig(settings);
        BridgeApp app = new BridgeApp(config, meters);
        try {
            app.startRoles();
        } catch (IOException | InterruptedException | RuntimeException e) {
            app.close();
            throw e;
        }
        return app;
    }

    private void startRoles() throws IOException, InterruptedException {
        try (Admin admin = Admin.create(config.adminProperties())) {
            TopicProvisioner.ensureTopics(admin, config.topics());
            if (config.runsIngress()) {
                int largest = config.ingressMaxMessageBytes() + RecordLimits.OVERHEAD_BYTES;
                TopicProvisioner.retrying(() -> TopicProvisioner.requireMessageSize(admin, Map.of(
                    config.topics().input(), largest, config.topics().deadLetter(), largest)));
            }
        } catch (ExecutionException e) {
            throw TopicProvisioner.failed(e);
        }
        if (config.runsIngress()) {
            NatsProblems problems = new NatsProblems("ingress");
            Connection nats = connect("ingress", problems);
            NatsStreams.Input input;
            try {
                // Also at every start of copying; here, so that a stream that cannot be used stops start-up.
                input = NatsStreams.provisionInput(nats.jetStreamManagement(), config);
            } catch (JetStreamApiException | IOException e) {
                throw provisioningFailed("input stream " + config.inputStream(), e, nats, problems);
            }
            IngressMetrics ingressMetrics = new IngressMetrics(meters, input.stream(),
                List.of(config.statusSubject(), config.requestSubject()));
            running.add(ingressMetrics);
            Ingress ingress = new Ingress(config, nats,
                () -> new KafkaProducer<>(config.producerProperties(), new StringSerializer(), new ByteArraySerializer()),
                ingressMetrics, new IngressElection(config), Time.SYSTEM);
            this.ingress = ingress;
            running.add(ingress);
            ingress.start();
        }
        if (config.runsEgress()) {
            NatsProblems problems = new NatsProblems("egress");
            Connection nats = connect("egress", problems);
            if (config.digestStreamEnabled()) {
                try {
                    NatsStreams.provisionDigestStream(nats.jetStreamManagement(), config);
                } catch (JetStreamApiException | IOException e) {
                    throw provisioningFailed("digest stream " + config.digestStream(), e, nats, problems);
                }
            }
            EgressMetrics egressMetrics = new EgressMetrics(meters);
            running.add(egressMetrics);
            Egress egress = new Egress(config, nats,
                () -> new KafkaConsumer<>(config.consumerProperties(), new StringDeserializer(),
                    new ByteArrayDeserializer()),
                egressMetrics, Time.SYSTEM);
            running.add(egress);
            egress.start();
        }
    }

    /**
     * A JetStream stream could not be provisioned: most often a permission the service's NATS user lacks, which the
     * server names (the request itself only times out).
     */
    private static IllegalStateException provisioningFailed(String what, Exception e, Connection nats,
                                                            NatsProblems problems) {
        try {
            // A round trip: the server's -ERR about the refused permission came before its answer to it.
            nats.flush(Duration.ofSeconds(5));
        } catch (TimeoutException | InterruptedException | RuntimeException flushFailed) {
            if (flushFailed instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
        String denied = problems.permissionDenied();
        return new IllegalStateException("Could not provision the JetStream " + what + ": " + (denied == null
            ? e.getMessage() : "NATS refused a permission: " + denied + "; grant it to the service's NATS user "
                + "(README, 'NATS permissions')"), e);
    }

    private Connection connect(String role, NatsProblems problems) throws InterruptedException {
        Connection nats = NatsConnections.connect(config.nats(), role, problems);
        this.problems.add(problems);
        connections.add(nats);
        running.add(() -> {
            try {
                nats.drain(Duration.ofSeconds(5)).get();
            } catch (Exception e) {
                LOG.debug("NATS {} drain did not complete: {}", role, e.toString());
            } finally {
                nats.close();
            }
        });
        return nats;
    }

    /** Whether every NATS connection of the bridge is up (for a readiness check). */
    public boolean natsConnected() {
        return !connections.isEmpty()
            && connections.stream().allMatch(c -> c.getStatus() == Connection.Status.CONNECTED);
    }

    /** What keeps the bridge from doing its work, for a readiness check (NATS away, the ingress unelectable), or null. */
    public String problem() {
        if (!natsConnected()) {
            return "NATS not connected";
        }
        for (NatsProblems connection : problems) {
            if (connection.permissionDenied() != null) {
                return "NATS refused a permission: " + connection.permissionDenied();
            }
        }
        String ingressProblem = ingress == null ? null : ingress.problem();
        return ingressProblem == null ? null : "ingress: " + ingressProblem;
    }

    /** Where the bridges' meters are registered. */
    public MeterRegistry meters() {
        return meters;
    }

    public BridgeConfig config() {
        return config;
    }

    /** Stops the halves in reverse order of start, then drains and closes their connections. */
    @Override
    public void close() throws InterruptedException {
        List<AutoCloseable> reversed = new ArrayList<>(running);
        Collections.reverse(reversed);
        running.clear();
        for (AutoCloseable closeable : reversed) {
            try {
                closeable.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw e;
            } catch (Exception e) {
                LOG.warn("Could not close {} cleanly: {}", closeable, e.toString());
            }
        }
    }
}
