package io.alarmdigest.testing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.search.Search;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/** Reads a component's meters in a test, by name and tags, the way a dashboard would. */
public final class Meters {
    private Meters() {
    }

    /** The sum of the counters named {@code name} with the given tags (key, value, ...); 0 when there is none. */
    public static long count(MeterRegistry registry, String name, String... tags) {
        return Math.round(search(registry, name, tags).counters().stream().mapToDouble(Counter::count).sum());
    }

    /** The value of the gauge named {@code name} with the given tags. */
    public static long gauge(MeterRegistry registry, String name, String... tags) {
        Gauge gauge = search(registry, name, tags).gauge();
        if (gauge == null) {
            throw new AssertionError("no gauge " + name + " " + String.join(",", tags) + "; there are: "
                + describe(registry));
        }
        return Math.round(gauge.value());
    }

    /** The total of the distribution named {@code name} (the sum of what it recorded). */
    public static long total(MeterRegistry registry, String name, String... tags) {
        return Math.round(search(registry, name, tags).summaries().stream()
            .mapToDouble(DistributionSummary::totalAmount).sum());
    }

    /** How many times the timers named {@code name} recorded. */
    public static long timed(MeterRegistry registry, String name, String... tags) {
        return search(registry, name, tags).timers().stream().mapToLong(Timer::count).sum();
    }

    /** Every meter of the service ({@code alarm.digest.*}) with its tags and first value, for a failure message. */
    public static String describe(MeterRegistry registry) {
        return registry.getMeters().stream()
            .filter(meter -> meter.getId().getName().startsWith("alarm.digest."))
            .sorted(Comparator.comparing(meter -> meter.getId().toString()))
            .map(Meters::describe)
            .collect(Collectors.joining(", "));
    }

    private static String describe(Meter meter) {
        String tags = meter.getId().getTags().stream().map(tag -> tag.getKey() + "=" + tag.getValue())
            .collect(Collectors.joining(",", "{", "}"));
        double value = meter.measure().iterator().hasNext() ? meter.measure().iterator().next().getValue() : Double.NaN;
        return meter.getId().getName() + tags + "=" + value;
    }

    private static Search search(MeterRegistry registry, String name, String... tags) {
        if (tags.length % 2 != 0) {
            throw new IllegalArgumentException("tags come as key, value pairs: " + String.join(",", tags));
        }
        Search search = registry.find(name);
        for (int i = 0; i < tags.length; i += 2) {
            search = search.tags(List.of(Tag.of(tags[i], tags[i + 1])));
        }
        return search;
    }
}
