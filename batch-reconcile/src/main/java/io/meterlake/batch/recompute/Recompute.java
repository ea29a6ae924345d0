package io.meterlake.batch.recompute;

import io.meterlake.catalog.MetricCatalog;
import io.meterlake.model.BillingLine;
import io.meterlake.period.Period;
import io.meterlake.pipeline.UsageAggregation;
import io.meterlake.schema.Columns;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sort_array;

/**
 * The authoritative computation of a billing period from the raw table, as pure functions of a raw
 * snapshot (the caller pins its Delta version): no clock, no reads, same input, same output.
 *
 * <p>Deduplication is global: of all raw rows with one (source, event_id), the first by ingest order
 * is the event, wherever the others' event times fall. Ingest order is the ingest time, then the
 * Kafka partition and offset, then the file and line; the payload hash breaks any remaining tie so
 * the choice never depends on Spark's partitioning. The period then keeps the events whose UTC
 * event time lies in {@code [start, end)} and aggregates them per (subscription, billing account,
 * metric, unit) with the catalog's aggregation, shared with the stream.
 */
public final class Recompute {
    private static final String RANK = "_rank";
    private static final String CONTENTS = "_contents";

    private final UsageAggregation aggregation;

    public Recompute(MetricCatalog catalog) {
        this.aggregation = new UsageAggregation(catalog);
    }

    /** One row per event identity: its first record by ingest order. */
    public static Dataset<Row> deduplicate(Dataset<Row> raw) {
        return raw.withColumn(RANK, row_number().over(byIdentityInIngestOrder()))
                .where(col(RANK).equalTo(1))
                .drop(RANK);
    }

    /**
     * Identities received with more than one content (same source and event_id, different
     * normalized content): identity, number of records and the distinct content hashes. The first
     * by ingest order is billed; these are reported.
     */
    public static Dataset<Row> conflicts(Dataset<Row> raw) {
        return raw.groupBy(col(Columns.SOURCE), col(Columns.EVENT_ID))
                .agg(count(lit(1)).as(Columns.RECORDS_IN), countDistinct(col(Columns.CONTENT_SHA256)).as("contents"),
                        sort_array(collect_set(col(Columns.CONTENT_SHA256))).as(CONTENTS))
                .where(col("contents").gt(1))
                .drop("contents");
    }

    /** The period's lines: quantity and distinct event count per (subscription, account, metric, unit). */
    public Dataset<Row> lines(Dataset<Row> raw, Period period) {
        Dataset<Row> events = deduplicate(raw).where(inPeriod(period));
        return aggregation.aggregate(events.groupBy(col(Columns.SUBSCRIPTION_ID), col(Columns.BILLING_ACCOUNT_ID),
                col(Columns.METRIC), col(Columns.UNIT)));
    }

    /** Collects {@link #lines} (a few rows per subscription) in the canonical order. */
    public static List<BillingLine> collect(Dataset<Row> lines) {
        List<BillingLine> result = new ArrayList<>();
        for (Row row : lines.collectAsList()) {
            result.add(new BillingLine(row.getAs(Columns.SUBSCRIPTION_ID), row.getAs(Columns.BILLING_ACCOUNT_ID),
                    row.getAs(Columns.METRIC), row.getAs(Columns.UNIT), row.getAs(Columns.QUANTITY),
                    row.<Long>getAs(Columns.EVENT_COUNT)));
        }
        result.sort(BillingLine.CANONICAL_ORDER);
        return List.copyOf(result);
    }

    /** Events whose UTC event time lies in the period. */
    public static Column inPeriod(Period period) {
        return col(Columns.EVENT_TIME).geq(lit(Timestamp.from(period.start())))
                .and(col(Columns.EVENT_TIME).lt(lit(Timestamp.from(period.end()))));
    }

    private static WindowSpec byIdentityInIngestOrder() {
        return Window.partitionBy(col(Columns.SOURCE), col(Columns.EVENT_ID)).orderBy(
                col(Columns.INGESTED_AT).asc(), col(Columns.KAFKA_PARTITION).asc_nulls_last(),
                col(Columns.KAFKA_OFFSET).asc_nulls_last(), col(Columns.FILE_SHA256).asc_nulls_last(),
                col(Columns.LINE_NUMBER).asc_nulls_last(), col(Columns.PAYLOAD_SHA256).asc());
    }
}
