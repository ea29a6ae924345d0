package io.meterlake.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQueryProgress;

/**
 * Where a streaming query's batches spend their time, measured: the wall time of its Spark jobs by
 * job description (the stream's writers name their steps; Delta names its own jobs), and the rest of
 * each batch (Spark's offset and planning phases, Delta's log reads and commits on the driver) from
 * the query's progress reports.
 */
final class BatchProfile extends SparkListener implements AutoCloseable {
    private static final String QUERY_ID = "sql.streaming.queryId";
    private static final String DESCRIPTION = "spark.job.description";

    private final SparkSession spark;
    private final Map<Integer, Long> started = new ConcurrentHashMap<>();
    private final Map<Integer, String[]> jobs = new ConcurrentHashMap<>();
    /** Milliseconds per query id, per step. */
    private final Map<String, Map<String, Long>> millis = new ConcurrentHashMap<>();

    /** Driver milliseconds of Spark's query phases (analysis, optimization, planning), all queries of the session. */
    private final Map<String, Long> phases = new ConcurrentHashMap<>();

    private final org.apache.spark.sql.util.QueryExecutionListener planning =
            new org.apache.spark.sql.util.QueryExecutionListener() {
                @Override
                public void onSuccess(
                        String funcName, org.apache.spark.sql.execution.QueryExecution qe, long durationNs) {
                    record(qe);
                }

                @Override
                public void onFailure(
                        String funcName, org.apache.spark.sql.execution.QueryExecution qe, Exception exception) {
                    record(qe);
                }

                private void record(org.apache.spark.sql.execution.QueryExecution qe) {
                    scala.collection.Iterator<
                                    scala.Tuple2<
                                            String, org.apache.spark.sql.catalyst.QueryPlanningTracker.PhaseSummary>>
                            it = qe.tracker().phases().iterator();
                    while (it.hasNext()) {
                        scala.Tuple2<String, org.apache.spark.sql.catalyst.QueryPlanningTracker.PhaseSummary> phase =
                                it.next();
                        phases.merge(phase._1(), phase._2().durationMs(), Long::sum);
                    }
                }
            };

    private BatchProfile(SparkSession spark) {
        this.spark = spark;
    }

    static BatchProfile register(SparkSession spark) {
        BatchProfile profile = new BatchProfile(spark);
        spark.sparkContext().addSparkListener(profile);
        spark.listenerManager().register(profile.planning);
        return profile;
    }

    /** Seconds of each query phase on the driver over the whole run, all queries (Spark does not say whose). */
    Map<String, Double> planningSeconds() {
        Map<String, Double> seconds = new TreeMap<>();
        phases.forEach((phase, ms) -> seconds.put(phase, ms / 1000.0));
        return seconds;
    }

    @Override
    public void onJobStart(SparkListenerJobStart event) {
        Properties properties = event.properties();
        String query = properties == null ? null : properties.getProperty(QUERY_ID);
        if (query == null) {
            return;
        }
        String description = properties.getProperty(DESCRIPTION);
        started.put(event.jobId(), event.time());
        jobs.put(event.jobId(), new String[] {query, step(description)});
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd event) {
        String[] job = jobs.remove(event.jobId());
        Long start = started.remove(event.jobId());
        if (job != null && start != null) {
            millis.computeIfAbsent(job[0], q -> new ConcurrentHashMap<>())
                    .merge(job[1], event.time() - start, Long::sum);
        }
    }

    /**
     * A job's step: its description's first line, without Spark's streaming batch header (a job
     * without a description of its own is Spark's, e.g. reading the source or the state).
     */
    private static String step(String description) {
        if (description == null || description.isBlank() || description.startsWith("\nid = ")) {
            return "Spark jobs without a step name";
        }
        // Delta numbers some of its jobs ("Compute snapshot for version: 12"): one step for all of them.
        String first = description
                .strip()
                .lines()
                .findFirst()
                .orElse(description)
                .strip()
                .replaceAll("\\d+", "N");
        return first.length() > 80 ? first.substring(0, 80) : first;
    }

    /**
     * Mean seconds per batch, per step, of the query whose progress reports are {@code batches}
     * (batches with input only): its jobs by step, Spark's phases outside {@code addBatch}, and the
     * rest of {@code addBatch} outside any job (Delta's log and commits on the driver), largest first.
     * Waits for the listener bus first, so every finished job is counted.
     */
    Map<String, Double> perBatch(List<StreamingQueryProgress> batches) {
        try {
            spark.sparkContext().listenerBus().waitUntilEmpty(60_000);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Spark's listener bus did not drain in a minute", e);
        }
        List<StreamingQueryProgress> withInput =
                batches.stream().filter(p -> p.numInputRows() > 0).toList();
        Map<String, Double> steps = new TreeMap<>();
        if (withInput.isEmpty()) {
            return steps;
        }
        int count = withInput.size();
        // Jobs of batches without input (watermark-only batches) are counted too; they are few and short.
        Map<String, Long> jobMillis = millis.getOrDefault(withInput.get(0).id().toString(), Map.of());
        long inJobs = jobMillis.values().stream().mapToLong(Long::longValue).sum();
        jobMillis.forEach((step, ms) -> steps.put("job: " + step, ms / 1000.0 / count));
        long addBatch = 0;
        long outside = 0;
        for (StreamingQueryProgress batch : withInput) {
            Map<String, Long> durations = batch.durationMs();
            addBatch += durations.getOrDefault("addBatch", 0L);
            outside += durations.getOrDefault("triggerExecution", 0L) - durations.getOrDefault("addBatch", 0L);
        }
        steps.put("driver: offsets, planning, checkpoint (outside the sink)", outside / 1000.0 / count);
        steps.put(
                "driver: in the sink outside Spark jobs (Delta log reads, commits)",
                Math.max(0, addBatch - inJobs) / 1000.0 / count);
        Map<String, Double> sorted = new LinkedHashMap<>();
        steps.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), Math.round(e.getValue() * 1000) / 1000.0));
        return sorted;
    }

    /** Prints {@link #perBatch} of each query as indented lines. */
    static void print(java.io.PrintWriter out, Map<String, Map<String, Double>> profile) {
        for (Map.Entry<String, Map<String, Double>> query : profile.entrySet()) {
            out.println("where the time goes: " + query.getKey() + " (seconds):");
            query.getValue().forEach((step, seconds) -> out.println(String.format("  %8.3f  %s", seconds, step)));
        }
    }

    @Override
    public void close() {
        spark.listenerManager().unregister(planning);
        spark.sparkContext().removeSparkListener(this);
    }
}
