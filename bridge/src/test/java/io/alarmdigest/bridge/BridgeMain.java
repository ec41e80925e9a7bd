package io.alarmdigest.bridge;

import io.alarmdigest.testing.JavaProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;

/**
 * A bridge as a process of its own, for the tests that kill, pause and restart it: the settings come as
 * {@code key=value} arguments; it prints {@value #READY} once started and stops gracefully on SIGTERM.
 */
public final class BridgeMain {
    static final String READY = "bridge process ready";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private BridgeMain() {
    }

    /** Starts a bridge with {@code settings} in a JVM of its own, logging to {@code <dir>/<name>.log}. */
    static JavaProcess start(String name, Map<String, Object> settings, Path dir)
        throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>();
        new TreeMap<>(settings).forEach((key, value) -> arguments.add(key + "=" + value));
        return JavaProcess.start(name, dir, List.of("-Xmx256m"), BridgeMain.class.getName(), arguments, READY,
            READY_TIMEOUT);
    }

    public static void main(String[] args) throws Exception {
        Map<String, Object> settings = new HashMap<>();
        for (String arg : args) {
            int equals = arg.indexOf('=');
            settings.put(arg.substring(0, equals), arg.substring(equals + 1));
        }
        BridgeApp app = BridgeApp.start(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                app.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                stopped.countDown();
            }
        }, "bridge-main-stop"));
        // The ready line is this command's output, which the test waits for.
        System.out.println(READY);
        System.out.flush();
        stopped.await();
    }
}
