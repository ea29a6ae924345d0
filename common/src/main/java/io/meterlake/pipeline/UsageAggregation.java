package io.meterlake.pipeline;

import io.meterlake.catalog.Aggregation;
import io.meterlake.catalog.Metric;
import io.meterlake.catalog.MetricCatalog;
import io.meterlake.pipeline.aggregation.MetricAggregation;
import io.meterlake.schema.Columns;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.RelationalGroupedDataset;
import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * How deduplicated events become quantities, per the metric catalog: each metric's aggregation
 * ({@link MetricAggregation}: {@code SUM}, {@code MAX}, {@code LATEST}, {@code COUNT},
 * {@code UNIQUE_COUNT}, {@code PERCENTILE}), plus the number
 * of distinct events. The stream's windows and the nightly recompute both use it, so provisional and
 * authoritative numbers differ only in input, never in meaning.
 *
 * <p>A grouping holds one metric, and an aggregation cannot choose its function per group: the parts
 * of every aggregation in use are computed side by side and each metric finishes from its own.
 */
public final class UsageAggregation implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private final MetricCatalog catalog;

    public UsageAggregation(MetricCatalog catalog) {
        this.catalog = catalog;
    }

    /**
     * The stream's form: aggregates {@code grouped} (whose keys include {@link Columns#METRIC}, and
     * whose rows carry {@link Columns#INGEST_ORDER} and {@link Columns#DISTINCT_VALUE}) into
     * {@link Columns#QUANTITY} and {@link Columns#EVENT_COUNT}, next to the grouping keys. Its aggregates
     * are fixed (sum, max, the latest quantity, the distinct values, count) whatever the catalog holds,
     * so that the stream's state keeps its schema from one catalog to the next; they are the parts
     * {@link #finish} reads. (The distinct values of a metric that is not {@code UNIQUE_COUNT} are null,
     * and its set stays empty.)
     */
    public Dataset<Row> aggregate(RelationalGroupedDataset grouped) {
        Dataset<Row> partial = grouped.agg(
                sum(col(Columns.QUANTITY)).as(Columns.SUM_QUANTITY),
                max(col(Columns.QUANTITY)).as(Columns.MAX_QUANTITY),
                max_by(col(Columns.QUANTITY), struct(col(Columns.EVENT_TIME), col(Columns.INGEST_ORDER))).as(Columns.LATEST_QUANTITY),
                collect_set(col(Columns.DISTINCT_VALUE)).as(Columns.DISTINCT_VALUES),
                count(lit(1)).as(Columns.EVENT_COUNT));
        return finish(partial.withColumn(Columns.LATEST_QUANTITY,
                        struct(col(Columns.LATEST_QUANTITY).as(Columns.QUANTITY)))
                // A percentile's window is its total (see PercentileAggregation): the same sum.
                .withColumn(Columns.PERCENTILE_SUM, col(Columns.SUM_QUANTITY)));
    }

    /**
     * The batch form of {@link #aggregate}, in steps that give the same quantities: {@code partials}
     * are the aggregate columns that reduce the rows for which {@code counted} holds (the others are
     * skipped) into parts that combine ({@link #combine}) over coarser groups, and {@link #finish}
     * turns parts into {@link Columns#QUANTITY}, next to {@link Columns#EVENT_COUNT}. Only the parts
     * of the catalog's aggregations are computed (without a {@code LATEST} metric, every part is a
     * fixed-width number and Spark aggregates by hashing instead of sorting), and a row updates only
     * the part its metric finishes with, as decimal arithmetic is most of an aggregation's cost.
     */
    public List<Column> partials(Column counted) {
        List<Column> parts = new ArrayList<>();
        parts.add(count(when(counted, lit(1))).as(Columns.EVENT_COUNT));
        for (Aggregation aggregation : used()) {
            parts.addAll(MetricAggregation.of(aggregation).partials(counted.and(usedBy(aggregation))));
        }
        return parts;
    }

    /**
     * The value a {@code UNIQUE_COUNT} metric counts, of the row's {@code attributes} (a map column):
     * the metric's {@code property}; null for every other metric (and for all, without such a metric).
     * Rows aggregated by {@link #partials} or {@link #aggregate} carry it as {@link Columns#DISTINCT_VALUE}.
     */
    public Column distinctValue(Column attributes) {
        Column value = lit(null).cast(org.apache.spark.sql.types.DataTypes.StringType);
        for (Metric metric : catalog.metrics()) {
            if (metric.aggregation() == Aggregation.UNIQUE_COUNT) {
                value = when(col(Columns.METRIC).equalTo(metric.name()), attributes.getItem(metric.property()))
                        .otherwise(value);
            }
        }
        return value;
    }

    /** Whether a row's metric is one {@code aggregation} finishes (true when every metric is). */
    private Column usedBy(Aggregation aggregation) {
        List<String> names = catalog.metrics().stream().filter(metric -> metric.aggregation() == aggregation)
                .map(Metric::name).toList();
        return names.size() == catalog.metrics().size() ? lit(true)
                : col(Columns.METRIC).isin(names.toArray(Object[]::new));
    }

    /** The aggregate columns that combine parts of finer groups (each with events) per coarser group. */
    public List<Column> combine() {
        List<Column> parts = new ArrayList<>();
        parts.add(sum(col(Columns.EVENT_COUNT)).as(Columns.EVENT_COUNT));
        for (Aggregation aggregation : used()) {
            parts.addAll(MetricAggregation.of(aggregation).combine());
        }
        return parts;
    }

    /**
     * {@link Columns#QUANTITY} of windows (the stream's provisional grain) from the parts (the metric's
     * own), then the parts dropped.
     */
    public Dataset<Row> finish(Dataset<Row> partials) {
        return finish(partials, null);
    }

    /**
     * {@link Columns#QUANTITY} of {@code period}'s lines from the parts combined over the period (a
     * percentile's is not its windows'), then the parts dropped.
     */
    public Dataset<Row> finishLines(Dataset<Row> partials, io.meterlake.period.Period period) {
        return finish(partials, java.util.Objects.requireNonNull(period, "period"));
    }

    /**
     * The bucket a {@code PERCENTILE} metric's event lies in, as its start in epoch seconds (buckets
     * divide a day, so they start at every period's start); null for every other metric. Rows aggregated by
     * {@link #partials} carry it as {@link Columns#BUCKET}, grouped by it below any coarser grain.
     */
    public Column bucket() {
        Column bucket = lit(null).cast(org.apache.spark.sql.types.DataTypes.LongType);
        for (Metric metric : catalog.metrics()) {
            if (metric.aggregation() == Aggregation.PERCENTILE) {
                Column seconds = org.apache.spark.sql.functions.unix_seconds(col(Columns.EVENT_TIME));
                bucket = when(col(Columns.METRIC).equalTo(metric.name()), seconds.minus(org.apache.spark.sql.functions
                        .pmod(seconds, lit(metric.parameters().bucket().getSeconds())))).otherwise(bucket);
            }
        }
        return bucket;
    }

    private Dataset<Row> finish(Dataset<Row> partials, io.meterlake.period.Period period) {
        Column choice = when(lit(false), lit(null));
        for (Metric metric : catalog.metrics()) {
            MetricAggregation aggregation = MetricAggregation.of(metric.aggregation());
            choice = choice.when(col(Columns.METRIC).equalTo(metric.name()),
                    period == null ? aggregation.finish() : aggregation.finish(metric, period));
        }
        Dataset<Row> finished = partials.withColumn(Columns.QUANTITY, choice.cast(io.meterlake.schema.Tables.QUANTITY_TYPE));
        return finished.drop(java.util.Arrays.stream(Aggregation.values())
                .flatMap(aggregation -> MetricAggregation.of(aggregation).parts().stream()).toArray(String[]::new));
    }

    /** The aggregations the catalog's metrics use, in declaration order. */
    private List<Aggregation> used() {
        return java.util.Arrays.stream(Aggregation.values())
                .filter(aggregation -> catalog.metrics().stream().anyMatch(metric -> metric.aggregation() == aggregation))
                .toList();
    }
}
