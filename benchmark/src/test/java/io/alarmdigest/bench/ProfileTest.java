package io.alarmdigest.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The profile's reading of a real JFR recording, of this test's own JVM. */
class ProfileTest {
    private static final String BUSY = "ProfileTest.spin";

    @TempDir
    Path dir;

    /** Sink of the busy loop, so that it is not optimised away. */
    private volatile long sink;

    @Test
    void shouldPutTheBusiestMethodOnTopOfTheProfile() throws Exception {
        Path file = dir.resolve("test.jfr");
        Profile.Summary summary;
        try (Recording recording = new Recording()) {
            recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
            recording.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            do {
                for (int i = 0; i < 20; i++) {
                    spin();
                }
                recording.dump(file);
                summary = Profile.summarize("test", file, 5);
            } while (samplesOf(summary, BUSY) < 20 && System.nanoTime() < deadline);
        }
        assertTrue(samplesOf(summary, BUSY) >= 20, "the busy method was sampled: " + summary.methods());
        assertEquals(BUSY, summary.methods().get(0).name().replaceFirst("^.*\\.(ProfileTest\\.)", "$1"),
            "the busy method is on top: " + summary.methods());
        assertTrue(summary.libraries().stream().anyMatch(f -> f.name().equals("alarm-digest") && f.share() > 0.5),
            "most samples are this project's code: " + summary.libraries());
    }

    @Test
    void shouldGroupClassesByLibrary() {
        assertEquals("RocksDB (JNI)", Profile.library("org.rocksdb.RocksDB"));
        assertEquals("Kafka Streams", Profile.library("org.apache.kafka.streams.processor.internals.StreamTask"));
        assertEquals("Kafka clients", Profile.library("org.apache.kafka.clients.producer.KafkaProducer"));
        assertEquals("JDK", Profile.library("java.util.HashMap"));
        assertEquals("alarm-digest", Profile.library("io.alarmdigest.processor.state.AlarmState"));
    }

    private static long samplesOf(Profile.Summary summary, String method) {
        return summary.methods().stream().filter(f -> f.name().endsWith(method)).mapToLong(Profile.Frame::samples)
            .sum();
    }

    private void spin() {
        long x = sink;
        for (int i = 0; i < 2_000_000; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
        }
        sink = x;
    }
}
