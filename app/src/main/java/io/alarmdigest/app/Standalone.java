package io.alarmdigest.app;

import io.alarmdigest.bridge.BridgeApp;
import io.alarmdigest.bridge.NatsConnections;
import io.alarmdigest.kafka.embedded.SingleNodeKafka;
import io.alarmdigest.processor.app.ProcessorApp;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The whole service in one JVM: a single-node Kafka (unless {@code bootstrap.servers} names one), the processor and
 * both bridges. Data (Kafka's log, the processor's state) lives under {@code --data-dir} and survives restarts,
 * kill -9 included: nothing accepted is lost, nothing delivered is sent again.
 */
@Command(name = "standalone", mixinStandardHelpOptions = true,
    description = "Run everything in one process: embedded Kafka (unless bootstrap.servers is set), processor, "
        + "bridges. NATS must be running (default nats://127.0.0.1:4222).")
final class Standalone implements Callable<Integer> {
    /** Kafka's usual ports plus 10,000, so that a Kafka already on this machine is left alone. */
    static final int DEFAULT_KAFKA_PORT = 19092;
    static final int DEFAULT_CONTROLLER_PORT = 19093;

    @CommandLine.Mixin
    Launcher.SettingsOptions settings;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data-dir", defaultValue = "data", description = "Where Kafka and the state live (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--kafka-port", defaultValue = "" + DEFAULT_KAFKA_PORT, description = "Port of the embedded Kafka.")
    int kafkaPort;

    @Option(names = "--controller-port", defaultValue = "" + DEFAULT_CONTROLLER_PORT,
        description = "Port of the embedded Kafka's controller.")
    int controllerPort;

    @CommandLine.Mixin
    Launcher.HttpOptions http;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> resolved = settings.resolve();
        List<AutoCloseable> started = new ArrayList<>();
        try {
            OpsServer ops = http.start(out, Launcher.HttpOptions.LOOPBACK);
            if (ops != null) {
                started.add(ops);
            }
            if (!resolved.containsKey(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG)) {
                SingleNodeKafka kafka = SingleNodeKafka.start(dataDir.resolve("kafka"), kafkaPort, controllerPort);
                started.add(kafka);
                resolved.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
                out.println("kafka ready: " + kafka.bootstrapServers() + " (data in " + dataDir.resolve("kafka") + ")");
            }
            resolved.putIfAbsent(StreamsConfig.STATE_DIR_CONFIG, dataDir.resolve("streams").toAbsolutePath().toString());
            // One instance of each: static membership lets a restart after a crash take its partitions back at once
            // instead of after the session timeout.
            resolved.putIfAbsent("consumer.group.instance.id", "alarm-digest-standalone");
            ProcessorApp processor = ProcessorApp.start(Launcher.HttpOptions.advertise(resolved, ops),
                http.registry());
            started.add(processor);
            if (ops != null) {
                ops.watch(processor);
            }
            out.println("processor ready: state in " + resolved.get(StreamsConfig.STATE_DIR_CONFIG));
            BridgeApp bridge = BridgeApp.start(resolved, http.registry());
            started.add(bridge);
            if (ops != null) {
                ops.watch(bridge);
            }
            out.println("bridge ready: NATS " + NatsConnections.redacted(bridge.config().nats())
                + ", subjects " + bridge.config().statusSubject() + ", " + bridge.config().requestSubject() + " -> "
                + bridge.config().digestSubject());
        } catch (Exception e) {
            closeAll(started);
            throw e;
        }
        return Launcher.runUntilStopped(() -> closeAll(started), out, "alarm-digest ready (Ctrl-C to stop)");
    }

    /** Stops what was started in reverse order: bridges first, then the processor, then Kafka. */
    private static void closeAll(List<AutoCloseable> started) throws Exception {
        List<AutoCloseable> reversed = new ArrayList<>(started);
        Collections.reverse(reversed);
        Exception first = null;
        for (AutoCloseable closeable : reversed) {
            try {
                closeable.close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
