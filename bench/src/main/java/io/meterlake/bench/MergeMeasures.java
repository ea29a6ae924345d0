package io.meterlake.bench;

import static org.apache.spark.sql.functions.col;

import io.delta.tables.DeltaTable;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.schema.Tables;
import io.meterlake.table.Warehouse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQueryProgress;

/** What the stream growth benchmark measures of the provisional MERGE: the records its file search reads, Delta's metrics. */
final class MergeMeasures {
    private MergeMeasures() {}

    /** Records read by the stages of Delta's "scanning files for matches" job of a MERGE. */
    static final class Scan extends org.apache.spark.scheduler.SparkListener {
        final java.util.concurrent.atomic.AtomicLong records = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.Set<Integer> stages = java.util.concurrent.ConcurrentHashMap.newKeySet();

        @Override
        public void onStageSubmitted(org.apache.spark.scheduler.SparkListenerStageSubmitted event) {
            String description =
                    event.properties() == null ? null : event.properties().getProperty("spark.job.description");
            if (description != null && description.contains("MERGE operation - scanning files for matches")) {
                stages.add(event.stageInfo().stageId());
            }
        }

        @Override
        public void onStageCompleted(org.apache.spark.scheduler.SparkListenerStageCompleted event) {
            if (stages.remove(event.stageInfo().stageId())) {
                records.addAndGet(event.stageInfo().taskMetrics().inputMetrics().recordsRead());
            }
        }
    }

    /** The seconds of the batches that read something (a no-data batch only moves the watermark). */
    static double withInput(List<StreamingQueryProgress> batches) {
        return batches.stream()
                .filter(p -> p.numInputRows() > 0)
                .mapToDouble(QueryProgressLog::triggerSeconds)
                .sum();
    }

    /** Delta's MERGE metrics reported, as medians over the last {@code count} MERGEs. */
    private static final List<String> MERGE_METRICS = List.of(
            "scanTimeMs",
            "rewriteTimeMs",
            "numTargetFilesRemoved",
            "numTargetRowsCopied",
            "numTargetRowsUpdated",
            "numTargetRowsInserted");

    /** The medians of {@link #MERGE_METRICS} over the last {@code count} MERGEs (Delta's operation metrics). */
    static Map<String, Long> medians(SparkSession spark, MeterlakeConfig config, int count) {
        List<Row> merges = DeltaTable.forPath(
                        spark, new Warehouse(spark, config.warehouse()).path(Tables.USAGE_AGGREGATES_PROVISIONAL))
                .history(count)
                .where(col("operation").equalTo("MERGE"))
                .select("operationMetrics")
                .collectAsList();
        Map<String, Long> medians = new LinkedHashMap<>();
        for (String name : MERGE_METRICS) {
            List<Double> values = new ArrayList<>();
            for (Row merge : merges) {
                Map<String, String> metrics = merge.getJavaMap(0);
                values.add(Double.parseDouble(metrics.getOrDefault(name, "0")));
            }
            medians.put(name, Math.round(StreamGrowthBench.median(values)));
        }
        return medians;
    }
}
