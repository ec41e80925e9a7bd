package io.alarmdigest.app;

import io.alarmdigest.bridge.BridgeApp;
import io.alarmdigest.bridge.BridgeConfig;
import io.alarmdigest.bridge.UnreachableException;
import io.alarmdigest.model.InvalidMessageException;
import io.alarmdigest.processor.app.ProcessorApp;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import ch.qos.logback.classic.Level;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code alarm-digest} command: runs the processor or the bridges against a Kafka cluster, or talks to NATS
 * ({@code publish}, {@code watch}). A bad setting ends it with a message naming the setting and exit code 2, never
 * a stack trace; SIGTERM and Ctrl-C stop a running role gracefully.
 */
@Command(name = "alarm-digest", mixinStandardHelpOptions = true, version = "alarm-digest 0.1.0",
    description = "Email digests of triggered alarms: NATS in, Kafka Streams state, NATS out.",
    subcommands = {Standalone.class, Launcher.Processor.class, Launcher.Bridge.class, Publish.class, Watch.class,
        UserQueryCommand.Pending.class, UserQueryCommand.Alarms.class, DeadLetterCommand.class,
        CommandLine.HelpCommand.class},
    footerHeading = "%nSettings (--set key=value, ALARM_DIGEST_<KEY>, or --config file; any Kafka client or "
        + "Kafka Streams setting too):%n")
public final class Launcher implements Callable<Integer> {
    /** A server the command needs did not answer, or answered with an error: trying again later may work. */
    static final int UNAVAILABLE = 1;
    /** A bad setting, option or message: the command line must change. */
    static final int BAD_SETTINGS = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line; returns the exit code. */
    static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine line = new CommandLine(new Launcher());
        line.setOut(out);
        line.setErr(err);
        // The footer is a format string: the descriptions' own percent signs are escaped.
        line.getCommandSpec().usageMessage().footer(Settings.describe().replace("%", "%%"));
        line.setExecutionExceptionHandler((error, command, parsed) -> {
            Throwable cause = error;
            // Bad settings, topics or streams that cannot be used, a bad message on the command line: say what.
            if (cause instanceof ConfigException || cause instanceof IllegalStateException
                || cause instanceof IllegalArgumentException || cause instanceof InvalidMessageException) {
                err.println("alarm-digest: " + cause.getMessage());
                return BAD_SETTINGS;
            }
            if (cause instanceof UnreachableException) {
                err.println("alarm-digest: " + cause.getMessage());
                return UNAVAILABLE;
            }
            throw error;
        });
        return line.execute(args);
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /** The settings options every subcommand takes. */
    static final class SettingsOptions {
        @Option(names = "--config", paramLabel = "FILE", description = "A properties file of settings.")
        Path file;

        @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "A setting; repeatable.")
        List<String> sets = new ArrayList<>();

        Map<String, Object> resolve() {
            return Settings.resolve(file, System.getenv(), sets);
        }
    }

    /**
     * The options of the client commands ({@code publish}, {@code watch}, {@code pending}, ...), which print their
     * output on stdout and nothing else: the service's own log lines (connecting, connected, closed) only with
     * {@code --verbose}; warnings and errors always, on stderr.
     */
    static final class ClientOptions {
        private static final String SERVICE_LOGGERS = "io.alarmdigest";

        @Option(names = {"-v", "--verbose"}, description = "Also log what the command does (INFO, on stderr).")
        boolean verbose;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "How long to wait for a server to answer before giving up with exit code 1 "
                + "(default: ${DEFAULT-VALUE}).")
        long timeoutSeconds;

        Duration timeout() {
            if (timeoutSeconds <= 0) {
                throw new IllegalArgumentException("--timeout must be at least 1 second, not " + timeoutSeconds);
            }
            return Duration.ofSeconds(timeoutSeconds);
        }

        /** Until closed, the service's loggers log warnings and errors only, unless {@code --verbose}. */
        AutoCloseable quietLogs() {
            ch.qos.logback.classic.Logger service =
                (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(SERVICE_LOGGERS);
            Level before = service.getLevel();
            if (!verbose) {
                service.setLevel(Level.WARN);
            }
            return () -> service.setLevel(before);
        }
    }

    /** The HTTP endpoint options of the long-running commands, and the meter registry the endpoint serves. */
    static final class HttpOptions {
        /** Where the production roles listen by default: every interface, as a container's port is published. */
        static final String ALL_INTERFACES = "0.0.0.0";
        /** Where {@code standalone} listens by default: this machine only. */
        static final String LOOPBACK = "127.0.0.1";

        @Option(names = "--http-port", defaultValue = "9400",
            description = "Port of /health, /ready and /metrics (default: ${DEFAULT-VALUE}; -1: none).")
        int port;

        @Option(names = "--http-address", paramLabel = "ADDRESS",
            description = "Address the HTTP endpoint binds (default: 127.0.0.1 for standalone, 0.0.0.0 for the "
                + "processor and bridge roles).")
        String address;

        private PrometheusMeterRegistry registry;

        /** Where the process's meters are registered, served on {@code /metrics}. */
        PrometheusMeterRegistry registry() {
            if (registry == null) {
                registry = OpsServer.newRegistry();
            }
            return registry;
        }

        /**
         * {@code settings} with {@code application.server} set, unless it is, to where other processor instances
         * reach this one's endpoint: its bind address, or this machine's host name when it binds every interface
         * (a container's name in compose). Without an endpoint, unchanged: queries are then answered only for the
         * partitions this instance holds.
         */
        static Map<String, Object> advertise(Map<String, Object> settings, OpsServer ops) {
            if (ops != null && !settings.containsKey(StreamsConfig.APPLICATION_SERVER_CONFIG)) {
                InetSocketAddress bound = ops.address();
                String host = bound.getAddress().isAnyLocalAddress() ? localHostName()
                    : bound.getAddress().getHostAddress();
                settings.put(StreamsConfig.APPLICATION_SERVER_CONFIG, host + ":" + bound.getPort());
            }
            return settings;
        }

        private static String localHostName() {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                throw new IllegalStateException("this machine's host name does not resolve (" + e.getMessage()
                    + "): set " + StreamsConfig.APPLICATION_SERVER_CONFIG + " to host:port of this instance's HTTP "
                    + "endpoint as the other instances reach it");
            }
        }

        /** Starts the endpoint on {@code --http-address}, or on {@code defaultAddress} without one. */
        OpsServer start(PrintWriter out, String defaultAddress) throws IOException {
            if (port < 0) {
                return null;
            }
            String bind = address == null ? defaultAddress : address;
            OpsServer ops;
            try {
                ops = OpsServer.start(bind, port, registry());
            } catch (BindException e) {
                throw new IllegalStateException("--http-port " + port + " on --http-address " + bind + " cannot be "
                    + "bound (" + e.getMessage() + "); choose another, or -1 for no HTTP endpoint");
            }
            out.println("http ready: http://" + bind + ":" + ops.port() + "/metrics, /health, /ready");
            return ops;
        }
    }

    /** Runs until SIGTERM or Ctrl-C, then closes {@code running} (a graceful stop) before the JVM exits. */
    static int runUntilStopped(AutoCloseable running, PrintWriter out, String ready) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            try {
                running.close();
            } catch (Exception e) {
                LoggerFactory.getLogger(Launcher.class).warn("Stopping did not complete: {}",
                    e.toString());
            } finally {
                stopped.countDown();
            }
        }, "alarm-digest-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println(ready);
        stopped.await();
        return 0;
    }

    private static void closeBoth(AutoCloseable app, OpsServer ops) throws Exception {
        try {
            app.close();
        } finally {
            if (ops != null) {
                ops.close();
            }
        }
    }

    /**
     * A production role: started from its settings (a bad one is reported before anything listens), then its HTTP
     * endpoint opened, then run until stopped.
     */
    abstract static class Role<A extends AutoCloseable> implements Callable<Integer> {
        @CommandLine.Mixin
        SettingsOptions settings;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        HttpOptions http;

        abstract A start(Map<String, Object> settings, MeterRegistry registry) throws Exception;

        /** Makes {@code /ready} answer for the started role. */
        abstract void watch(OpsServer ops, A app);

        /** The line printed once the role is ready. */
        abstract String ready(A app);

        /** The settings the role starts with, once its HTTP endpoint ({@code null}: none) listens. */
        Map<String, Object> withEndpoint(Map<String, Object> settings, OpsServer ops) {
            return settings;
        }

        @Override
        public Integer call() throws Exception {
            Map<String, Object> resolved = settings.resolve();
            PrintWriter out = spec.commandLine().getOut();
            OpsServer ops = http.start(out, HttpOptions.ALL_INTERFACES);
            A app;
            try {
                app = start(withEndpoint(resolved, ops), http.registry());
            } catch (Exception e) {
                if (ops != null) {
                    ops.close();
                }
                throw e;
            }
            if (ops != null) {
                watch(ops, app);
            }
            return runUntilStopped(() -> closeBoth(app, ops), out, ready(app));
        }
    }

    @Command(name = "processor", mixinStandardHelpOptions = true,
        description = "Run the digest processor (Kafka Streams) against the Kafka at bootstrap.servers.")
    static final class Processor extends Role<ProcessorApp> {
        @Override
        Map<String, Object> withEndpoint(Map<String, Object> settings, OpsServer ops) {
            return HttpOptions.advertise(settings, ops);
        }

        @Override
        ProcessorApp start(Map<String, Object> settings, MeterRegistry registry) throws InterruptedException {
            return ProcessorApp.start(settings, registry);
        }

        @Override
        void watch(OpsServer ops, ProcessorApp app) {
            ops.watch(app);
        }

        @Override
        String ready(ProcessorApp app) {
            return "processor ready: " + app.config().inputTopic() + " -> " + app.config().digestTopic();
        }
    }

    @Command(name = "bridge", mixinStandardHelpOptions = true,
        description = "Run the NATS <-> Kafka bridges (bridge.roles: ingress, egress or both).")
    static final class Bridge extends Role<BridgeApp> {
        @Override
        BridgeApp start(Map<String, Object> settings, MeterRegistry registry) throws Exception {
            return BridgeApp.start(settings, registry);
        }

        @Override
        void watch(OpsServer ops, BridgeApp app) {
            ops.watch(app);
        }

        @Override
        String ready(BridgeApp app) {
            return "bridge ready: " + String.join(",", app.config().getList(BridgeConfig.ROLES));
        }
    }
}
