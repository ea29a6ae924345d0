package io.meterlake.streaming.sink;

import io.meterlake.schema.UsageWindow;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.table.Warehouse;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.date_trunc;
import static org.apache.spark.sql.functions.lit;

/**
 * The provisional query's sink: the windows a micro-batch changed (update mode: their full running
 * totals) are merged into {@code usage_aggregates_provisional}. A MERGE sets values rather than
 * adding to them, and is guarded by a Delta transaction id per (query, batch), so a replayed batch
 * changes nothing. The batch's windows are computed once (persisted), and a batch without any makes
 * no commit.
 */
public final class ProvisionalWriter implements VoidFunction2<Dataset<Row>, Long> {
    private static final long serialVersionUID = 1L;
    public static final String QUERY = Columns.PROVISIONAL_QUERY;

    private final MeterlakeConfig config;

    public ProvisionalWriter(MeterlakeConfig config) {
        this.config = config;
    }

    @Override
    public void call(Dataset<Row> windows, Long batchId) {
        SparkSession spark = windows.sparkSession();
        Dataset<Row> rows = windows.select(
                col(Columns.SUBSCRIPTION_ID), col(Columns.ENTITLEMENT_ID), col(Columns.BILLING_ACCOUNT_ID),
                col(Columns.METRIC), col(Columns.UNIT),
                UsageWindow.start(), UsageWindow.end(),
                col(Columns.QUANTITY), col(Columns.EVENT_COUNT),
                lit(batchId).as(Columns.UPDATED_BATCH_ID),
                date_trunc("millisecond", current_timestamp()).as(Columns.UPDATED_AT))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            // A batch that only moved the watermark (Spark runs one to evict state) changed no window:
            // no commit. Replaying it changes none either.
            spark.sparkContext().setJobDescription("merging into " + Tables.USAGE_AGGREGATES_PROVISIONAL);
            new Warehouse(spark, config.warehouse()).mergeProvisional(rows, StreamIds.appId(spark, QUERY), batchId);
        } finally {
            spark.sparkContext().setJobDescription(null);
            rows.unpersist();
        }
    }
}
