package io.alarmdigest.reliability;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The processor's input topic, read committed from start to end: where the ingress copying a stream message twice,
 * or out of stream order, shows (contract rule 8), whatever the processor made of it.
 */
public final class InputTopic {
    public static final String TOPIC = "alarm-digest-input";

    private InputTopic() {
    }

    /**
     * What the ingress wrote, judged: {@code copiedTwice} stream messages (by stream creation time and sequence)
     * that are in the topic more than once; {@code outOfOrder} records whose sequence is not above the one of the
     * same stream before them in their partition.
     */
    public record Copies(int records, int copiedTwice, int outOfOrder) {
    }

    public static Copies judge(String bootstrap, Duration timeout) {
        Set<String> seen = new HashSet<>();
        Map<String, Long> lastOfPartition = new HashMap<>();
        int[] counts = {0, 0, 0};
        CommittedTopic.forEach(bootstrap, TOPIC, timeout, record -> {
            counts[0]++;
            String created = CommittedTopic.header(record, ContractHeaders.NATS_STREAM_CREATED);
            long seq = Long.parseLong(CommittedTopic.header(record, ContractHeaders.NATS_STREAM_SEQ));
            if (!seen.add(created + "#" + seq)) {
                counts[1]++;
            }
            Long before = lastOfPartition.put(created + "/" + record.partition(), seq);
            if (before != null && before >= seq) {
                counts[2]++;
            }
        });
        return new Copies(counts[0], counts[1], counts[2]);
    }
}
