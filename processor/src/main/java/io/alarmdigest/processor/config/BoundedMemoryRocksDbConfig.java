package io.alarmdigest.processor.config;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.IndexType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the off-heap memory of every RocksDB store in the process together (contract rule 10): all stores share
 * one block cache of {@code rocksdb.block.cache.bytes}, which also holds their index and filter blocks, and one
 * write-buffer manager of {@code rocksdb.write.buffer.bytes} whose memtables are charged to that cache. Memory
 * then stays within the cache size however many stores, partitions and alarms the process holds.
 *
 * <p>Index and filter blocks are partitioned: each table file keeps a small top-level index, pinned in the cache,
 * over partitions of a few kilobytes that are cached like data blocks. With one index and one filter block per
 * file, those blocks grow with the file (megabytes at a million alarms) and compete for the cache with the
 * memtables charged to it, and once evicted every lookup reads them back whole (BENCHMARK.md, tuning log).
 *
 * <p>Kafka Streams instantiates this class once per store, so the shared cache lives in a process-wide registry,
 * one per distinct budget, and is never closed by a store.
 */
public final class BoundedMemoryRocksDbConfig implements RocksDBConfigSetter {
    /** Share of the cache kept for index and filter blocks, so data blocks cannot evict them. */
    private static final double HIGH_PRIORITY_POOL_RATIO = 0.1;
    private static final int MAX_WRITE_BUFFERS = 3;

    private static final Map<Budget, Shared> SHARED = new ConcurrentHashMap<>();

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        Budget budget = new Budget(
            Long.parseLong(String.valueOf(configs.get(ProcessorConfig.ROCKSDB_BLOCK_CACHE_BYTES))),
            Long.parseLong(String.valueOf(configs.get(ProcessorConfig.ROCKSDB_WRITE_BUFFER_BYTES))));
        Shared shared = SHARED.computeIfAbsent(budget, Shared::create);

        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(shared.cache);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setIndexType(IndexType.kTwoLevelIndexSearch);
        table.setPartitionFilters(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setTableFormatConfig(table);
        options.setWriteBufferManager(shared.writeBuffers);
        options.setMaxWriteBufferNumber(MAX_WRITE_BUFFERS);
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and write-buffer manager are shared by every store of the process: a store must not free them.
    }

    /**
     * The bytes in use of the block cache shared by the stores of that budget (data, index and filter blocks, and
     * the memtables charged to it): what RocksDB holds off-heap. 0 before a store of that budget opens.
     */
    public static long blockCacheUsage(long cacheBytes, long writeBufferBytes) {
        Shared shared = SHARED.get(new Budget(cacheBytes, writeBufferBytes));
        return shared == null ? 0 : shared.cache.getUsage();
    }

    private record Budget(long cacheBytes, long writeBufferBytes) {
    }

    private static final class Shared {
        final Cache cache;
        final WriteBufferManager writeBuffers;

        private Shared(Cache cache, WriteBufferManager writeBuffers) {
            this.cache = cache;
            this.writeBuffers = writeBuffers;
        }

        static Shared create(Budget budget) {
            Cache cache = new LRUCache(budget.cacheBytes(), -1, false, HIGH_PRIORITY_POOL_RATIO);
            return new Shared(cache, new WriteBufferManager(budget.writeBufferBytes(), cache));
        }
    }
}
