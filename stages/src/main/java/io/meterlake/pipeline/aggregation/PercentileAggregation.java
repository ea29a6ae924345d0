package io.meterlake.pipeline.aggregation;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_repeat;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.flatten;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.meterlake.catalog.Metric;
import io.meterlake.period.Period;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;

/**
 * {@code PERCENTILE} (burstable billing): the period is cut into {@code bucket}s from its start, each
 * the sum of its events' quantities (an empty bucket 0); sorted ascending as v[0..N−1], the
 * k = floor(N × (100 − percentile) / 100) highest are dropped and v[N − 1 − k] is billed. A 30-day
 * month in 5-minute buckets: N = 8640, k = 432 at the 95th percentile.
 *
 * <p>Its rows are grouped by {@link Columns#BUCKET} (the bucket's start in epoch seconds; buckets divide
 * a day, so they start at every period's start) below the window, so that the part
 * {@link Columns#BUCKET_SUMS} holds one sum per bucket; the period's quantity sorts them with the
 * empty buckets' zeros. Per stream window the provisional form is the window's total
 * ({@link Columns#PERCENTILE_SUM}): a percentile of the period cannot be had from windows, and the
 * stream keeps one group per window, so what it shows of such a metric is its volume.
 */
final class PercentileAggregation implements MetricAggregation {
    static final PercentileAggregation INSTANCE = new PercentileAggregation();
    private static final long serialVersionUID = 1L;

    private PercentileAggregation() {}

    @Override
    public List<Column> partials(Column counted) {
        Column total = sum(when(counted, col(Columns.QUANTITY)));
        return List.of(
                total.as(Columns.PERCENTILE_SUM),
                when(total.isNotNull(), array(total)).as(Columns.BUCKET_SUMS));
    }

    @Override
    public List<String> parts() {
        return List.of(Columns.PERCENTILE_SUM, Columns.BUCKET_SUMS);
    }

    @Override
    public List<Column> combine() {
        return List.of(
                sum(col(Columns.PERCENTILE_SUM)).as(Columns.PERCENTILE_SUM),
                flatten(collect_list(col(Columns.BUCKET_SUMS))).as(Columns.BUCKET_SUMS));
    }

    /** The window's total (the provisional form). */
    @Override
    public Column finish() {
        return col(Columns.PERCENTILE_SUM);
    }

    @Override
    public Column finish(Metric metric, Period period) {
        long buckets = buckets(metric, period);
        long dropped = dropped(metric, buckets);
        Column zero = lit(BigDecimal.ZERO).cast(Tables.QUANTITY_TYPE);
        Column sums = col(Columns.BUCKET_SUMS);
        Column all =
                array_sort(concat(sums, array_repeat(zero, lit((int) buckets).minus(size(sums)))));
        // v[N − 1 − k], 0-based, is element N − k, 1-based.
        return element_at(all, (int) (buckets - dropped));
    }

    /** N: the period's buckets. */
    static long buckets(Metric metric, Period period) {
        return java.time.Duration.between(period.start(), period.end()).getSeconds()
                / metric.parameters().bucket().getSeconds();
    }

    /** k = floor(N × (100 − percentile) / 100): the highest buckets not billed. */
    static long dropped(Metric metric, long buckets) {
        return buckets * (100 - metric.parameters().percentile()) / 100;
    }

    @Override
    public Accumulator accumulator(Metric metric, Period period) {
        long seconds = metric.parameters().bucket().getSeconds();
        return new Accumulator() {
            private final Map<Long, BigDecimal> sums = new HashMap<>();

            @Override
            public void add(BigDecimal quantity, Instant time, long sequence, String distinctValue) {
                sums.merge(Math.floorDiv(time.getEpochSecond(), seconds), quantity, BigDecimal::add);
            }

            @Override
            public BigDecimal value() {
                if (sums.isEmpty()) {
                    return null;
                }
                long n = buckets(metric, period);
                List<BigDecimal> all = new ArrayList<>(sums.values());
                while (all.size() < n) {
                    all.add(BigDecimal.ZERO);
                }
                all.sort(null);
                return all.get((int) (n - 1 - dropped(metric, n)));
            }
        };
    }

    private Object readResolve() {
        return INSTANCE;
    }
}
