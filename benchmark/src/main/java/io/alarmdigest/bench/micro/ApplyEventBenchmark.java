package io.alarmdigest.bench.micro;

import io.alarmdigest.model.AlarmStatusChanged;
import io.alarmdigest.processor.state.AlarmState;
import io.alarmdigest.processor.state.StateKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * The processor's per-event code path, without Kafka Streams around it: {@link #stateOnly} parses an
 * {@code AlarmStatusChanged} and applies it to the alarm's stored state (decode, apply, encode), the project's own
 * part; {@link #withRocksDb} adds the state store's read and write, on a RocksDB holding {@code alarms} alarms, ten
 * per user, keyed as the processor keys them. Each event is newer than the one before, for a random alarm with a
 * random status; building its JSON is part of both (a fraction of a microsecond).
 *
 * <p>The whole service's cost per event is in the benchmark report (CPU per process at the sustained rate): the
 * difference is Kafka Streams' per-record work, the bridges, the brokers.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class ApplyEventBenchmark {
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static final String[] STATUSES = {"CRITICAL", "WARNING", "CLEARED"};
    private static final int ALARMS_PER_USER = 10;

    /** Alarms in the store before measuring. */
    @Param("100000")
    public int alarms;

    private final SplittableRandom random = new SplittableRandom(6);
    private long changedAtSeconds;
    private byte[][] held;
    private Path dir;
    private Options options;
    private RocksDB store;

    @Setup(Level.Trial)
    public void load() throws IOException, RocksDBException {
        RocksDB.loadLibrary();
        dir = Files.createTempDirectory("alarm-digest-micro-");
        options = new Options().setCreateIfMissing(true);
        store = RocksDB.open(options, dir.toString());
        held = new byte[alarms][];
        for (int alarm = 0; alarm < alarms; alarm++) {
            AlarmStatusChanged event = AlarmStatusChanged.parse(eventJson(alarm, alarm % 3));
            byte[] state = AlarmState.first(event, changedAtSeconds * 1000).encode();
            held[alarm] = state;
            store.put(key(event), state);
        }
    }

    @Benchmark
    public byte[] stateOnly() {
        int alarm = random.nextInt(alarms);
        AlarmStatusChanged event = AlarmStatusChanged.parse(eventJson(alarm, random.nextInt(3)));
        return AlarmState.decode(held[alarm]).apply(event, changedAtSeconds * 1000).encode();
    }

    @Benchmark
    public void withRocksDb() throws RocksDBException {
        int alarm = random.nextInt(alarms);
        AlarmStatusChanged event = AlarmStatusChanged.parse(eventJson(alarm, random.nextInt(3)));
        byte[] key = key(event);
        byte[] stored = store.get(key);
        AlarmState before = stored == null ? null : AlarmState.decode(stored);
        store.put(key, AlarmState.after(before, event, changedAtSeconds * 1000).encode());
    }

    private byte[] eventJson(int alarm, int status) {
        int user = alarm / ALARMS_PER_USER;
        return ("{\"AlarmID\":\"alarm-" + alarm + "\",\"UserID\":\"user-" + user + "\",\"Status\":\""
            + STATUSES[status] + "\",\"ChangedAt\":\"" + START.plusSeconds(changedAtSeconds++) + "\"}")
            .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] key(AlarmStatusChanged event) {
        return StateKeys.alarmKey(event.userId(), event.alarmId()).get();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        options.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
