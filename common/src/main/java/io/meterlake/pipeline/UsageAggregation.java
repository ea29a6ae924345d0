package io.meterlake.pipeline;

import io.meterlake.catalog.Metric;
import io.meterlake.catalog.MetricCatalog;
import io.meterlake.schema.Columns;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.RelationalGroupedDataset;
import org.apache.spark.sql.Row;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * How deduplicated events become quantities, per the metric catalog: {@code SUM} for counters,
 * {@code MAX} for gauges, {@code LATEST} (the quantity of the latest event by event time, and of the
 * last received among equal event times, see {@link IngestOrder}) for running totals, plus the number
 * of distinct events. The stream's windows and the nightly recompute both use it,
 * so provisional and authoritative numbers differ only in input, never in meaning.
 *
 * <p>All three aggregates are kept and the metric picks one afterwards: a grouping holds one metric,
 * and a streaming aggregation cannot choose its function per group.
 */
public final class UsageAggregation implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private final MetricCatalog catalog;

    public UsageAggregation(MetricCatalog catalog) {
        this.catalog = catalog;
    }

    /**
     * Aggregates {@code grouped} (whose keys include {@link Columns#METRIC}, and whose rows carry
     * {@link Columns#INGEST_ORDER}) into
     * {@link Columns#QUANTITY} and {@link Columns#EVENT_COUNT}, next to the grouping keys.
     */
    public Dataset<Row> aggregate(RelationalGroupedDataset grouped) {
        Dataset<Row> partial = grouped.agg(
                sum(col(Columns.QUANTITY)).as(Columns.SUM_QUANTITY),
                max(col(Columns.QUANTITY)).as(Columns.MAX_QUANTITY),
                max_by(col(Columns.QUANTITY), struct(col(Columns.EVENT_TIME), col(Columns.INGEST_ORDER))).as(Columns.LATEST_QUANTITY),
                count(lit(1)).as(Columns.EVENT_COUNT));
        return partial.withColumn(Columns.QUANTITY, quantity())
                .drop(Columns.SUM_QUANTITY, Columns.MAX_QUANTITY, Columns.LATEST_QUANTITY);
    }

    private Column quantity() {
        Column choice = when(lit(false), lit(null));
        for (Metric metric : catalog.metrics()) {
            // Exhaustive: a new Aggregation does not compile until it is given its column here.
            Column picked = switch (metric.aggregation()) {
                case SUM -> col(Columns.SUM_QUANTITY);
                case MAX -> col(Columns.MAX_QUANTITY);
                case LATEST -> col(Columns.LATEST_QUANTITY);
            };
            choice = choice.when(col(Columns.METRIC).equalTo(metric.name()), picked);
        }
        return choice.cast(io.meterlake.schema.Tables.QUANTITY_TYPE);
    }
}
