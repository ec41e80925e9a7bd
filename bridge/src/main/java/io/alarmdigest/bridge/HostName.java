package io.alarmdigest.bridge;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** This machine's name, the default identity of an ingress in its election group. */
final class HostName {
    private HostName() {
    }

    /** The host name; {@code HOSTNAME} from the environment when the resolver cannot tell; never empty. */
    static String get() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            if (name != null && !name.isBlank()) {
                return name;
            }
        } catch (UnknownHostException e) {
            // Below.
        }
        String fromEnvironment = System.getenv("HOSTNAME");
        return fromEnvironment == null || fromEnvironment.isBlank() ? "alarm-digest-ingress" : fromEnvironment;
    }
}
