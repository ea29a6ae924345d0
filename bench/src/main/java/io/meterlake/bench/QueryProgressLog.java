package io.meterlake.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.StreamingQueryProgress;

/** Every progress report of the session's streaming queries, by query name, while registered. */
final class QueryProgressLog extends StreamingQueryListener implements AutoCloseable {
    private final SparkSession spark;
    private final Map<String, List<StreamingQueryProgress>> progress = new ConcurrentHashMap<>();

    private QueryProgressLog(SparkSession spark) {
        this.spark = spark;
    }

    static QueryProgressLog register(SparkSession spark) {
        QueryProgressLog log = new QueryProgressLog(spark);
        spark.streams().addListener(log);
        return log;
    }

    /** The progress reports of query {@code name} so far, oldest first. */
    List<StreamingQueryProgress> of(String name) {
        return new ArrayList<>(progress.getOrDefault(name, List.of()));
    }

    /** Input rows query {@code name} has processed so far. */
    long inputRows(String name) {
        return of(name).stream().mapToLong(StreamingQueryProgress::numInputRows).sum();
    }

    /** Seconds query {@code name} spent in its triggers so far. */
    double seconds(String name) {
        return of(name).stream().mapToDouble(QueryProgressLog::triggerSeconds).sum();
    }

    /** Seconds one trigger of a query took (0 when Spark reported no duration for it). */
    static double triggerSeconds(StreamingQueryProgress progress) {
        return progress.durationMs().getOrDefault("triggerExecution", 0L) / 1000.0;
    }

    @Override
    public void onQueryStarted(QueryStartedEvent event) {}

    @Override
    public void onQueryProgress(QueryProgressEvent event) {
        progress.computeIfAbsent(event.progress().name(), name -> new CopyOnWriteArrayList<>())
                .add(event.progress());
    }

    @Override
    public void onQueryTerminated(QueryTerminatedEvent event) {}

    @Override
    public void close() {
        spark.streams().removeListener(this);
    }
}
