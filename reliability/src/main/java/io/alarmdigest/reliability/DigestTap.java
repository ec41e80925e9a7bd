package io.alarmdigest.reliability;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads what the service published: every message of the digest stream, in stream order, through an ordered
 * consumer (the client checks the sequence of every message and recreates the consumer from the last one it saw
 * after a gap, a missed heartbeat or a NATS restart: nothing is missed), handed to the oracle; and, as a plain
 * subscriber on the digest subject, the copies that a re-publication after a crash puts on the wire (same
 * {@code Nats-Msg-Id}), which the stream itself refuses.
 */
public final class DigestTap implements AutoCloseable {
    private final Oracle oracle;
    private final Dispatcher dispatcher;
    private final Dispatcher streamDispatcher;
    private final JetStreamSubscription reader;
    private final Map<String, Integer> seenOnSubject = new HashMap<>();
    /** Nats-Msg-Id → when the subscriber first saw it: a digest's arrival, whichever path brings it first. */
    private final Map<String, Long> firstSeenNanos = new HashMap<>();
    private final AtomicLong copies = new AtomicLong();
    private final AtomicLong lastSequence = new AtomicLong();

    public DigestTap(Connection connection, String stream, String subject, Oracle oracle)
        throws IOException, JetStreamApiException {
        this.oracle = oracle;
        this.dispatcher = connection.createDispatcher(message -> {
            long now = System.nanoTime();
            String id = message.getHeaders() == null ? null : message.getHeaders().getFirst(ContractHeaders.MSG_ID);
            synchronized (seenOnSubject) {
                firstSeenNanos.putIfAbsent(String.valueOf(id), now);
                if (seenOnSubject.merge(String.valueOf(id), 1, Integer::sum) > 1) {
                    copies.incrementAndGet();
                }
            }
        });
        dispatcher.subscribe(subject);
        this.streamDispatcher = connection.createDispatcher();
        this.reader = connection.jetStream().subscribe(subject, streamDispatcher, this::fromStream, false,
            PushSubscribeOptions.builder().stream(stream).ordered(true).build());
    }

    private void fromStream(Message message) {
        Headers headers = message.getHeaders() == null ? new Headers() : message.getHeaders();
        String msgId = String.valueOf(headers.getFirst(ContractHeaders.MSG_ID));
        long sequence = message.metaData().streamSequence();
        oracle.digestMessage(new Oracle.StreamMessage(sequence, String.valueOf(headers.getFirst(ContractHeaders.DIGEST_ID)),
            number(headers.getFirst(ContractHeaders.DIGEST_PART)), number(headers.getFirst(ContractHeaders.DIGEST_PARTS)),
            msgId, message.getData(), arrival(msgId)));
        lastSequence.accumulateAndGet(sequence, Math::max);
    }

    /** The last sequence of the digest stream read so far (every message up to it has gone to the oracle). */
    public long lastSequence() {
        return lastSequence.get();
    }

    /** When a part arrived: as the subscriber saw it, or now (the stream brought it first). */
    private long arrival(String msgId) {
        long now = System.nanoTime();
        synchronized (seenOnSubject) {
            Long seen = firstSeenNanos.remove(msgId);
            return seen == null ? now : Math.min(seen, now);
        }
    }

    /** A header's number, or 0 when it is missing or not a number (the oracle then reports the digest). */
    private static int number(String header) {
        try {
            return header == null ? 0 : Integer.parseInt(header);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Messages seen on the subject whose Nats-Msg-Id had been seen before: re-publications. */
    public long copiesOnSubject() {
        return copies.get();
    }

    @Override
    public void close() {
        streamDispatcher.unsubscribe(reader);
    }
}
