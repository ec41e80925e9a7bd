package io.alarmdigest.testing;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server and service processes a test JVM starts. They are killed when that JVM exits, even on a failure or
 * when the build is interrupted, so that no broker or nats-server outlives its test (only a kill -9 of the test
 * JVM itself leaves them behind).
 */
public final class ChildProcesses {
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
            "child-processes-cleanup"));
    }

    private ChildProcesses() {
    }

    /** Kills {@code process} when this JVM exits, unless it ended before; returns it. */
    public static Process register(Process process) {
        LIVE.removeIf(p -> !p.isAlive());
        LIVE.add(process);
        return process;
    }
}
