package io.meterlake.bench;

import io.meterlake.config.MeterlakeConfig;
import io.meterlake.streaming.StreamJob;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryProgress;

/**
 * {@code meterlake stream} as it runs in production ({@link StreamJob#runContinuously}, both queries
 * on their trigger) in a background thread, with every query's progress kept for the benchmark.
 */
final class RunningStream implements AutoCloseable {
    private final SparkSession spark;
    private final Thread thread;
    private final QueryProgressLog progress;
    private volatile Throwable failure;

    private RunningStream(SparkSession spark, MeterlakeConfig config, Duration trigger, PrintWriter log) {
        this.spark = spark;
        this.progress = QueryProgressLog.register(spark);
        StreamJob job = job(spark, config, log);
        this.thread = new Thread(
                () -> {
                    try {
                        job.runContinuously(trigger);
                    } catch (Throwable e) {
                        failure = e;
                    }
                },
                "meterlake-stream");
        thread.setDaemon(true);
    }

    /** The stream as production runs it (limit notifications decided after each batch), on the machine's clock. */
    static StreamJob job(SparkSession spark, MeterlakeConfig config, PrintWriter log) {
        return new StreamJob(
                spark,
                config,
                Clock.systemUTC(),
                log,
                new io.meterlake.batch.limits.LimitNotifier(config, Clock.systemUTC()));
    }

    /** Starts both queries with {@code trigger}; {@code log} receives the stream's line per micro-batch. */
    static RunningStream start(SparkSession spark, MeterlakeConfig config, Duration trigger, PrintWriter log) {
        RunningStream stream = new RunningStream(spark, config, trigger, log);
        stream.thread.start();
        return stream;
    }

    /** The progress reports of query {@code name} so far. */
    List<StreamingQueryProgress> progress(String name) {
        return progress.of(name);
    }

    /** Input rows query {@code name} has processed so far. */
    long inputRows(String name) {
        return progress.inputRows(name);
    }

    /** Waits until {@code done} holds (checked every 200 ms) or {@code timeout} passes; whether it held. */
    boolean awaitUntil(BooleanSupplier done, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            checkAlive();
            if (System.nanoTime() > deadline) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        return true;
    }

    private void checkAlive() {
        if (failure != null) {
            throw new IllegalStateException("the stream failed: " + failure.getMessage(), failure);
        }
        if (!thread.isAlive()) {
            throw new IllegalStateException("the stream stopped by itself");
        }
    }

    /** Stops both queries and waits for the stream to return. */
    @Override
    public void close() throws InterruptedException {
        for (StreamingQuery query : spark.streams().active()) {
            try {
                query.stop();
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("query " + query.name() + " did not stop", e);
            }
        }
        thread.join(TimeUnit.MINUTES.toMillis(2));
        progress.close();
        if (failure != null) {
            throw new IllegalStateException("the stream failed: " + failure.getMessage(), failure);
        }
    }
}
