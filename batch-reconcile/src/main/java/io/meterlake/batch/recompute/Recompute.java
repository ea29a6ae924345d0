package io.meterlake.batch.recompute;

import io.meterlake.catalog.MetricCatalog;
import io.meterlake.model.BillingLine;
import io.meterlake.period.Period;
import io.meterlake.pipeline.UsageAggregation;
import io.meterlake.schema.Columns;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;

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
        return aggregation.aggregate(raw.events(period).groupBy(col(Columns.SUBSCRIPTION_ID),
                col(Columns.BILLING_ACCOUNT_ID), col(Columns.PLAN), col(Columns.METRIC), col(Columns.UNIT)));
    }

    /** Collects {@link #lines} (a few rows per subscription) in the canonical order. */
    public static List<BillingLine> collect(Dataset<Row> lines) {
        List<BillingLine> result = new ArrayList<>();
        for (Row row : lines.collectAsList()) {
            result.add(BillingLine.of(row));
        }
        result.sort(BillingLine.CANONICAL_ORDER);
        return List.copyOf(result);
    }
}
