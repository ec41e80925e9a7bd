package io.alarmdigest.bridge;

import io.alarmdigest.testing.ChildProcesses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A bridge in a JVM of its own ({@link BridgeMain} on the test class path), so that a test can do to it what
 * happens to processes: {@link #kill()} is SIGKILL, {@link #pause()} and {@link #resume()} are SIGSTOP and SIGCONT,
 * {@link #stop()} is SIGTERM. Its output goes to a log file that the test can read.
 */
final class BridgeProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final String name;
    private final List<String> command;
    private final Path log;
    private Process process;
    private int starts;

    private BridgeProcess(String name, List<String> command, Path log) {
        this.name = name;
        this.command = command;
        this.log = log;
    }

    static BridgeProcess start(String name, Map<String, Object> settings, Path dir)
        throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
            .toString(), "-Xmx256m", "-Djava.io.tmpdir=" + dir, "-cp", System.getProperty("java.class.path"),
            BridgeMain.class.getName()));
        new TreeMap<>(settings).forEach((key, value) -> command.add(key + "=" + value));
        BridgeProcess bridge = new BridgeProcess(name, command, dir.resolve(name + ".log"));
        bridge.start();
        return bridge;
    }

    /** Starts the process (again), with the same settings, and waits for its ready line. */
    void start() throws IOException, InterruptedException {
        note("start");
        process = ChildProcesses.register(new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start());
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        starts++;
        while (readyLines() < starts) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError(name + " did not start (exit " + (process.isAlive() ? "none" : process.exitValue())
                    + "); see " + log + ":\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    void kill() throws InterruptedException {
        note("kill -9");
        process.destroyForcibly().waitFor();
    }

    void pause() throws IOException, InterruptedException {
        note("kill -STOP");
        signal("STOP");
    }

    void resume() throws IOException, InterruptedException {
        note("kill -CONT");
        signal("CONT");
    }

    /** SIGTERM: a graceful stop; waits for the process to end. */
    void stop() throws InterruptedException {
        note("stop (SIGTERM)");
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(name + " did not stop within a minute of SIGTERM; see " + log);
        }
    }

    boolean logContains(String text) throws IOException {
        return Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(text);
    }

    String logText() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    private void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new AssertionError("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    /** Ready lines so far: one per start that got that far. */
    private int readyLines() throws IOException {
        if (!Files.exists(log)) {
            return 0;
        }
        String text = Files.readString(log, StandardCharsets.UTF_8);
        int count = 0;
        for (int at = text.indexOf(BridgeMain.READY); at >= 0; at = text.indexOf(BridgeMain.READY, at + 1)) {
            count++;
        }
        return count;
    }

    private void note(String what) {
        try {
            Files.writeString(log, "==== test: " + what + " " + name + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // Only a marker.
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            resumeQuietly();
            process.destroyForcibly().waitFor();
        }
    }

    private void resumeQuietly() {
        try {
            new ProcessBuilder("kill", "-CONT", Long.toString(process.pid())).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            // Killed next anyway.
        }
    }
}
