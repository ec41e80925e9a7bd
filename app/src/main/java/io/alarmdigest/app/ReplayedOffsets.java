package io.alarmdigest.app;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;

/**
 * What {@code dlq replay} has replayed from one partition of the dead-letter topic, kept as its consumer group's
 * committed offset: every letter below the offset is replayed, and the offsets above it that are replayed too (a
 * replay with {@code --reason} or {@code --since} leaves letters behind for a later one) travel in the commit's
 * metadata as ranges, {@code 12-40,45}. A second replay of the same letters therefore sends nothing, whatever its
 * filters.
 */
final class ReplayedOffsets {
    private static final String PREFIX = "replayed:";

    private long below;
    private final TreeSet<Long> above = new TreeSet<>();

    private ReplayedOffsets(long below) {
        this.below = below;
    }

    /** From a committed offset ({@code null}: nothing replayed yet, from {@code beginning}). */
    static ReplayedOffsets of(OffsetAndMetadata committed, long beginning) {
        if (committed == null) {
            return new ReplayedOffsets(beginning);
        }
        ReplayedOffsets replayed = new ReplayedOffsets(Math.max(beginning, committed.offset()));
        String metadata = committed.metadata();
        if (metadata != null && metadata.startsWith(PREFIX) && metadata.length() > PREFIX.length()) {
            for (String range : metadata.substring(PREFIX.length()).split(",")) {
                int dash = range.indexOf('-');
                long from = Long.parseLong(dash < 0 ? range : range.substring(0, dash));
                long to = dash < 0 ? from : Long.parseLong(range.substring(dash + 1));
                for (long offset = from; offset <= to; offset++) {
                    replayed.add(offset);
                }
            }
        }
        return replayed;
    }

    boolean contains(long offset) {
        return offset < below || above.contains(offset);
    }

    void add(long offset) {
        if (offset >= below) {
            above.add(offset);
        }
        while (above.remove(below)) {
            below++;
        }
    }

    /**
     * Offsets {@code [from, to)} that hold no letter: the dead-letter topic is written in transactions, and a
     * read-committed reader never sees their commit markers or an aborted transaction's records. Counted as done,
     * so that the committed offset can pass them.
     */
    void passOver(long from, long to) {
        if (to <= below) {
            return;
        }
        if (from <= below) {
            below = to;
            above.headSet(to).clear();
        } else {
            for (long offset = from; offset < to; offset++) {
                above.add(offset);
            }
        }
        while (above.remove(below)) {
            below++;
        }
    }

    /** The commit that records it. */
    OffsetAndMetadata commit() {
        List<String> ranges = new ArrayList<>();
        Long from = null;
        long to = 0;
        for (long offset : above) {
            if (from != null && offset == to + 1) {
                to = offset;
                continue;
            }
            if (from != null) {
                ranges.add(from == to ? Long.toString(from) : from + "-" + to);
            }
            from = offset;
            to = offset;
        }
        if (from != null) {
            ranges.add(from == to ? Long.toString(from) : from + "-" + to);
        }
        return new OffsetAndMetadata(below, PREFIX + String.join(",", ranges));
    }
}
