package io.alarmdigest.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A main class in a JVM of its own, on this JVM's class path, for tests and benchmarks that do to a component what
 * happens to processes: {@link #kill()} is SIGKILL (no shutdown hook, nothing graceful), {@link #stop()} SIGTERM,
 * {@link #pause()} and {@link #resume()} SIGSTOP and SIGCONT, and {@link #start()} runs it again with the same
 * command. Its output (stdout and stderr) goes to {@code <dir>/<name>.log}, with a line of ours at each start, kill
 * and stop, so that they can be found among its own lines. A start returns once the process printed its ready line;
 * if it exits or the timeout passes first, the failure names the log and shows its last lines.
 */
public final class JavaProcess implements AutoCloseable {
    private static final int TAIL_LINES = 40;
    private static final Duration STOP_TIMEOUT = Duration.ofMinutes(1);

    private final String name;
    private final List<String> command;
    private final String readyLine;
    private final Duration readyTimeout;
    private final Path log;
    private Process process;
    private int starts;

    private JavaProcess(String name, List<String> command, String readyLine, Duration readyTimeout, Path log) {
        this.name = name;
        this.command = command;
        this.readyLine = readyLine;
        this.readyTimeout = readyTimeout;
        this.log = log;
    }

    /**
     * Starts {@code java <jvmOptions> -cp <this class path> <mainClass> <arguments>} and waits until it prints a line
     * starting with {@code readyLine}.
     *
     * @param dir where the log goes; also the child's {@code java.io.tmpdir}
     */
    public static JavaProcess start(String name, Path dir, List<String> jvmOptions, String mainClass,
                                    List<String> arguments, String readyLine, Duration readyTimeout)
        throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-Djava.io.tmpdir=" + dir, "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(arguments);
        Files.createDirectories(dir);
        JavaProcess child = new JavaProcess(name, List.copyOf(command), readyLine, readyTimeout,
            dir.resolve(name + ".log"));
        child.start();
        return child;
    }

    /** Starts the process (again, after {@link #kill()} or {@link #stop()}) and waits for its ready line. */
    public void start() throws IOException, InterruptedException {
        starts++;
        note("start #" + starts);
        process = ChildProcesses.register(new ProcessBuilder(command).redirectErrorStream(true).start());
        CountDownLatch outputSeen = new CountDownLatch(1);
        AtomicBoolean ready = new AtomicBoolean();
        Process started = process;
        Thread pump = new Thread(() -> pump(started, ready, outputSeen), name + "-output");
        pump.setDaemon(true);
        pump.start();
        outputSeen.await(readyTimeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!ready.get() || !process.isAlive()) {
            String state = process.isAlive() ? "still running" : "exited with " + process.exitValue();
            process.destroyForcibly().waitFor();
            throw new AssertionError(name + " did not print \"" + readyLine + "\" within " + readyTimeout + " ("
                + state + "); the last lines of " + log + ":\n" + tail());
        }
    }

    /**
     * Copies the child's output to its log; at the ready line sets {@code ready}, and counts {@code outputSeen} down
     * then or when the output ends (the child exited) whichever comes first.
     */
    private void pump(Process child, AtomicBoolean ready, CountDownLatch outputSeen) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                 StandardCharsets.UTF_8));
             PrintWriter file = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8,
                 StandardOpenOption.CREATE, StandardOpenOption.APPEND), true)) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                file.println(line);
                if (line.startsWith(readyLine)) {
                    ready.set(true);
                    outputSeen.countDown();
                }
            }
        } catch (IOException e) {
            // The child is gone.
        } finally {
            outputSeen.countDown();
        }
    }

    /** SIGKILL, and waits until the process is gone. */
    public void kill() throws InterruptedException {
        note("kill -9");
        process.destroyForcibly().waitFor();
    }

    /** SIGTERM (a graceful stop), and waits up to a minute for the process to end. */
    public void stop() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        note("stop (SIGTERM)");
        process.destroy();
        if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(name + " did not stop within " + STOP_TIMEOUT + " of SIGTERM; the last lines of "
                + log + ":\n" + tail());
        }
    }

    /** SIGSTOP: the process freezes, as a stalled host or a long GC pause would freeze it. */
    public void pause() throws IOException, InterruptedException {
        note("kill -STOP");
        signal("STOP");
    }

    /** SIGCONT: a paused process runs on. */
    public void resume() throws IOException, InterruptedException {
        note("kill -CONT");
        signal("CONT");
    }

    private void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new AssertionError("kill -" + signal + " " + process.pid() + " (" + name + ") failed");
        }
    }

    /** The running process's id (for its memory and CPU, read from /proc). */
    public long pid() {
        return process.pid();
    }

    public String name() {
        return name;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Its exit code, once it has ended. */
    public int exitValue() {
        return process.exitValue();
    }

    public Path log() {
        return log;
    }

    /** Everything it printed so far, across its starts. */
    public String logText() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + log, e);
        }
    }

    private String tail() {
        List<String> lines = logText().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
    }

    private void note(String what) {
        try {
            Files.writeString(log, "==== " + LocalTime.now() + " harness: " + what + " " + name + "\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // Only a marker.
        }
    }

    /** Kills the process if it still runs (resumed first, should it be paused). */
    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            try {
                signal("CONT");
            } catch (IOException | AssertionError e) {
                // Killed next anyway.
            }
            process.destroyForcibly().waitFor();
        }
    }
}
