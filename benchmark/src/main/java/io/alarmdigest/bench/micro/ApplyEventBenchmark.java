package io.alarmdigest.bench.micro;

import io.alarmdigest.model.AlarmStatusChanged;
import io.alarmdigest.processor.config.ProcessorConfig;
import io.alarmdigest.processor.state.AlarmState;
import io.alarmdigest.processor.state.StateKeys;
import io.alarmdigest.processor.topology.DigestTopology;
import io.alarmdigest.testing.Directories;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
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
 * The processor's per-event code path, without Kafka Streams' record handling around it: {@link #stateOnly} parses
 * an {@code AlarmStatusChanged} and applies it to the alarm's stored state (decode, apply, encode), the project's
 * own part; {@link #withRocksDb} adds the state's read and write on a RocksDB of RocksDB's default options;
 * {@link #withProcessorStore} does them on the processor's own store: Kafka Streams' RocksDB store with the
 * processor's settings (its shared, bounded block cache and memtables; {@code settings} adds or overrides some, as
 * {@code --set} would), without the changelog. Each store holds {@code alarms} alarms, ten per user, keyed as the
 * processor keys them. Each event is newer than the one before, for a random alarm with a random status; building
 * its JSON is part of each (a fraction of a microsecond).
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
    @Param({"100000", "1000000"})
    public int alarms;

    /** Processor settings for {@link #withProcessorStore}, {@code key=value} separated by commas; none by default. */
    @Param("")
    public String settings;

    private final SplittableRandom random = new SplittableRandom(6);
    private long changedAtSeconds;
    private byte[][] held;
    private Path dir;
    private Options options;
    private RocksDB store;
    private KeyValueStore<Bytes, byte[]> processorStore;

    @Setup(Level.Trial)
    public void load() throws IOException, RocksDBException {
        RocksDB.loadLibrary();
        dir = Files.createTempDirectory("alarm-digest-micro-");
        options = new Options().setCreateIfMissing(true);
        store = RocksDB.open(options, dir.resolve("plain").toString());
        processorStore = openProcessorStore(dir.resolve("processor"));
        held = new byte[alarms][];
        for (int alarm = 0; alarm < alarms; alarm++) {
            AlarmStatusChanged event = AlarmStatusChanged.parse(eventJson(alarm, alarm % 3));
            byte[] state = AlarmState.first(event, changedAtSeconds * 1000).encode();
            held[alarm] = state;
            store.put(key(event), state);
            processorStore.put(Bytes.wrap(key(event)), state);
        }
        processorStore.flush();
    }

    private KeyValueStore<Bytes, byte[]> openProcessorStore(Path stateDir) throws IOException {
        Map<String, Object> configured = new HashMap<>();
        configured.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        for (String setting : settings.split(",")) {
            if (!setting.isBlank()) {
                String[] keyValue = setting.split("=", 2);
                configured.put(keyValue[0].trim(), keyValue[1].trim());
            }
        }
        Properties streams = new ProcessorConfig(configured).streamsProperties();
        Files.createDirectories(stateDir);
        MockProcessorContext<String, byte[]> context =
            new MockProcessorContext<>(streams, new TaskId(0, 0), stateDir.toFile());
        KeyValueStore<Bytes, byte[]> opened = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(DigestTopology.ALARM_STORE), Serdes.Bytes(), Serdes.ByteArray())
            .withLoggingDisabled()
            .build();
        opened.init(context.getStateStoreContext(), opened);
        return opened;
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

    @Benchmark
    public void withProcessorStore() {
        int alarm = random.nextInt(alarms);
        AlarmStatusChanged event = AlarmStatusChanged.parse(eventJson(alarm, random.nextInt(3)));
        Bytes key = StateKeys.alarmKey(event.userId(), event.alarmId());
        byte[] stored = processorStore.get(key);
        AlarmState before = stored == null ? null : AlarmState.decode(stored);
        processorStore.put(key, AlarmState.after(before, event, changedAtSeconds * 1000).encode());
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
        processorStore.close();
        Directories.delete(dir);
    }
}
