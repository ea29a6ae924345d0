package io.meterlake.streaming;

import java.time.Duration;
import java.util.Arrays;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.SparkStatusTracker;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;

/**
 * Waits until no task of stopped queries still runs. {@link StreamingQuery#stop()} returns once the query's
 * thread ended and its job is cancelled, while the job's tasks may still be finishing; a task that holds its
 * partition's RocksDB state store then needs the state store registry, which closing every store
 * ({@code StateStore.stop()}) holds while it waits for that store: each side waits the store's lock timeout
 * (two minutes per state partition) before either goes on.
 */
final class StoppedQueries {
    private static final Duration POLL = Duration.ofMillis(20);

    private StoppedQueries() {}

    /** Returns when the queries' tasks have ended or {@code atMost} has passed (measured on the monotonic timer). */
    static void awaitTasks(SparkSession spark, Duration atMost, StreamingQuery... queries) {
        SparkStatusTracker tracker = spark.sparkContext().statusTracker();
        long deadline = System.nanoTime() + atMost.toNanos();
        try {
            while (System.nanoTime() - deadline < 0 && running(tracker, queries)) {
                Thread.sleep(POLL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether any stage of a job of these queries (their job group is the run's id) has a task running. */
    private static boolean running(SparkStatusTracker tracker, StreamingQuery... queries) {
        return Arrays.stream(queries)
                .flatMapToInt(query ->
                        Arrays.stream(tracker.getJobIdsForGroup(query.runId().toString())))
                .mapToObj(tracker::getJobInfo)
                .filter(info -> info.isDefined())
                .flatMapToInt(info -> Arrays.stream(info.get().stageIds()))
                .mapToObj(tracker::getStageInfo)
                .anyMatch(stage -> stage.isDefined() && ((SparkStageInfo) stage.get()).numActiveTasks() > 0);
    }
}
