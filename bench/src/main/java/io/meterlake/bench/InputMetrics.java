package io.meterlake.bench;

import io.meterlake.schema.Rows;
import io.meterlake.batch.ingest.FileIngestJob;
import io.meterlake.batch.publish.PublishJob;
import io.meterlake.batch.publish.PublishMode;
import io.meterlake.batch.publish.Verification;
import io.meterlake.batch.publish.VerifyJob;
import io.meterlake.batch.recompute.RankedRaw;
import io.meterlake.batch.recompute.Recompute;
import io.meterlake.batch.reconcile.ReconcileJob;
import io.meterlake.batch.reconcile.ReconcileResult;
import io.meterlake.config.ConfigLoader;
import io.meterlake.period.Durations;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.model.BillingLine;
import io.meterlake.model.Entitlement;
import io.meterlake.output.Output;
import io.meterlake.period.Period;
import io.meterlake.schema.Tables;
import io.meterlake.signing.Signing;
import io.meterlake.spark.SparkSessions;
import io.meterlake.table.Warehouse;
import io.meterlake.workload.WorkloadGenerator;
import io.meterlake.workload.WorkloadSpec;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

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
    record Measure(long records, long bytes, Duration elapsed, Object result) {
    }
}
