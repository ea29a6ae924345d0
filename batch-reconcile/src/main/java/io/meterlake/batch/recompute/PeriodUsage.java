package io.meterlake.batch.recompute;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.meterlake.catalog.MetricCatalog;
import io.meterlake.period.Period;
import io.meterlake.pipeline.UsageAggregation;
import io.meterlake.schema.Columns;
import io.meterlake.schema.UsageWindow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.RelationalGroupedDataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * A period's ranked records ({@link RankedRaw#records}) aggregated in one pass, at the finest grain
 * the nightly results read: per stream window and (subscription, entitlement, billing account, plan,
 * metric, unit), the events' parts ({@link UsageAggregation#partials}), whether a record of a
 * conflicted identity lies there, and how many conflicted identities it counts. The period's lines,
 * the reconciliation's windows and the conflict count all combine these parts (exactly: sums, maxima,
 * counts), so the records are ranked and read once, and what is kept is a few rows per line and
 * window instead of every event.
 */
public final class PeriodUsage implements AutoCloseable {
    /** What a billing line is, per period. */
    static final String[] LINE = {
        Columns.SUBSCRIPTION_ID, Columns.BILLING_ACCOUNT_ID, Columns.PLAN, Columns.METRIC, Columns.UNIT
    };
    /** What a reconciliation window is: the stream's ({@link UsageWindow}), with its start and end. */
    private static final String[] WINDOW = java.util.stream.Stream.concat(
                    java.util.stream.Stream.of(Columns.WINDOW_START, Columns.WINDOW_END),
                    UsageWindow.DIMENSIONS.stream())
            .toArray(String[]::new);
    /** {@link #flaggedWindows}: the window holds a record of a conflicted identity. */
    public static final String CONFLICTED = "_conflicted";
    /** {@link #flaggedWindows}: the window holds an event a quarantine replay accepted. */
    public static final String REPLAYED = "_replayed";
    /** {@link #flaggedWindows}: the window holds an event an applied correction voided or amended. */
    public static final String CORRECTED = "_corrected";

    private static final String CONFLICTS = "_conflicts";

    private final UsageAggregation aggregation;
    private final Dataset<Row> parts;
    private final List<Correction> corrections;
    private final Duration window;
    private final Period period;

    private PeriodUsage(
            UsageAggregation aggregation,
            Dataset<Row> parts,
            List<Correction> corrections,
            Duration window,
            Period period) {
        this.aggregation = aggregation;
        this.parts = parts;
        this.corrections = corrections;
        this.window = window;
        this.period = period;
    }

    /** The window length the parts are aggregated in (the stream's {@code stream.window}). */
    public Duration window() {
        return window;
    }

    /**
     * {@code raw}'s records of {@code period} in windows of {@code window} (the stream's
     * {@code stream.window}), aggregated and kept in memory and on disk until {@link #close}.
     */
    public static PeriodUsage of(RankedRaw raw, Period period, Duration window, MetricCatalog catalog) {
        UsageAggregation aggregation = new UsageAggregation(catalog);
        Dataset<Row> records = raw.records(period, aggregation)
                .withColumn(Columns.WINDOW, UsageWindow.of(window))
                .withColumn(Columns.BUCKET, aggregation.bucket());
        if (aggregation.timeWeighted()) {
            records = records.withColumn(Columns.WINDOW_SHARE, aggregation.windowShare(window));
        }
        List<Column> parts = new ArrayList<>(aggregation.partials(col(RankedRaw.EVENT)));
        parts.add(max(col(RankedRaw.CONFLICTED)).as(CONFLICTED));
        parts.add(count(when(col(RankedRaw.COUNTS_CONFLICT), lit(1))).as(CONFLICTS));
        parts.add(max(col(RankedRaw.EVENT).and(col(RankedRaw.REPLAYED))).as(REPLAYED));
        parts.add(max(col(RankedRaw.CORRECTED)).as(CORRECTED));
        // Grouped by the window's start only (its end is start + length): a shorter key to hash and compare;
        // and by a percentile's bucket and a time-weighted series (null for the other metrics), which their parts need.
        return new PeriodUsage(
                aggregation,
                aggregate(
                                records.groupBy(
                                        UsageWindow.start(),
                                        col(Columns.SUBSCRIPTION_ID),
                                        col(Columns.ENTITLEMENT_ID),
                                        col(Columns.BILLING_ACCOUNT_ID),
                                        col(Columns.PLAN),
                                        col(Columns.METRIC),
                                        col(Columns.UNIT),
                                        col(Columns.BUCKET),
                                        col(Columns.SERIES)),
                                parts)
                        .withColumn(
                                Columns.WINDOW_END,
                                col(Columns.WINDOW_START)
                                        .plus(org.apache.spark.sql.functions.expr(
                                                "INTERVAL " + window.toSeconds() + " SECONDS")))
                        .persist(StorageLevel.MEMORY_AND_DISK()),
                raw.corrections(period, aggregation),
                window,
                period);
    }

    public org.apache.spark.sql.SparkSession sparkSession() {
        return parts.sparkSession();
    }

    /** The period's corrections and what became of each ({@link RankedRaw#corrections}). */
    public List<Correction> corrections() {
        return corrections;
    }

    /** The period's lines: quantity and event count per (subscription, account, plan, metric, unit). */
    public Dataset<Row> lines() {
        Dataset<Row> lines = aggregation.finishLines(combine(LINE), period);
        if (!aggregation.timeWeighted()) {
            return lines;
        }
        return lines.unionByName(aggregation.timeWeightedLines(samples(), period));
    }

    /**
     * The samples of the {@code TIME_WEIGHTED} metrics, the carried ones among them (in groups without events):
     * the line's keys, {@link Columns#SERIES}, {@link Columns#EVENT_TIME}, {@link Columns#INGEST_ORDER},
     * {@link Columns#QUANTITY} (the level) and {@link Columns#CARRIED}. Empty without such a metric.
     */
    public Dataset<Row> samples() {
        List<Column> sample = new ArrayList<>(Arrays.asList(columns(LINE)));
        sample.add(col(Columns.SERIES));
        sample.add(org.apache.spark.sql.functions.explode(col(Columns.SAMPLES)).as(SAMPLE));
        List<Column> flat = new ArrayList<>(Arrays.asList(columns(LINE)));
        flat.add(col(Columns.SERIES));
        flat.add(col(SAMPLE + ".*"));
        return aggregation.timeWeighted()
                ? parts.where(aggregation.isTimeWeighted())
                        .select(sample.toArray(Column[]::new))
                        .select(flat.toArray(Column[]::new))
                : parts.sparkSession().emptyDataFrame();
    }

    /**
     * Per line and window, the quantity of each metric's own aggregation over the window (a day's sum,
     * maximum, latest value, count or distinct values): {@link #lines}' keys, {@link Columns#WINDOW_START},
     * {@link Columns#QUANTITY}, {@link Columns#EVENT_COUNT}. (A percentile's is the window's total and a
     * time-weighted metric's its windows' shares, the stream's forms: see {@link #bucketSums} and
     * {@link #samples} for theirs.)
     */
    public Dataset<Row> lineWindows() {
        String[] keys = java.util.stream.Stream.concat(
                        Arrays.stream(LINE), java.util.stream.Stream.of(Columns.WINDOW_START))
                .toArray(String[]::new);
        return aggregation.finish(combine(keys));
    }

    /**
     * Per line of a {@code PERCENTILE} metric, the sum of each bucket with events: {@link #lines}' keys,
     * {@link Columns#BUCKET} (its start in epoch seconds) and {@link Columns#QUANTITY}. The line bills the
     * percentile of these and the period's empty buckets (zeros).
     */
    public Dataset<Row> bucketSums() {
        List<Column> keys = new ArrayList<>(Arrays.asList(columns(LINE)));
        keys.add(col(Columns.BUCKET));
        if (!Arrays.asList(parts.columns()).contains(Columns.PERCENTILE_SUM)) {
            return parts.sparkSession().emptyDataFrame();
        }
        return parts.where(col(Columns.BUCKET)
                        .isNotNull()
                        .and(col(Columns.EVENT_COUNT).gt(0)))
                .groupBy(keys.toArray(Column[]::new))
                .agg(sum(col(Columns.PERCENTILE_SUM)).as(Columns.QUANTITY));
    }

    private static final String SAMPLE = "_sample";

    /**
     * Quantity and event count per window and (subscription, entitlement, billing account, metric, unit),
     * with {@link Columns#WINDOW_START} and {@link Columns#WINDOW_END}: what the stream aggregates.
     */
    public Dataset<Row> windows() {
        return aggregation.finish(combine(WINDOW));
    }

    /**
     * (subscription, entitlement, metric, window start) of every window that holds a record (first or
     * not) of an identity received with different contents, an event a quarantine replay accepted (the
     * stream never aggregates those) or an event an applied correction voided or amended (the stream
     * aggregates no correction), with {@link #CONFLICTED}, {@link #REPLAYED} and {@link #CORRECTED}
     * saying which: one row per window, from one aggregation of the parts.
     */
    public Dataset<Row> flaggedWindows() {
        return parts.where(col(CONFLICTED).or(col(REPLAYED)).or(col(CORRECTED)))
                .groupBy(columns(UsageWindow.KEY.toArray(String[]::new)))
                .agg(
                        max(col(CONFLICTED)).as(CONFLICTED),
                        max(col(REPLAYED)).as(REPLAYED),
                        max(col(CORRECTED)).as(CORRECTED));
    }

    /** Conflicted identities with at least one record in the period. */
    public long conflictedIdentities() {
        Row total = parts.agg(sum(col(CONFLICTS))).first();
        return total.isNullAt(0) ? 0 : total.getLong(0);
    }

    /** The parts of groups with events, combined per {@code keys}. */
    private Dataset<Row> combine(String... keys) {
        return aggregate(parts.where(col(Columns.EVENT_COUNT).gt(0)).groupBy(columns(keys)), aggregation.combine());
    }

    static Dataset<Row> aggregate(RelationalGroupedDataset grouped, List<Column> aggregates) {
        return grouped.agg(
                aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new));
    }

    static Column[] columns(String... names) {
        return Arrays.stream(names).map(name -> col(name)).toArray(Column[]::new);
    }

    /** Releases the kept parts. */
    @Override
    public void close() {
        parts.unpersist();
    }
}
