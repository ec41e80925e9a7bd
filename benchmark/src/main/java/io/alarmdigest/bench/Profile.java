package io.alarmdigest.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * A Java Flight Recorder profile of a running service process, started and stopped from outside with {@code jcmd}
 * (the JDK's own tool, so no agent has to be on the process's command line), and the top of it: the methods that
 * were on top of the stack in most execution samples (self time), and the same grouped by library.
 *
 * <p>JFR samples threads running Java code ({@code jdk.ExecutionSample}) apart from threads in native code
 * ({@code jdk.NativeMethodSample}); a call into RocksDB through JNI is native, so the native samples whose top frame
 * is RocksDB's count too, twice each (they are taken half as often). Threads waiting in native code for the network or a lock (an {@code epoll} wait, a
 * socket read) are idle, not cost, and are left out.
 */
final class Profile {
    /** A method (or library) and its share of the samples. */
    record Frame(String name, long samples, double share) {
    }

    /**
     * What a recording showed: the samples counted, the top methods by self time, by time on the stack (outside the
     * JDK, without the threads' run loops that are on every stack), and the libraries.
     */
    record Summary(String process, Path file, long samples, List<Frame> methods, List<Frame> onStack,
                   List<Frame> libraries) {
    }

    /**
     * A native sample stands for two Java ones: the "profile" settings take {@code jdk.NativeMethodSample} every
     * 20 ms and {@code jdk.ExecutionSample} every 10 ms.
     */
    private static final long NATIVE_WEIGHT = 2;
    /** A method on the stack of at least this share of the samples is a run loop, not a finding. */
    private static final double RUN_LOOP = 0.9;

    private static final String RECORDING = "alarm-digest-bench";
    /** Package prefixes and their library, the first that matches wins (Streams before the other Kafka clients). */
    private static final Map<String, String> LIBRARIES = libraries();
    private final long pid;
    private final String process;
    private final Path file;

    private Profile(long pid, String process, Path file) {
        this.pid = pid;
        this.process = process;
        this.file = file;
    }

    /** Starts a recording with JFR's "profile" settings (a sample every 10 ms per running thread). */
    static Profile start(Deployment.Measured process, Path file) throws IOException, InterruptedException {
        jcmd(process.pid(), "JFR.start", "name=" + RECORDING, "settings=profile", "filename=" + file.toAbsolutePath());
        return new Profile(process.pid(), process.name(), file);
    }

    /** Stops the recording, which writes the file, and reads its top {@code top} methods. */
    Summary stop(int top) throws IOException, InterruptedException {
        jcmd(pid, "JFR.stop", "name=" + RECORDING);
        return summarize(process, file, top);
    }

    static Summary summarize(String process, Path file, int top) throws IOException {
        Map<String, Long> methods = new HashMap<>();
        Map<String, Long> onStack = new HashMap<>();
        Map<String, Long> libraries = new HashMap<>();
        long samples = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            String type = event.getEventType().getName();
            boolean running = type.equals("jdk.ExecutionSample");
            if (!running && !type.equals("jdk.NativeMethodSample")) {
                continue;
            }
            RecordedStackTrace stack = event.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty()) {
                continue;
            }
            RecordedFrame frame = stack.getFrames().get(0);
            String className = frame.getMethod().getType().getName();
            if (!running && !className.startsWith("org.rocksdb.")) {
                continue; // waiting in native code, not working
            }
            // JFR's "profile" settings sample native threads half as often as Java ones (20 ms against 10 ms).
            long weight = running ? 1 : NATIVE_WEIGHT;
            samples += weight;
            methods.merge(name(frame), weight, Long::sum);
            libraries.merge(library(className), weight, Long::sum);
            Set<String> seen = new HashSet<>();
            for (RecordedFrame caller : stack.getFrames()) {
                String method = name(caller);
                if (!library(caller.getMethod().getType().getName()).equals("JDK") && seen.add(method)) {
                    onStack.merge(method, weight, Long::sum);
                }
            }
        }
        long all = samples;
        onStack.values().removeIf(count -> count >= RUN_LOOP * all);
        return new Summary(process, file, samples, top(methods, samples, top), top(onStack, samples, top),
            top(libraries, samples, Integer.MAX_VALUE));
    }

    private static String name(RecordedFrame frame) {
        return shortName(frame.getMethod().getType().getName()) + "." + frame.getMethod().getName();
    }

    /** The library a class belongs to, as the profile groups them. */
    static String library(String className) {
        for (Map.Entry<String, String> prefix : LIBRARIES.entrySet()) {
            if (className.startsWith(prefix.getKey())) {
                return prefix.getValue();
            }
        }
        return "other";
    }

    private static Map<String, String> libraries() {
        Map<String, String> prefixes = new LinkedHashMap<>();
        prefixes.put("io.alarmdigest.", "alarm-digest");
        prefixes.put("org.rocksdb.", "RocksDB (JNI)");
        prefixes.put("org.apache.kafka.streams.", "Kafka Streams");
        prefixes.put("org.apache.kafka.", "Kafka clients");
        prefixes.put("com.fasterxml.jackson.", "Jackson");
        prefixes.put("io.nats.", "jnats");
        prefixes.put("io.micrometer.", "Micrometer");
        prefixes.put("ch.qos.logback.", "logging");
        prefixes.put("org.slf4j.", "logging");
        prefixes.put("java.", "JDK");
        prefixes.put("javax.", "JDK");
        prefixes.put("jdk.", "JDK");
        prefixes.put("sun.", "JDK");
        return Collections.unmodifiableMap(prefixes);
    }

    private static String shortName(String className) {
        String[] parts = className.split("\\.");
        StringBuilder name = new StringBuilder();
        for (int i = 0; i < parts.length - 1; i++) {
            name.append(parts[i].charAt(0)).append('.');
        }
        return name.append(parts[parts.length - 1]).toString();
    }

    private static List<Frame> top(Map<String, Long> counts, long total, int limit) {
        List<Frame> frames = new ArrayList<>();
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                .thenComparing(Map.Entry.comparingByKey()))
            .limit(limit)
            .forEach(e -> frames.add(new Frame(e.getKey(), e.getValue(), total == 0 ? 0 : (double) e.getValue() / total)));
        return frames;
    }

    private static void jcmd(long pid, String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of(jcmdPath(), Long.toString(pid)));
        line.addAll(List.of(command));
        Process jcmd = new ProcessBuilder(line).redirectErrorStream(true).start();
        String output = new String(jcmd.getInputStream().readAllBytes());
        if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0 || output.contains("Could not")) {
            throw new IOException(String.join(" ", line) + " failed: " + output.strip());
        }
    }

    /** The jcmd of the JDK this benchmark runs on (the service processes run on the same one). */
    private static String jcmdPath() {
        Path sibling = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        return sibling.toFile().canExecute() ? sibling.toString() : "jcmd";
    }
}
