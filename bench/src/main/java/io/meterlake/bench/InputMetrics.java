package io.meterlake.bench;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;

/**
 * Spark's task input metrics (records and bytes read from files), summed while a command runs, and what each
 * measured command gives: the scale benchmark's measure of cost.
 */
final class InputMetrics extends SparkListener {

    private final SparkSession spark;
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    InputMetrics(SparkSession spark) {
        this.spark = spark;
        spark.sparkContext().addSparkListener(this);
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        if (taskEnd.taskMetrics() != null) {
            records.addAndGet(taskEnd.taskMetrics().inputMetrics().recordsRead());
            bytes.addAndGet(taskEnd.taskMetrics().inputMetrics().bytesRead());
        }
    }

    /**
     * Runs {@code command} with every table's log unread (Delta's snapshot cache cleared), as the
     * nightly job finds it in its own JVM: each history size pays its own log reads, whatever ran
     * before it in this JVM.
     */
    Measure measure(Supplier<Object> command) {
        org.apache.spark.sql.delta.DeltaLog.clearCache();
        drain();
        long recordsBefore = records.get();
        long bytesBefore = bytes.get();
        long started = System.nanoTime();
        Object result = command.get();
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        drain();
        return new Measure(records.get() - recordsBefore, bytes.get() - bytesBefore, elapsed, result);
    }

    /** Waits until the listener has seen every task that ended so far. */
    private void drain() {
        try {
            spark.sparkContext().listenerBus().waitUntilEmpty();
        } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
            throw new IllegalStateException("Spark's listener bus did not drain", e);
        }
    }

    /** One command's figures: what Spark's tasks read, how long it took, and what it returned. */
    record Measure(long records, long bytes, Duration elapsed, Object result) {}
}
