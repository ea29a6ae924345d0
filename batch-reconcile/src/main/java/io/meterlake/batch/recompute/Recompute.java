package io.meterlake.batch.recompute;

import static org.apache.spark.sql.functions.lit;

import io.meterlake.batch.BatchErrors;
import io.meterlake.catalog.MetricCatalog;
import io.meterlake.model.BillingLine;
import io.meterlake.period.Period;
import io.meterlake.pipeline.UsageAggregation;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Rows;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The authoritative computation of a billing period from the raw table, as a pure function of a raw
 * snapshot (the caller pins its Delta version): no clock, no reads, same input, same output.
 *
 * <p>Deduplication is global ({@link RankedRaw}): of all raw rows with one (source, event_id), the
 * first by ingest order is the event, wherever the others' event times fall. The period then keeps
 * the events whose UTC event time lies in {@code [start, end)} and aggregates them per
 * (subscription, billing account, plan, metric, unit) with the catalog's aggregation, shared with the
 * stream.
 */
public final class Recompute {
    private final UsageAggregation aggregation;

    public Recompute(MetricCatalog catalog) {
        this.aggregation = new UsageAggregation(catalog);
    }

    /** The period's lines: quantity and distinct event count per (subscription, account, plan, metric, unit). */
    public Dataset<Row> lines(RankedRaw raw, Period period) {
        return lines(raw.events(period, aggregation), period);
    }

    /**
     * The lines of some of a period's events ({@link RankedRaw#events} or a part of them; with
     * {@link Columns#DISTINCT_VALUE} when the catalog has a {@code UNIQUE_COUNT} metric).
     */
    public Dataset<Row> lines(Dataset<Row> events, Period period) {
        // Per line and a percentile's bucket (null for the other metrics), then per line.
        java.util.List<org.apache.spark.sql.Column> keys =
                new java.util.ArrayList<>(java.util.Arrays.asList(PeriodUsage.columns(PeriodUsage.LINE)));
        keys.add(org.apache.spark.sql.functions.col(Columns.BUCKET));
        org.apache.spark.sql.Column event =
                org.apache.spark.sql.functions.not(org.apache.spark.sql.functions.col(Columns.CARRIED));
        Dataset<Row> rows = events.withColumn(Columns.BUCKET, aggregation.bucket());
        if (aggregation.timeWeighted()) {
            // No windows here: the time-weighted lines come from their samples, below.
            rows = rows.withColumn(Columns.WINDOW_SHARE, lit(null).cast(io.meterlake.schema.Tables.QUANTITY_TYPE));
        }
        Dataset<Row> parts = PeriodUsage.aggregate(
                rows.where(event).groupBy(keys.toArray(org.apache.spark.sql.Column[]::new)),
                aggregation.partials(lit(true)));
        Dataset<Row> lines = aggregation.finishLines(
                PeriodUsage.aggregate(parts.groupBy(PeriodUsage.columns(PeriodUsage.LINE)), aggregation.combine()),
                period);
        return aggregation.timeWeighted()
                ? lines.unionByName(aggregation.timeWeightedLines(events.where(aggregation.isTimeWeighted()), period))
                : lines;
    }

    /**
     * Collects {@link #lines} (a few rows per subscription) in the canonical order. A line whose sum
     * overflowed {@code decimal(38,9)} (its quantity is null: Spark's sum of decimals yields null on
     * overflow) fails the whole computation with the lines named: a period is billed right or not at
     * all. The catalog's {@code max_quantity} makes this need 10^11 events in one line or more.
     */
    public static List<BillingLine> collect(Dataset<Row> lines) {
        List<BillingLine> result = new ArrayList<>();
        List<String> overflowed = new ArrayList<>();
        for (Row row : lines.collectAsList()) {
            if (row.isNullAt(row.fieldIndex(Columns.QUANTITY))) {
                overflowed.add("subscription " + row.getAs(Columns.SUBSCRIPTION_ID) + ", account "
                        + row.getAs(Columns.BILLING_ACCOUNT_ID) + ", plan " + row.getAs(Columns.PLAN) + ", "
                        + row.getAs(Columns.METRIC) + " in " + row.getAs(Columns.UNIT) + " ("
                        + row.getAs(Columns.EVENT_COUNT) + " events)");
                continue;
            }
            result.add(Rows.billingLine(row));
        }
        if (!overflowed.isEmpty()) {
            throw BatchErrors.lineOverflow(overflowed);
        }
        result.sort(BillingLine.CANONICAL_ORDER);
        return List.copyOf(result);
    }
}
