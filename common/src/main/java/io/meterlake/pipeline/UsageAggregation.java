package io.meterlake.pipeline;

import io.meterlake.catalog.Aggregation;
import io.meterlake.catalog.Metric;
import io.meterlake.catalog.MetricCatalog;
import io.meterlake.schema.Columns;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.RelationalGroupedDataset;
import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.List;

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

    /**
     * The batch form of {@link #aggregate}, in steps that give the same quantities: {@code partials}
     * are the aggregate columns that reduce the rows for which {@code counted} holds (the others are
     * skipped) into parts that combine ({@link #combine}) over coarser groups, and {@link #finish}
     * turns parts into {@link Columns#QUANTITY} (the part of the metric's aggregation), next to
     * {@link Columns#EVENT_COUNT}. Only the parts the catalog's aggregations use are computed (without a
     * {@code LATEST} metric, every part is a fixed-width number and Spark aggregates by hashing instead
     * of sorting), and a row updates only the part its metric finishes with. The latest part is the
     * maximum of (event time, ingest order, quantity): (event time, ingest order) is unique per record,
     * so its quantity is {@code max_by}'s.
     */
    public List<Column> partials(Column counted) {
        List<Column> parts = new ArrayList<>();
        parts.add(count(when(counted, lit(1))).as(Columns.EVENT_COUNT));
        if (uses(Aggregation.SUM)) {
            parts.add(sum(when(counted.and(usedBy(Aggregation.SUM)), col(Columns.QUANTITY))).as(Columns.SUM_QUANTITY));
        }
        if (uses(Aggregation.MAX)) {
            parts.add(max(when(counted.and(usedBy(Aggregation.MAX)), col(Columns.QUANTITY))).as(Columns.MAX_QUANTITY));
        }
        if (uses(Aggregation.LATEST)) {
            parts.add(max(when(counted.and(usedBy(Aggregation.LATEST)), struct(col(Columns.EVENT_TIME),
                    col(Columns.INGEST_ORDER), col(Columns.QUANTITY)))).as(Columns.LATEST_QUANTITY));
        }
        return parts;
    }

    /**
     * Whether a row's metric is one {@code aggregation} finishes (true when every metric is): a row
     * updates only the part its metric reads, as decimal arithmetic is most of an aggregation's cost.
     */
    private Column usedBy(Aggregation aggregation) {
        List<String> names = catalog.metrics().stream().filter(metric -> metric.aggregation() == aggregation)
                .map(Metric::name).toList();
        return names.size() == catalog.metrics().size() ? lit(true)
                : col(Columns.METRIC).isin(names.toArray(Object[]::new));
    }

    /**
     * The aggregate columns that combine parts of finer groups (each with events) per coarser group.
     * A sum that overflowed {@code decimal(38,9)} is null in its part and stays null here (Spark's
     * {@code sum} would skip it), so that {@link #finish} yields a null quantity, the overflow signal.
     */
    public List<Column> combine() {
        List<Column> parts = new ArrayList<>();
        parts.add(sum(col(Columns.EVENT_COUNT)).as(Columns.EVENT_COUNT));
        if (uses(Aggregation.SUM)) {
            parts.add(when(max(col(Columns.SUM_QUANTITY).isNull()), lit(null))
                    .otherwise(sum(col(Columns.SUM_QUANTITY))).cast(io.meterlake.schema.Tables.QUANTITY_TYPE)
                    .as(Columns.SUM_QUANTITY));
        }
        if (uses(Aggregation.MAX)) {
            parts.add(max(col(Columns.MAX_QUANTITY)).as(Columns.MAX_QUANTITY));
        }
        if (uses(Aggregation.LATEST)) {
            parts.add(max(col(Columns.LATEST_QUANTITY)).as(Columns.LATEST_QUANTITY));
        }
        return parts;
    }

    /** {@link Columns#QUANTITY} from the parts (the metric's own), then the parts dropped. */
    public Dataset<Row> finish(Dataset<Row> partials) {
        return partials.withColumn(Columns.QUANTITY, quantity(col(Columns.LATEST_QUANTITY + "." + Columns.QUANTITY)))
                .drop(Columns.SUM_QUANTITY, Columns.MAX_QUANTITY, Columns.LATEST_QUANTITY);
    }

    private boolean uses(Aggregation aggregation) {
        return catalog.metrics().stream().anyMatch(metric -> metric.aggregation() == aggregation);
    }

    private Column quantity() {
        return quantity(col(Columns.LATEST_QUANTITY));
    }

    private Column quantity(Column latest) {
        Column choice = when(lit(false), lit(null));
        for (Metric metric : catalog.metrics()) {
            // Exhaustive: a new Aggregation does not compile until it is given its column here.
            Column picked = switch (metric.aggregation()) {
                case SUM -> col(Columns.SUM_QUANTITY);
                case MAX -> col(Columns.MAX_QUANTITY);
                case LATEST -> latest;
            };
            choice = choice.when(col(Columns.METRIC).equalTo(metric.name()), picked);
        }
        return choice.cast(io.meterlake.schema.Tables.QUANTITY_TYPE);
    }
}
