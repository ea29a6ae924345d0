package io.meterlake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.config.MeterlakeConfig;
import io.meterlake.streaming.StreamJob;
import io.meterlake.streaming.sink.StreamMetrics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.apache.spark.sql.SparkSession;
import org.awaitility.Awaitility;

/** {@code meterlake stream} running continuously in this test JVM, on its shared session. */
final class ContinuousStream implements AutoCloseable {
    private final SparkSession spark;
    private final CompletableFuture<Void> running;
    private final StreamJob job;

    private ContinuousStream(SparkSession spark, CompletableFuture<Void> running, StreamJob job) {
        this.spark = spark;
        this.running = running;
        this.job = job;
    }

    /** The running stream's metrics, as {@code meterlake stream --metrics} serves them. */
    StreamMetrics metrics() {
        return job.metrics();
    }

    /** Starts the stream with a 1 s trigger; the broker stamps ingest times, so the clock is the real one. */
    static ContinuousStream start(SparkSession spark, MeterlakeConfig config) {
        StreamJob job = new StreamJob(
                spark,
                config,
                Clock.systemUTC(),
                new PrintWriter(new StringWriter()),
                new io.meterlake.batch.limits.LimitNotifier(config, Clock.systemUTC()));
        return new ContinuousStream(
                spark,
                CompletableFuture.runAsync(() -> {
                    try {
                        job.runContinuously(Duration.ofSeconds(1));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }),
                job);
    }

    /** Waits (up to 3 minutes) until {@code condition} holds; fails at once if the stream stopped. */
    void await(BooleanSupplier condition) {
        Awaitility.await("the stream reaches the condition")
                .atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    assertThat(running).as("the stream stopped early").isNotDone();
                    return condition.getAsBoolean();
                });
    }

    boolean isRunning() {
        return !running.isDone();
    }

    /** Stops both queries and waits for the job to return. */
    @Override
    public void close() throws Exception {
        for (var query : spark.streams().active()) {
            query.stop();
        }
        running.handle((ok, e) -> null).get();
    }
}
