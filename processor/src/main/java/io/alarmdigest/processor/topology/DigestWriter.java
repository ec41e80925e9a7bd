package io.alarmdigest.processor.topology;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.alarmdigest.model.AlarmDigest.ActiveAlarm;
import io.alarmdigest.model.Json;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a digest as one or more parts (contract rule 11): each part is a complete {@code AlarmDigest} JSON of at
 * most {@code maxBytes}, holding the next slice of the alarms in their order. The output is byte for byte what
 * Jackson writes for {@link io.alarmdigest.model.AlarmDigest}; each alarm is serialized once, and parts
 * are cut by adding up the exact sizes.
 */
final class DigestWriter {
    private static final ObjectWriter ALARM_WRITER = Json.MAPPER.writerFor(ActiveAlarm.class);
    private static final byte[] ALARMS_FIELD = ",\"ActiveAlarms\":[".getBytes(StandardCharsets.UTF_8);
    private static final byte[] END = "]}".getBytes(StandardCharsets.UTF_8);

    private DigestWriter() {
    }

    /**
     * @return at least one part; one with an empty list when {@code alarms} is empty
     * @throws IllegalArgumentException when even one alarm does not fit in {@code maxBytes} (the configuration's
     *     lower bound rules that out for valid IDs)
     */
    static List<byte[]> write(String userId, List<ActiveAlarm> alarms, int maxBytes) {
        byte[] head = head(userId);
        int envelope = head.length + END.length;
        List<byte[]> parts = new ArrayList<>();
        ByteArrayOutputStream part = new ByteArrayOutputStream(Math.min(maxBytes, 64 * 1024));
        part.writeBytes(head);
        int inPart = 0;
        for (ActiveAlarm alarm : alarms) {
            byte[] json = serialize(alarm);
            if (envelope + json.length > maxBytes) {
                throw new IllegalArgumentException("one alarm of user " + userId + " needs " + (envelope + json.length)
                    + " bytes, more than the digest limit of " + maxBytes);
            }
            int separator = inPart == 0 ? 0 : 1;
            if (part.size() + separator + json.length + END.length > maxBytes) {
                part.writeBytes(END);
                parts.add(part.toByteArray());
                part.reset();
                part.writeBytes(head);
                inPart = 0;
                separator = 0;
            }
            if (separator == 1) {
                part.write(',');
            }
            part.writeBytes(json);
            inPart++;
        }
        part.writeBytes(END);
        parts.add(part.toByteArray());
        return parts;
    }

    private static byte[] head(String userId) {
        ByteArrayOutputStream head = new ByteArrayOutputStream(64);
        head.writeBytes("{\"UserID\":".getBytes(StandardCharsets.UTF_8));
        head.writeBytes(serialize(userId));
        head.writeBytes(ALARMS_FIELD);
        return head.toByteArray();
    }

    private static byte[] serialize(Object value) {
        try {
            return value instanceof ActiveAlarm ? ALARM_WRITER.writeValueAsBytes(value)
                : Json.MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
