package io.alarmdigest.bridge;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The NATS settings are checked when read, each failure naming the setting (and the file) to fix. */
class NatsSettingsTest {
    @TempDir
    Path dir;

    @Test
    void shouldNameAFileThatDoesNotExist() {
        ConfigException error = assertThrows(ConfigException.class, () -> NatsSettings.of(Map.of(
            NatsSettings.TLS_CA_FILE, dir.resolve("missing-ca.pem").toString())));
        assertTrue(error.getMessage().contains(NatsSettings.TLS_CA_FILE)
            && error.getMessage().contains("missing-ca.pem") && error.getMessage().contains("does not exist"),
            error.getMessage());
    }

    @Test
    void shouldNameAPathThatIsNoReadableFile() {
        ConfigException error = assertThrows(ConfigException.class, () -> NatsSettings.of(Map.of(
            NatsSettings.CREDS_FILE, dir.toString())));
        assertTrue(error.getMessage().contains(NatsSettings.CREDS_FILE)
            && error.getMessage().contains("is not a readable file"), error.getMessage());
    }

    @Test
    void shouldRefuseTwoWaysOfAuthenticating() throws Exception {
        Path seed = Files.writeString(dir.resolve("service.nk"), "SU");
        ConfigException error = assertThrows(ConfigException.class, () -> NatsSettings.of(Map.of(
            NatsSettings.TOKEN, "t", NatsSettings.NKEY_FILE, seed.toString())));
        assertTrue(error.getMessage().contains(NatsSettings.TOKEN)
            && error.getMessage().contains(NatsSettings.NKEY_FILE), error.getMessage());
    }

    @Test
    void shouldWantTheClientCertificateAndItsKeyTogether() throws Exception {
        Path cert = Files.writeString(dir.resolve("client.pem"), "x");
        ConfigException error = assertThrows(ConfigException.class, () -> NatsSettings.of(Map.of(
            NatsSettings.TLS_CERT_FILE, cert.toString())));
        assertTrue(error.getMessage().contains(NatsSettings.TLS_KEY_FILE), error.getMessage());
    }

    @Test
    void shouldUseTlsWhenAskedOrImpliedOnly() throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
        assertFalse(NatsSettings.of(Map.of()).usesTls());
        assertTrue(NatsSettings.of(Map.of(NatsSettings.TLS, "true")).usesTls());
        assertTrue(NatsSettings.of(Map.of(NatsSettings.URLS, "nats://a:4222,TLS://b:4222")).usesTls());
        assertTrue(NatsSettings.of(Map.of(NatsSettings.TLS_CA_FILE, ca.toString())).usesTls());
    }

    @Test
    void shouldRefuseUrlsThatWouldWeakenTls() {
        ConfigException trustAll = assertThrows(ConfigException.class, () -> NatsSettings.of(Map.of(
            NatsSettings.URLS, "opentls://alice:pw@nats-1:4222")));
        assertTrue(trustAll.getMessage().contains("opentls") && !trustAll.getMessage().contains("pw"),
            trustAll.getMessage());
        ConfigException plainSocket = assertThrows(ConfigException.class, () -> NatsSettings.of(Map.of(
            NatsSettings.URLS, "ws://nats-1:8080", NatsSettings.TLS, "true")));
        assertTrue(plainSocket.getMessage().contains("wss://"), plainSocket.getMessage());
        assertTrue(NatsSettings.of(Map.of(NatsSettings.URLS, "wss://nats-1:8443")).usesTls());
    }

    @Test
    void shouldRefuseASeedFileWithoutASeed() throws Exception {
        Path seed = Files.writeString(dir.resolve("service.nk"), "not a seed\n");
        ConfigException error = assertThrows(ConfigException.class, () -> NatsConnections.nkeySeed(seed.toString()));
        assertTrue(error.getMessage().contains(NatsSettings.NKEY_FILE) && !error.getMessage().contains("not a seed"),
            error.getMessage());
    }
}
