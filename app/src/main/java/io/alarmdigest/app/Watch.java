package io.alarmdigest.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.alarmdigest.bridge.BridgeConfig;
import io.alarmdigest.bridge.NatsConnections;
import io.alarmdigest.model.Json;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Prints the digests published on NATS as they arrive, pretty, with their part headers. */
@Command(name = "watch", mixinStandardHelpOptions = true,
    description = "Print digests as they arrive on NATS (a plain subscriber), until Ctrl-C or --count.")
final class Watch implements Callable<Integer> {
    @CommandLine.Mixin
    AlarmDigest.SettingsOptions settings;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--count", description = "Stop after this many digest parts (default: never).")
    long count = Long.MAX_VALUE;

    @Override
    public Integer call() throws Exception {
        BridgeConfig config = BridgeConfig.forNatsClient(settings.resolve());
        PrintWriter out = spec.commandLine().getOut();
        try (Connection nats = NatsConnections.connect(config, "watch")) {
            Subscription digests = nats.subscribe(config.digestSubject());
            nats.flush(Duration.ofSeconds(5));
            out.println("watching " + config.digestSubject() + " (Ctrl-C to stop)");
            for (long seen = 0; seen < count; ) {
                Message message = digests.nextMessage(Duration.ofSeconds(1));
                if (message != null) {
                    print(message, out);
                    seen++;
                }
            }
        }
        return 0;
    }

    private static void print(Message message, PrintWriter out) {
        String id = message.getHeaders() == null ? "?" : message.getHeaders().getFirst("Digest-Id");
        String part = message.getHeaders() == null ? "?" : message.getHeaders().getFirst("Digest-Part");
        String parts = message.getHeaders() == null ? "?" : message.getHeaders().getFirst("Digest-Parts");
        out.println("-- digest " + id + " part " + part + "/" + parts);
        try {
            JsonNode json = Json.MAPPER.readTree(message.getData());
            out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json));
        } catch (IOException e) {
            out.println(new String(message.getData(), StandardCharsets.UTF_8));
        }
        out.flush();
    }
}
