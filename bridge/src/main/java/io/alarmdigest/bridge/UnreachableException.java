package io.alarmdigest.bridge;

/**
 * A server a command needs (NATS, a processor's HTTP endpoint) did not answer in the time it was given. The message
 * names the server and says what to check; the command line ends with exit code 1, a setting's fault with 2.
 */
public final class UnreachableException extends RuntimeException {
    public UnreachableException(String message) {
        super(message);
    }

    public UnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
