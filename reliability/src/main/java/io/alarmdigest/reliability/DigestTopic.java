package io.alarmdigest.reliability;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The processor's output topic, read committed from start to end: where a digest computed twice for one request
 * (its dedupe failing on a redelivered request) shows even when NATS refuses the second copy by its
 * {@code Nats-Msg-Id}.
 */
public final class DigestTopic {
    public static final String TOPIC = "alarm-digest";

    private DigestTopic() {
    }

    /** How many committed digest parts repeat a {@code digest-id} and {@code digest-part} written before. */
    public static int partsWrittenTwice(String bootstrap, Duration timeout) {
        Map<String, Integer> seen = new HashMap<>();
        int[] repeats = {0};
        CommittedTopic.forEach(bootstrap, TOPIC, timeout, record -> {
            String part = CommittedTopic.header(record, ContractHeaders.RECORD_DIGEST_ID) + "#"
                + CommittedTopic.header(record, ContractHeaders.RECORD_DIGEST_PART);
            if (seen.merge(part, 1, Integer::sum) > 1) {
                repeats[0]++;
            }
        });
        return repeats[0];
    }
}
