package io.alarmdigest.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code nats-server} process with JetStream, on a free port and its own store directory, for tests that need
 * isolation or fault injection. It can be stopped and started again on the same port and store, like a server
 * restart in production. The binary is {@code nats-server} on the PATH, or {@code NATS_SERVER_BIN}.
 */
public final class NatsServer implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    private final int port;
    private final Path storeDir;
    private final Path logFile;
    private final Path config;
    private Process process;

    private NatsServer(int port, Path storeDir, Path config) {
        this.port = port;
        this.storeDir = storeDir;
        this.logFile = storeDir.resolve("nats-server.log");
        this.config = config;
    }

    public static NatsServer start() throws IOException, InterruptedException {
        NatsServer server = new NatsServer(Ports.free(), Files.createTempDirectory("nats-"), null);
        server.startProcess();
        return server;
    }

    /**
     * A server with a configuration file of {@code config} (accounts, authorization, TLS, ...); the port, JetStream
     * and its store are set on the command line, which takes precedence.
     */
    public static NatsServer start(String config) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("nats-");
        Path file = Files.writeString(dir.resolve("nats-server.conf"), config);
        NatsServer server = new NatsServer(Ports.free(), dir, file);
        server.startProcess();
        return server;
    }

    /** The server process's id (for its memory, read from /proc). */
    public long pid() {
        return process.pid();
    }

    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    /** The URL of a server that requires TLS. */
    public String tlsUrl() {
        return "tls://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Stops the server as SIGTERM does (it flushes its store), and waits for it to be gone. */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
        process = null;
    }

    /** Starts the server again on the same port and store directory. */
    public void restart() throws IOException, InterruptedException {
        stop();
        startProcess();
    }

    /** Starts a stopped server again on the same port and store directory. */
    public void startAgain() throws IOException, InterruptedException {
        startProcess();
    }

    private void startProcess() throws IOException, InterruptedException {
        String binary = System.getenv().getOrDefault("NATS_SERVER_BIN",
            // Debian installs it under /usr/sbin, which is not on every user's PATH.
            Files.isExecutable(Path.of("/usr/sbin/nats-server")) ? "/usr/sbin/nats-server" : "nats-server");
        List<String> command = new ArrayList<>(List.of(binary, "-a", "127.0.0.1", "-p", Integer.toString(port),
            "-js", "-sd", storeDir.resolve("jetstream").toString(), "-l", logFile.toString()));
        if (config != null) {
            command.addAll(List.of("-c", config.toString()));
        }
        process = ChildProcesses.register(new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(storeDir.resolve("nats-server.out").toFile()))
            .start());
        Ports.awaitListening(process, port, START_TIMEOUT, storeDir.resolve("nats-server.out"));
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
