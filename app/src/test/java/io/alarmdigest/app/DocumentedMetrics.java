package io.alarmdigest.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The service's metric names as README's "Metrics" table lists them, held against a real {@code /metrics} scrape:
 * a metric family of the service ({@code alarm_digest_*}) is documented when the table names it, with {@code _total}
 * for a counter; a {@code _max} gauge of a timer or summary goes with its family.
 */
final class DocumentedMetrics {
    private static final String PREFIX = "alarm_digest_";
    private static final Pattern TYPE = Pattern.compile("^# TYPE (" + PREFIX + "\\w+) (\\w+)$");
    private static final Pattern NAME = Pattern.compile("`(" + PREFIX + "\\w+)`");

    private final Set<String> documented;

    private DocumentedMetrics(Set<String> documented) {
        this.documented = documented;
    }

    /** Reads the table under README's {@code ### Metrics} heading (the project's root, from a module's directory). */
    static DocumentedMetrics readme() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        Set<String> names = new TreeSet<>();
        boolean inSection = false;
        for (String line : lines) {
            if (line.startsWith("#")) {
                inSection = line.equals("### Metrics");
            } else if (inSection && line.startsWith("| `")) {
                Matcher name = NAME.matcher(line.substring(0, line.indexOf('|', 1)));
                while (name.find()) {
                    names.add(name.group(1));
                }
            }
        }
        if (names.isEmpty()) {
            throw new AssertionError("README.md has no metric in a table under ### Metrics");
        }
        return new DocumentedMetrics(names);
    }

    /** The service's metric families in {@code scrape} that the table does not name. */
    List<String> undocumented(String scrape) {
        List<String> missing = new ArrayList<>();
        for (String family : families(scrape)) {
            if (!documented.contains(family) && !documented.contains(family + "_total")
                && !(family.endsWith("_max") && documented.contains(family.substring(0, family.length() - 4)))) {
                missing.add(family);
            }
        }
        return missing;
    }

    /** The names in the table that {@code scrape} has no family of. */
    List<String> absentFrom(String scrape) {
        Set<String> families = families(scrape);
        List<String> absent = new ArrayList<>();
        for (String name : documented) {
            String family = name.endsWith("_total") ? name.substring(0, name.length() - "_total".length()) : name;
            if (!families.contains(family) && !families.contains(name)) {
                absent.add(name);
            }
        }
        return absent;
    }

    private static Set<String> families(String scrape) {
        Set<String> families = new TreeSet<>();
        scrape.lines().map(TYPE::matcher).filter(Matcher::matches).forEach(type -> families.add(type.group(1)));
        return families;
    }
}
