package io.alarmdigest.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Loopback ports for the server processes the tests start. */
public final class Ports {
    private Ports() {
    }

    /** Every port handed out in this JVM: the system may offer a just-closed port again, at once. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    /**
     * A loopback port free now and never handed out before in this JVM, so that two asked for one after the other
     * (a broker's client and controller ports) differ.
     */
    public static int free() {
        while (true) {
            int port;
            try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
                port = socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (HANDED_OUT.add(port)) {
                return port;
            }
        }
    }

    /**
     * Waits until {@code process} accepts connections on {@code port}.
     *
     * @throws IllegalStateException naming {@code output} when it exits or the timeout passes first
     */
    static void awaitListening(Process process, int port, Duration timeout, Path output) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the server exited with " + process.exitValue() + "; see " + output);
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                TimeUnit.MILLISECONDS.sleep(50);
            }
        }
        throw new IllegalStateException("the server did not listen on port " + port + " within " + timeout + "; see "
            + output);
    }
}
