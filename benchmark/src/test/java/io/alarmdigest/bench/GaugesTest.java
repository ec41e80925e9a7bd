package io.alarmdigest.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The per-thread CPU reading of /proc, on this test's own JVM. */
class GaugesTest {
    /** Sink of the busy loop, so that it is not optimised away. */
    private volatile long sink;

    @Test
    void shouldSumTheCpuOfThreadsByNameWithoutTheirNumbers() throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        CountDownLatch spun = new CountDownLatch(2);
        Runnable spin = () -> {
            // Busy until the JVM itself counts 100 ms of CPU for this thread: several of /proc's 10 ms ticks.
            while (threads.getCurrentThreadCpuTime() < TimeUnit.MILLISECONDS.toNanos(100)) {
                sink += System.nanoTime();
            }
            spun.countDown();
            try {
                TimeUnit.MINUTES.sleep(1); // alive while the test reads /proc
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        Thread first = new Thread(spin, "gauges-spin-1");
        Thread second = new Thread(spin, "gauges-spin-2");
        first.start();
        second.start();
        try {
            assertTrue(spun.await(60, TimeUnit.SECONDS), "the two threads did not spend 100 ms of CPU each in 60 s");
            Map<String, Long> byName = Gauges.threadCpuTicks(ProcessHandle.current().pid());
            Long ticks = byName.get("gauges-spin");
            assertTrue(ticks != null, "no thread group gauges-spin in " + byName.keySet());
            assertTrue(ticks >= 10, "two threads of 100 ms of CPU each should count 20 ticks, give or take the "
                + "accounting, but counted " + ticks);
        } finally {
            first.interrupt();
            second.interrupt();
        }
    }

    @Test
    void shouldReadNothingOfAProcessThatIsNotThere() {
        assertTrue(Gauges.threadCpuTicks(Long.MAX_VALUE).isEmpty());
    }
}
