package io.alarmdigest.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.alarmdigest.bridge.UnreachableException;
import io.alarmdigest.model.Ids;
import io.alarmdigest.model.Json;
import io.alarmdigest.processor.query.UserQueries;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Asks a processor instance, any of them, about one user ({@code GET /users/<UserID>/...}) and prints its JSON
 * answer, pretty: the instance forwards the question to the one holding the user's state.
 */
abstract class UserQueryCommand implements Callable<Integer> {
    @CommandLine.Mixin
    Launcher.ClientOptions client;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--user", required = true, description = "UserID.")
    String user;

    @Option(names = "--processor", paramLabel = "URL", defaultValue = "http://127.0.0.1:9400",
        description = "The HTTP endpoint of any processor instance (default: ${DEFAULT-VALUE}, standalone's).")
    String processor;

    abstract UserQueries.Kind kind();

    @Override
    public Integer call() throws Exception {
        Duration timeout = client.timeout();
        URI uri = uri();
        HttpResponse<String> response;
        try (AutoCloseable quiet = client.quietLogs()) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
            response = http.send(HttpRequest.newBuilder(uri).timeout(timeout.plusSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UnreachableException("the processor at " + processor + " did not answer (" + e + "): is it "
                + "running, and is --processor its HTTP endpoint?", e);
        }
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new UnreachableException(uri + " answered " + response.statusCode() + " with no JSON: "
                + response.body());
        }
        if (response.statusCode() != 200) {
            JsonNode error = body.get("Error");
            throw new UnreachableException(uri + " answered " + response.statusCode() + ": "
                + (error == null ? body : error.asText()));
        }
        spec.commandLine().getOut().println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(body));
        return 0;
    }

    private URI uri() {
        String path = UserQueries.path(Ids.require("--user", user), kind());
        String base = processor.endsWith("/") ? processor.substring(0, processor.length() - 1) : processor;
        URI uri;
        try {
            uri = URI.create(base + path);
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || !"http".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("--processor must be http://host:port, not " + processor);
        }
        return uri;
    }

    @Command(name = "pending", mixinStandardHelpOptions = true,
        description = "What the user's next digest would list, in digest order, with each alarm's delivered version.")
    static final class Pending extends UserQueryCommand {
        @Override
        UserQueries.Kind kind() {
            return UserQueries.Kind.PENDING;
        }
    }

    @Command(name = "alarms", mixinStandardHelpOptions = true,
        description = "Every alarm kept for the user: current and delivered version, whether it changed since, "
            + "whether it is pending, when a CLEARED one expires.")
    static final class Alarms extends UserQueryCommand {
        @Override
        UserQueries.Kind kind() {
            return UserQueries.Kind.ALARMS;
        }
    }
}
