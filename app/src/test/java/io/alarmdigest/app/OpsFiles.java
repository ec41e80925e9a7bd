package io.alarmdigest.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.alarmdigest.model.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The dashboard and the alert rules under {@code ops/}, and the metrics their queries name. */
final class OpsFiles {
    static final Path DASHBOARD = Path.of("..", "ops", "grafana", "dashboards", "alarm-digest.json");
    static final Path ALERTS = Path.of("..", "ops", "prometheus", "alerts.yml");
    /** A metric of the service, its Kafka clients or its JVM in a PromQL expression. */
    private static final Pattern METRIC = Pattern.compile("\\b(?:alarm_digest|kafka|jvm)_[a-z0-9_]+\\b");

    private OpsFiles() {
    }

    static JsonNode dashboard() {
        return read(Json.MAPPER, DASHBOARD);
    }

    static JsonNode alerts() {
        return read(new ObjectMapper(new YAMLFactory()), ALERTS);
    }

    /** Every query of the dashboard's panels and every alert rule's expression. */
    static List<String> expressions() {
        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : dashboard().get("panels")) {
            for (JsonNode target : panel.path("targets")) {
                expressions.add(target.get("expr").asText());
            }
        }
        for (JsonNode group : alerts().get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                expressions.add(rule.get("expr").asText());
            }
        }
        return expressions;
    }

    /** The metric names those expressions use. */
    static Set<String> metricNames() {
        Set<String> names = new TreeSet<>();
        for (String expression : expressions()) {
            Matcher metric = METRIC.matcher(expression);
            while (metric.find()) {
                names.add(metric.group());
            }
        }
        return names;
    }

    private static JsonNode read(ObjectMapper mapper, Path file) {
        try {
            return mapper.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
