package io.meterlake.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;

/**
 * Reports the progress of long Spark stages on stderr, at most every few seconds, so a large ingest
 * never looks hung: the step (the job description the command set, e.g. "writing raw_usage_events"),
 * how many parts of it are done, and the time since the command started. Short jobs print nothing.
 */
final class SparkProgress extends SparkListener implements AutoCloseable {
    private static final long INTERVAL_MILLIS = 5_000;

    private final SparkSession spark;
    private final PrintWriter err;
    private final String label;
    private final Clock clock;
    private final Map<Integer, int[]> stages = new ConcurrentHashMap<>();
    private final Map<Integer, String> steps = new ConcurrentHashMap<>();
    private final long started;
    private final AtomicInteger reported = new AtomicInteger();
    private volatile long lastReport;

    private SparkProgress(SparkSession spark, PrintWriter err, String label, Clock clock) {
        this.spark = spark;
        this.err = err;
        this.label = label;
        this.clock = clock;
        this.started = clock.millis();
        this.lastReport = started;
    }

    /** Starts reporting for {@code label} until closed. */
    static SparkProgress start(SparkSession spark, PrintWriter err, String label) {
        SparkProgress progress = new SparkProgress(spark, err, label, Clock.systemUTC());
        spark.sparkContext().addSparkListener(progress);
        return progress;
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
        stages.put(
                submitted.stageInfo().stageId(),
                new int[] {submitted.stageInfo().numTasks(), 0});
        String description =
                submitted.properties() == null ? null : submitted.properties().getProperty("spark.job.description");
        // Delta describes its own jobs ("Delta: Compute snapshot for version: 0"): table bookkeeping.
        steps.put(
                submitted.stageInfo().stageId(),
                description == null
                        ? "working"
                        : description.startsWith("Delta:") ? "reading table state" : description);
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        int[] stage = stages.get(taskEnd.stageId());
        if (stage == null) {
            return;
        }
        synchronized (stage) {
            stage[1]++;
        }
        long now = clock.millis();
        if (stage[0] > 1 && now - lastReport >= INTERVAL_MILLIS) {
            lastReport = now;
            reported.incrementAndGet();
            err.println(label + ": " + steps.getOrDefault(taskEnd.stageId(), "working") + ", " + stage[1] + " of "
                    + stage[0] + " parts done (" + (now - started) / 1000 + " s)");
            err.flush();
        }
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted completed) {
        stages.remove(completed.stageInfo().stageId());
        steps.remove(completed.stageInfo().stageId());
    }

    @Override
    public void close() {
        spark.sparkContext().removeSparkListener(this);
    }
}
