package io.alarmdigest.reliability;

import io.alarmdigest.app.AlarmDigest;
import io.alarmdigest.testing.ChildProcesses;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
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

/**
 * One role of the service ({@code standalone}, {@code processor}, {@code bridge}) as a real child JVM, started
 * with the {@code alarm-digest} command line. Its output goes to a log file; start returns once it printed its
 * ready line. {@link #kill()} is SIGKILL: no shutdown hook, no flush, nothing graceful.
 */
public final class ServiceProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    private final String name;
    private final List<String> arguments;
    private final String readyLine;
    private final List<String> jvmOptions;
    private final Path log;
    private Process process;
    private int starts;

    private ServiceProcess(String name, List<String> jvmOptions, List<String> arguments, String readyLine, Path log) {
        this.name = name;
        this.jvmOptions = jvmOptions;
        this.arguments = arguments;
        this.readyLine = readyLine;
        this.log = log;
    }

    /** Starts {@code alarm-digest <arguments>} and waits for the output line starting with {@code readyLine}. */
    public static ServiceProcess start(String name, Path logDir, String readyLine, List<String> arguments)
        throws IOException, InterruptedException {
        return start(name, logDir, readyLine, List.of("-Xmx512m"), arguments);
    }

    /** As {@link #start(String, Path, String, List)}, with the child JVM's options (heap size, GC, ...). */
    public static ServiceProcess start(String name, Path logDir, String readyLine, List<String> jvmOptions,
                                      List<String> arguments) throws IOException, InterruptedException {
        ServiceProcess service = new ServiceProcess(name, List.copyOf(jvmOptions), List.copyOf(arguments), readyLine,
            logDir.resolve(name + ".log"));
        service.start();
        return service;
    }

    /** Starts the process again with the same arguments (after {@link #kill()} or {@link #stop()}). */
    public void start() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-Djava.io.tmpdir=" + log.getParent(), "-cp", System.getProperty("java.class.path"),
            AlarmDigest.class.getName()));
        command.addAll(arguments);
        starts++;
        note("start #" + starts);
        process = ChildProcesses.register(new ProcessBuilder(command).redirectErrorStream(true).start());
        CountDownLatch ready = new CountDownLatch(1);
        Process started = process;
        Thread pump = new Thread(() -> pump(started, ready), name + "-output");
        pump.setDaemon(true);
        pump.start();
        if (!ready.await(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(name + " did not print \"" + readyLine + "\" within " + READY_TIMEOUT
                + "; see " + log);
        }
        if (!process.isAlive()) {
            throw new AssertionError(name + " exited with " + process.exitValue() + " at start; see " + log);
        }
    }

    /** Copies the child's output to its log; counts down {@code ready} at the ready line or when it ends. */
    private void pump(Process child, CountDownLatch ready) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter file = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8,
                 StandardOpenOption.CREATE, StandardOpenOption.APPEND), true)) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                file.println(line);
                if (line.startsWith(readyLine)) {
                    ready.countDown();
                }
            }
        } catch (IOException e) {
            // The child is gone.
        } finally {
            ready.countDown();
        }
    }

    /** SIGKILL, and waits until the process is gone. */
    public void kill() throws InterruptedException {
        note("kill -9");
        process.destroyForcibly().waitFor();
    }

    /** SIGTERM (a graceful stop), and waits up to a minute. */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            note("stop (SIGTERM)");
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError(name + " did not stop within a minute of SIGTERM; see " + log);
            }
        }
    }

    /** The running process's id (for its memory, read from /proc). */
    public long pid() {
        return process.pid();
    }

    public String name() {
        return name;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public Path log() {
        return log;
    }

    /** A line of the harness in the child's log, so that kills and starts can be found among its own lines. */
    private void note(String what) {
        try {
            Files.writeString(log, "==== " + LocalTime.now() + " reliability harness: " + what + " " + name + "\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // Only a marker.
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
    }
}
