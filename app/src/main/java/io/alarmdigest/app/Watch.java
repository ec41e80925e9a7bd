package io.alarmdigest.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.alarmdigest.bridge.NatsConnections;
import io.alarmdigest.bridge.NatsSettings;
import io.alarmdigest.model.HeaderNames;
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
    Launcher.SettingsOptions settings;

    @CommandLine.Mixin
    Launcher.ClientOptions client;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--count", description = "Stop after this many digest parts (default: never).")
    long count = Long.MAX_VALUE;

    @Override
    public Integer call() throws Exception {
        NatsSettings config = NatsSettings.of(settings.resolve());
        PrintWriter out = spec.commandLine().getOut();
        Duration timeout = client.timeout();
        try (AutoCloseable quiet = client.quietLogs();
             Connection nats = NatsConnections.connect(config, "watch", timeout)) {
            Subscription digests = nats.subscribe(config.digestSubject());
            nats.flush(timeout);
            // Not output: on stderr, so that stdout holds the digests alone.
            spec.commandLine().getErr().println("watching " + config.digestSubject() + " (Ctrl-C to stop)");
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

    private static String header(Message message, String name) {
        String value = message.getHeaders() == null ? null : message.getHeaders().getFirst(name);
        return value == null ? "?" : value;
    }

    private static void print(Message message, PrintWriter out) {
        String id = header(message, HeaderNames.NATS_DIGEST_ID);
        String part = header(message, HeaderNames.NATS_DIGEST_PART);
        String parts = header(message, HeaderNames.NATS_DIGEST_PARTS);
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
