package io.meterlake.streaming.sink;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.date_trunc;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;

import io.delta.tables.DeltaTable;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.schema.UsageWindow;
import io.meterlake.table.Warehouse;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

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
    private final io.meterlake.table.UsageChanged changed;

    /** {@code changed} runs after each batch's merge, before the batch commits. */
    public ProvisionalWriter(MeterlakeConfig config, io.meterlake.table.UsageChanged changed) {
        this.config = config;
        this.changed = changed;
    }

    @Override
    public void call(Dataset<Row> windows, Long batchId) {
        SparkSession spark = windows.sparkSession();
        Dataset<Row> rows = windows.select(
                        col(Columns.SUBSCRIPTION_ID),
                        col(Columns.ENTITLEMENT_ID),
                        col(Columns.BILLING_ACCOUNT_ID),
                        col(Columns.METRIC),
                        col(Columns.UNIT),
                        UsageWindow.start(),
                        UsageWindow.end(),
                        col(Columns.QUANTITY),
                        col(Columns.EVENT_COUNT),
                        lit(batchId).as(Columns.UPDATED_BATCH_ID),
                        date_trunc("millisecond", current_timestamp()).as(Columns.UPDATED_AT))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            // A batch that only moved the watermark (Spark runs one to evict state) changed no window:
            // no commit. Replaying it changes none either.
            spark.sparkContext().setJobDescription("merging into " + Tables.USAGE_AGGREGATES_PROVISIONAL);
            Warehouse warehouse = new Warehouse(spark, config.warehouse());
            String appId = StreamIds.appId(spark, QUERY);
            if (merge(warehouse, rows, appId, batchId)) {
                spark.sparkContext().setJobDescription("deciding limit notifications");
                changed.changed(warehouse, rows, appId, batchId);
            }
        } finally {
            spark.sparkContext().setJobDescription(null);
            rows.unpersist();
        }
    }

    /**
     * Upserts provisional aggregates on (subscription, entitlement, metric, window start), at most
     * once per (appId, version): Delta skips a MERGE whose transaction id committed already. Returns
     * false, committing nothing, when {@code rows} is empty (a batch that only moved the watermark).
     *
     * <p>The condition also bounds the target's window start by the batch's earliest and latest, as
     * literals: Delta then skips every file whose window-start statistics lie outside them, so a batch
     * reads the files of the hours it touches, not the month beside them ({@code bench stream-growth}).
     * The stream's files hold the windows of their batch; {@code maintain}'s compaction mixes only
     * windows that ended before it ran, so the files of later hours stay apart.
     */
    static boolean merge(Warehouse warehouse, Dataset<Row> rows, String appId, long version) {
        SparkSession spark = rows.sparkSession();
        String target = "target";
        String source = "source";
        Row range =
                rows.agg(min(Columns.WINDOW_START), max(Columns.WINDOW_START)).first();
        if (range.isNullAt(0)) {
            return false;
        }
        Column matches = col(target + "." + Columns.WINDOW_START)
                .between(lit(range.getTimestamp(0)), lit(range.getTimestamp(1)));
        for (String key : UsageWindow.KEY) {
            matches = matches.and(col(target + "." + key).equalTo(col(source + "." + key)));
        }
        // The transaction id travels as session settings around exactly this MERGE.
        spark.conf().set("spark.databricks.delta.write.txnAppId", appId);
        spark.conf().set("spark.databricks.delta.write.txnVersion", Long.toString(version));
        try {
            DeltaTable.forPath(spark, warehouse.path(Tables.USAGE_AGGREGATES_PROVISIONAL))
                    .as(target)
                    .merge(rows.as(source), matches)
                    .whenMatched()
                    .updateAll()
                    .whenNotMatched()
                    .insertAll()
                    .execute();
        } finally {
            spark.conf().unset("spark.databricks.delta.write.txnAppId");
            spark.conf().unset("spark.databricks.delta.write.txnVersion");
        }
        return true;
    }
}
