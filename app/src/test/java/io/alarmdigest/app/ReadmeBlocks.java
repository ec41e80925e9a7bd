package io.alarmdigest.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Configuration README gives its readers, read by the tests that run the service with it. */
final class ReadmeBlocks {
    private static final String PERMISSIONS_HEADING = "### NATS permissions";

    private ReadmeBlocks() {
    }

    /**
     * The {@code permissions} object of the service's user in the nats-server {@code authorization} block under
     * README's "NATS permissions" heading, as nats-server's configuration syntax writes it.
     */
    static String natsPermissions() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        int section = readme.indexOf(PERMISSIONS_HEADING);
        int block = readme.indexOf("```", section);
        int end = readme.indexOf("```", block + 3);
        if (section < 0 || block < 0 || end < 0) {
            throw new AssertionError("README.md has no code block under " + PERMISSIONS_HEADING);
        }
        String config = readme.substring(block, end);
        int from = config.indexOf('{', config.indexOf("permissions:"));
        int depth = 0;
        for (int i = from; i < config.length(); i++) {
            depth += config.charAt(i) == '{' ? 1 : config.charAt(i) == '}' ? -1 : 0;
            if (depth == 0) {
                return config.substring(from, i + 1);
            }
        }
        throw new AssertionError("README's authorization block has no balanced permissions object: " + config);
    }
}
