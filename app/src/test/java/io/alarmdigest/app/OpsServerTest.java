package io.alarmdigest.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** What {@code /metrics?name[]=...} is asked for. */
class OpsServerTest {
    @Test
    void shouldTakeEachNameBracketParameterEncodedOrNot() {
        assertEquals(Set.of("jvm_threads_live_threads", "alarm_digest_processor_digests_total",
                "alarm_digest_processor_digests"),
            OpsServer.requestedNames("name%5B%5D=jvm_threads_live_threads&other=x&name[]=alarm_digest_processor_digests_total"));
    }

    @Test
    void shouldAskForEverythingWithoutNames() {
        assertEquals(Set.of(), OpsServer.requestedNames(null));
        assertEquals(Set.of(), OpsServer.requestedNames("format=text"));
    }
}
