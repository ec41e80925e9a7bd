package io.alarmdigest.bench;

import io.alarmdigest.reliability.Deployments;
import io.alarmdigest.testing.JavaProcess;
import io.alarmdigest.testing.KafkaProcess;
import io.alarmdigest.testing.NatsServer;
import io.alarmdigest.testing.Ports;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The service under measurement with the shipped defaults: {@code standalone} (one process with its embedded
 * Kafka) or split (a Kafka broker, the processor, the ingress and the egress, each a process of its own), both with
 * a nats-server of their own; or a service already running at given addresses, which is only driven and read.
 */
final class Deployment implements AutoCloseable {
    /** A process whose memory the report shows; {@code httpPort} -1 when it has no metrics endpoint. */
    record Measured(String name, long pid, int httpPort) {
    }

    enum Mode { STANDALONE, SPLIT, EXTERNAL }

    /** The names the report gives the processes. */
    static final String PROCESSOR = "processor";
    static final String INGRESS = "bridge ingress";
    static final String EGRESS = "bridge egress";
    static final String BROKER = "kafka broker";
    static final String NATS = "nats-server";
    /** The one process of standalone mode: broker, processor and bridges in one JVM. */
    static final String STANDALONE = "standalone (Kafka + processor + bridges)";
    /** The benchmark's own process: the publisher and the oracle, and the client of the raw stages. */
    static final String BENCH = "bench (publisher, oracle)";

    final Mode mode;
    final String natsUrl;
    final String bootstrap;
    final List<Measured> processes = new ArrayList<>();
    /** The processor's state directory (RocksDB), when the benchmark started it. */
    final Path stateDir;
    /** The processor's metrics endpoint, or -1. */
    final int processorHttpPort;
    /** The processor's JVM options, as the report names them. */
    final List<String> processorJvm;
    /** The log of the process that runs the processor, or null. */
    Path processorLog;
    private final List<AutoCloseable> owned = new ArrayList<>();

    private Deployment(Mode mode, String natsUrl, String bootstrap, Path stateDir, int processorHttpPort,
                       List<String> processorJvm) {
        this.mode = mode;
        this.natsUrl = natsUrl;
        this.bootstrap = bootstrap;
        this.stateDir = stateDir;
        this.processorHttpPort = processorHttpPort;
        this.processorJvm = processorJvm;
    }

    static Deployment external(String natsUrl, String bootstrap) {
        return new Deployment(Mode.EXTERNAL, natsUrl, bootstrap, null, -1, List.of());
    }

    /**
     * {@code alarm-digest standalone} as {@code ./alarm-digest} runs it (no JVM options but {@code extraJvm}, e.g.
     * the profiler's), on free ports.
     */
    static Deployment standalone(Path dir, List<String> settings, List<String> extraJvm) throws Exception {
        NatsServer nats = NatsServer.start();
        try {
            int kafkaPort = Ports.free();
            int httpPort = Ports.free();
            Path data = dir.resolve("data");
            JavaProcess service = Deployments.service("standalone", dir, "alarm-digest ready", extraJvm,
                withSettings(List.of("standalone", "--data-dir", data.toString(), "--kafka-port",
                    Integer.toString(kafkaPort), "--controller-port", Integer.toString(Ports.free()), "--http-port",
                    Integer.toString(httpPort), "--set", "nats.urls=" + nats.url()), settings));
            Deployment deployment = new Deployment(Mode.STANDALONE, nats.url(), "127.0.0.1:" + kafkaPort,
                data.resolve("streams"), httpPort, List.of());
            deployment.owned.add(service);
            deployment.owned.add(nats);
            deployment.processorLog = service.log();
            deployment.processes.add(new Measured(STANDALONE, service.pid(), httpPort));
            deployment.processes.add(new Measured(NATS, nats.pid(), -1));
            return deployment;
        } catch (Exception | Error e) {
            nats.close();
            throw e;
        }
    }

    /**
     * Each part a process of its own; the processor with {@code processorJvm} (e.g. its heap limit), every service
     * process with {@code extraJvm}.
     */
    static Deployment split(Path dir, List<String> processorJvm, List<String> settings, List<String> extraJvm)
        throws Exception {
        List<AutoCloseable> started = new ArrayList<>();
        try {
            NatsServer nats = NatsServer.start();
            started.add(nats);
            KafkaProcess kafka = KafkaProcess.start();
            started.add(kafka);
            String bootstrap = kafka.bootstrapServers();
            Path stateDir = dir.resolve("processor-state");
            int processorPort = Ports.free();
            List<String> processorOptions = new ArrayList<>(processorJvm);
            processorOptions.addAll(extraJvm);
            JavaProcess processor = Deployments.service("processor", dir, "processor ready", processorOptions,
                withSettings(List.of("processor", "--http-port", Integer.toString(processorPort),
                    "--set", "bootstrap.servers=" + bootstrap, "--set", "state.dir=" + stateDir), settings));
            started.add(processor);
            int ingressPort = Ports.free();
            JavaProcess ingress = bridge(dir, "ingress", nats.url(), bootstrap, ingressPort, settings, extraJvm);
            started.add(ingress);
            int egressPort = Ports.free();
            JavaProcess egress = bridge(dir, "egress", nats.url(), bootstrap, egressPort, settings, extraJvm);
            started.add(egress);
            Deployment deployment = new Deployment(Mode.SPLIT, nats.url(), bootstrap, stateDir, processorPort,
                processorJvm);
            deployment.processes.add(new Measured(PROCESSOR, processor.pid(), processorPort));
            deployment.processorLog = processor.log();
            deployment.processes.add(new Measured(INGRESS, ingress.pid(), ingressPort));
            deployment.processes.add(new Measured(EGRESS, egress.pid(), egressPort));
            deployment.processes.add(new Measured(BROKER, kafka.pid(), -1));
            deployment.processes.add(new Measured(NATS, nats.pid(), -1));
            // Closed in reverse: bridges, processor, then Kafka and NATS.
            for (int i = started.size() - 1; i >= 0; i--) {
                deployment.owned.add(started.get(i));
            }
            return deployment;
        } catch (Exception | Error e) {
            for (int i = started.size() - 1; i >= 0; i--) {
                started.get(i).close();
            }
            throw e;
        }
    }

    static List<String> withSettings(List<String> arguments, List<String> settings) {
        List<String> all = new ArrayList<>(arguments);
        for (String setting : settings) {
            all.add("--set");
            all.add(setting);
        }
        return all;
    }

    private static JavaProcess bridge(Path dir, String role, String natsUrl, String bootstrap, int httpPort,
                                         List<String> settings, List<String> jvm)
        throws IOException, InterruptedException {
        return Deployments.service(role, dir, "bridge ready", jvm,
            withSettings(List.of("bridge", "--http-port", Integer.toString(httpPort), "--set", "nats.urls=" + natsUrl,
                "--set", "bootstrap.servers=" + bootstrap, "--set", "bridge.roles=" + role), settings));
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable part : owned) {
            if (part instanceof JavaProcess service) {
                service.stop(); // graceful: SIGTERM
            }
            part.close();
        }
    }
}
