package io.alarmdigest.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alarmdigest.bridge.NatsConnections;
import io.alarmdigest.bridge.NatsSettings;
import io.alarmdigest.bridge.UnreachableException;
import io.alarmdigest.model.AlarmStatus;
import io.alarmdigest.model.Ids;
import io.alarmdigest.model.Json;
import io.alarmdigest.model.Rfc3339;
import io.nats.client.Connection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Publishes an {@code AlarmStatusChanged} or a {@code SendAlarmDigest} with a plain core NATS publish, as the
 * services around us do, for trying the service out without the {@code nats} CLI. The message is checked against
 * the contract first, so what goes out is what the service accepts.
 */
@Command(name = "publish", mixinStandardHelpOptions = true,
    description = "Publish an AlarmStatusChanged (with --alarm and --status) or a SendAlarmDigest (without).")
final class Publish implements Callable<Integer> {
    @CommandLine.Mixin
    Launcher.SettingsOptions settings;

    @CommandLine.Mixin
    Launcher.ClientOptions client;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--user", required = true, description = "UserID.")
    String user;

    @Option(names = "--alarm", description = "AlarmID: publish an AlarmStatusChanged.")
    String alarm;

    @Option(names = "--status", description = "CLEARED, WARNING or CRITICAL (with --alarm).")
    String status;

    @Option(names = "--changed-at", paramLabel = "RFC3339", description = "When it changed; default: now.")
    String changedAt;

    @Override
    public Integer call() throws Exception {
        NatsSettings config = NatsSettings.of(settings.resolve());
        ObjectNode message = Json.MAPPER.createObjectNode();
        String subject;
        if (alarm == null) {
            if (status != null || changedAt != null) {
                throw new IllegalArgumentException("--status and --changed-at go with --alarm");
            }
            message.put("UserID", Ids.require("--user", user));
            subject = config.requestSubject();
        } else {
            if (status == null) {
                throw new IllegalArgumentException("--alarm needs --status (CLEARED, WARNING or CRITICAL)");
            }
            message.put("AlarmID", Ids.require("--alarm", alarm));
            message.put("UserID", Ids.require("--user", user));
            message.put("Status", AlarmStatus.parse("--status", status).name());
            Instant when = changedAt == null ? Instant.now() : Rfc3339.parse("--changed-at", changedAt);
            message.put("ChangedAt", Rfc3339.format(when));
            subject = config.statusSubject();
        }
        byte[] payload = Json.MAPPER.writeValueAsBytes(message);
        Duration timeout = client.timeout();
        try (AutoCloseable quiet = client.quietLogs();
             Connection nats = NatsConnections.connect(config, "publish", timeout)) {
            nats.publish(subject, payload);
            nats.flush(timeout);
        } catch (TimeoutException e) {
            throw new UnreachableException("NATS at " + NatsConnections.redacted(config) + " did not confirm the "
                + "publish within " + timeout.toSeconds() + " s; it may not have been sent");
        }
        spec.commandLine().getOut().println("published on " + subject + ": "
            + new String(payload, StandardCharsets.UTF_8));
        return 0;
    }
}
