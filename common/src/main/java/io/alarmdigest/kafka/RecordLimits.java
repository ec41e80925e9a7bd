package io.alarmdigest.kafka;

/**
 * The sizes the service keeps its records within, so that a record it is bound to write is never refused by the
 * producer: a value of at most {@code max.request.size - }{@value #OVERHEAD_BYTES} bytes leaves room for the record's
 * key, headers and framing.
 */
public final class RecordLimits {
    /** Room in a producer request for a record's key, headers and framing, on top of its value. */
    public static final int OVERHEAD_BYTES = 16 * 1024;
    /** The producer's own default {@code max.request.size}. */
    public static final int DEFAULT_MAX_REQUEST_SIZE = 1024 * 1024;

    private RecordLimits() {
    }

    /** The largest value that fits a producer request of {@code maxRequestSize} bytes. */
    public static int largestValue(int maxRequestSize) {
        return maxRequestSize - OVERHEAD_BYTES;
    }
}
