package io.meterlake.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.meterlake.catalog.Aggregation;
import io.meterlake.catalog.Metric;
import io.meterlake.catalog.MetricCatalog;
import io.meterlake.pipeline.aggregation.MetricAggregation;
import io.meterlake.pipeline.aggregation.TimeWeightedAggregation;
import io.meterlake.schema.Columns;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.RelationalGroupedDataset;
import org.apache.spark.sql.Row;

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
                max_by(col(Columns.QUANTITY), struct(col(Columns.EVENT_TIME), col(Columns.INGEST_ORDER)))
                        .as(Columns.LATEST_QUANTITY),
                collect_set(col(Columns.DISTINCT_VALUE)).as(Columns.DISTINCT_VALUES),
                count(lit(1)).as(Columns.EVENT_COUNT));
        return finish(partial.withColumn(
                        Columns.LATEST_QUANTITY,
                        struct(col(Columns.LATEST_QUANTITY).as(Columns.QUANTITY)))
                // A percentile's window is its total (see PercentileAggregation): the same sum.
                .withColumn(Columns.PERCENTILE_SUM, col(Columns.SUM_QUANTITY))
                // A time-weighted event's quantity here is its window share (provisionalQuantity): their sum.
                .withColumn(Columns.SHARE_SUM, col(Columns.SUM_QUANTITY)));
    }

    /**
     * What the stream aggregates as an event's {@link Columns#QUANTITY} in windows of {@code window}:
     * the quantity, and for a {@code TIME_WEIGHTED} metric its {@link #windowShare} (so that the stream's
     * state keeps one schema whatever the catalog holds).
     */
    public Column provisionalQuantity(java.time.Duration window) {
        return timeWeighted()
                ? when(isTimeWeighted(), windowShare(window)).otherwise(col(Columns.QUANTITY))
                : col(Columns.QUANTITY);
    }

    /**
     * A {@code TIME_WEIGHTED} event's share of its window of length {@code window} (windows from the
     * epoch, as Spark's): level × the microseconds from its event time until {@code max_hold} or the
     * window's end, whichever is first (the provisional form, see {@code TimeWeightedAggregation});
     * null for other metrics. Rows aggregated by {@link #partials} carry it as {@link Columns#WINDOW_SHARE}.
     */
    public Column windowShare(java.time.Duration window) {
        long length = window.toSeconds() * 1_000_000L;
        Column time = org.apache.spark.sql.functions.unix_micros(col(Columns.EVENT_TIME));
        Column untilEnd = lit(length).minus(org.apache.spark.sql.functions.pmod(time, lit(length)));
        // Only a time-weighted row calls the function (the others' share is null, never computed).
        return when(
                isTimeWeighted(),
                TimeWeightedAggregation.levelTimesMicros(
                        col(Columns.QUANTITY),
                        org.apache.spark.sql.functions.least(
                                untilEnd,
                                perTimeWeighted(metric -> lit(TimeWeightedAggregation.micros(
                                        metric.parameters().maxHold()))))));
    }

    /**
     * A {@code TIME_WEIGHTED} metric's series of an event of {@code tenant}, {@code app} and
     * {@code attributes}: tenant, app, metric and the {@code series_by} values as one key (a missing
     * value as U+0001, never equal to a present one); null for other metrics. Rows of
     * {@link #timeWeightedLines} carry it as {@link Columns#SERIES}.
     */
    public Column series(Column tenant, Column app, Column attributes) {
        return perTimeWeighted(metric -> {
            List<Column> parts = new ArrayList<>(List.of(tenant, app, col(Columns.METRIC)));
            for (String key : metric.parameters().seriesBy()) {
                parts.add(org.apache.spark.sql.functions.coalesce(attributes.getItem(key), lit("\u0001")));
            }
            return org.apache.spark.sql.functions.concat_ws("\u0000", parts.toArray(Column[]::new));
        });
    }

    /**
     * Whether an event is a {@code TIME_WEIGHTED} sample before {@code period} whose hold may reach into
     * it (event time in {@code [start − max_hold, start)}): the period's lines read it (see
     * {@link Columns#CARRIED}); false for every other event, and for all without such a metric.
     */
    public Column carried(io.meterlake.period.Period period) {
        Column time = col(Columns.EVENT_TIME);
        Column carried = lit(false);
        for (Metric metric : catalog.metrics()) {
            if (metric.aggregation() == Aggregation.TIME_WEIGHTED) {
                carried = carried.or(col(Columns.METRIC)
                        .equalTo(metric.name())
                        .and(time.geq(lit(java.sql.Timestamp.from(
                                period.start().minus(metric.parameters().maxHold())))))
                        .and(time.lt(lit(java.sql.Timestamp.from(period.start())))));
            }
        }
        return carried;
    }

    /** The longest {@code max_hold} of the catalog's {@code TIME_WEIGHTED} metrics; zero without one. */
    public java.time.Duration longestHold() {
        return catalog.metrics().stream()
                .filter(metric -> metric.aggregation() == Aggregation.TIME_WEIGHTED)
                .map(metric -> metric.parameters().maxHold())
                .max(java.util.Comparator.naturalOrder())
                .orElse(java.time.Duration.ZERO);
    }

    /** Whether the catalog has a {@code TIME_WEIGHTED} metric. */
    public boolean timeWeighted() {
        return used().contains(Aggregation.TIME_WEIGHTED);
    }

    /** Whether a row's metric is {@code TIME_WEIGHTED}. */
    public Column isTimeWeighted() {
        return usedBy(Aggregation.TIME_WEIGHTED);
    }

    /**
     * The lines of {@code period} of {@code TIME_WEIGHTED} metrics from their samples: rows with the line's
     * keys ({@link Columns#SUBSCRIPTION_ID}, {@link Columns#BILLING_ACCOUNT_ID}, {@link Columns#PLAN},
     * {@link Columns#METRIC}, {@link Columns#UNIT}), {@link Columns#SERIES}, {@link Columns#EVENT_TIME},
     * {@link Columns#INGEST_ORDER}, {@link Columns#QUANTITY} (the level) and {@link Columns#CARRIED}: the
     * period's deduplicated samples and the {@link #carried} ones. Each series ordered by (event time,
     * ingest order); each sample holds until the next or {@code max_hold}; its part inside the period is
     * billed to its own line. A line has {@link Columns#QUANTITY} per the time unit (rounded once) in
     * {@link Metric#lineUnit()} and {@link Columns#EVENT_COUNT}: its samples in the period and the carried
     * ones whose hold reaches into it.
     */
    public Dataset<Row> timeWeightedLines(Dataset<Row> samples, io.meterlake.period.Period period) {
        long start = TimeWeightedAggregation.micros(period.start());
        long end = TimeWeightedAggregation.micros(period.end());
        Column time = org.apache.spark.sql.functions.unix_micros(col(Columns.EVENT_TIME));
        org.apache.spark.sql.expressions.WindowSpec series = org.apache.spark.sql.expressions.Window.partitionBy(
                        col(Columns.SERIES))
                .orderBy(col(Columns.EVENT_TIME), col(Columns.INGEST_ORDER));
        Column expires = time.plus(perTimeWeighted(
                metric -> lit(TimeWeightedAggregation.micros(metric.parameters().maxHold()))));
        Column until = org.apache.spark.sql.functions.least(
                expires,
                org.apache.spark.sql.functions.coalesce(
                        org.apache.spark.sql.functions.lead(time, 1).over(series), expires));
        Column held = org.apache.spark.sql.functions.greatest(
                lit(0L),
                org.apache
                        .spark
                        .sql
                        .functions
                        .least(until, lit(end))
                        .minus(org.apache.spark.sql.functions.greatest(time, lit(start))));
        String held_ = "_held";
        Dataset<Row> parts = samples.withColumn(held_, held)
                .where(org.apache
                        .spark
                        .sql
                        .functions
                        .not(col(Columns.CARRIED))
                        .or(col(held_).gt(0)))
                .groupBy(
                        col(Columns.SUBSCRIPTION_ID),
                        col(Columns.BILLING_ACCOUNT_ID),
                        col(Columns.PLAN),
                        col(Columns.METRIC),
                        col(Columns.UNIT))
                .agg(
                        sum(TimeWeightedAggregation.levelTimesMicros(col(Columns.QUANTITY), col(held_)))
                                .as(Columns.SHARE_SUM),
                        count(lit(1)).as(Columns.EVENT_COUNT));
        return parts.select(
                col(Columns.SUBSCRIPTION_ID),
                col(Columns.BILLING_ACCOUNT_ID),
                col(Columns.PLAN),
                col(Columns.METRIC),
                perTimeWeighted(metric -> lit(metric.lineUnit())).as(Columns.UNIT),
                col(Columns.EVENT_COUNT),
                perTimeWeighted(metric -> TimeWeightedAggregation.perTimeUnit(col(Columns.SHARE_SUM), metric))
                        .cast(io.meterlake.schema.Tables.QUANTITY_TYPE)
                        .as(Columns.QUANTITY));
    }

    /** {@code value} of each {@code TIME_WEIGHTED} metric's rows; null for the others. */
    private Column perTimeWeighted(java.util.function.Function<Metric, Column> value) {
        Column chosen = lit(null);
        for (Metric metric : catalog.metrics()) {
            if (metric.aggregation() == Aggregation.TIME_WEIGHTED) {
                chosen = when(col(Columns.METRIC).equalTo(metric.name()), value.apply(metric))
                        .otherwise(chosen);
            }
        }
        return chosen;
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
        List<String> names = catalog.metrics().stream()
                .filter(metric -> metric.aggregation() == aggregation)
                .map(Metric::name)
                .toList();
        return names.size() == catalog.metrics().size()
                ? lit(true)
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
        // A time-weighted line is not a function of its parts: its lines come from timeWeightedLines.
        return finish(
                timeWeighted() ? partials.where(org.apache.spark.sql.functions.not(isTimeWeighted())) : partials,
                java.util.Objects.requireNonNull(period, "period"));
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
                bucket = when(
                                col(Columns.METRIC).equalTo(metric.name()),
                                seconds.minus(org.apache.spark.sql.functions.pmod(
                                        seconds,
                                        lit(metric.parameters().bucket().getSeconds()))))
                        .otherwise(bucket);
            }
        }
        return bucket;
    }

    private Dataset<Row> finish(Dataset<Row> partials, io.meterlake.period.Period period) {
        Column choice = when(lit(false), lit(null));
        Column unit = col(Columns.UNIT);
        for (Metric metric : catalog.metrics()) {
            MetricAggregation aggregation = MetricAggregation.of(metric.aggregation());
            if (period != null && metric.aggregation() == Aggregation.TIME_WEIGHTED) {
                continue;
            }
            choice = choice.when(
                    col(Columns.METRIC).equalTo(metric.name()),
                    period == null ? aggregation.finish(metric) : aggregation.finish(metric, period));
            if (!metric.lineUnit().equals(metric.canonicalUnit())) {
                unit = when(col(Columns.METRIC).equalTo(metric.name()), lit(metric.lineUnit()))
                        .otherwise(unit);
            }
        }
        Dataset<Row> finished =
                partials.withColumn(Columns.QUANTITY, choice.cast(io.meterlake.schema.Tables.QUANTITY_TYPE));
        if (java.util.Arrays.asList(partials.columns()).contains(Columns.UNIT)) {
            finished = finished.withColumn(Columns.UNIT, unit);
        }
        return finished.drop(java.util.Arrays.stream(Aggregation.values())
                .flatMap(aggregation -> MetricAggregation.of(aggregation).parts().stream())
                .toArray(String[]::new));
    }

    /** The aggregations the catalog's metrics use, in declaration order. */
    private List<Aggregation> used() {
        return java.util.Arrays.stream(Aggregation.values())
                .filter(aggregation ->
                        catalog.metrics().stream().anyMatch(metric -> metric.aggregation() == aggregation))
                .toList();
    }
}
