package io.alarmdigest.app;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The secured compose variant's NATS user has exactly README's permissions, which SecuredNatsIT runs with. */
class SecuredComposeTest {
    @Test
    void shouldGrantTheServicesNatsUserReadmesPermissions() throws Exception {
        String config = Files.readString(Path.of("..", "secured", "nats.conf"), StandardCharsets.UTF_8);
        String permissions = ReadmeBlocks.natsPermissions();
        assertTrue(squeezed(config).contains(squeezed(permissions)),
            "secured/nats.conf grants the alarm-digest user README's permissions:\n" + permissions);
    }

    private static String squeezed(String text) {
        return text.replaceAll("\\s+", " ");
    }
}
