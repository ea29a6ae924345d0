package io.meterlake.pipeline.aggregation;

import io.meterlake.catalog.Aggregation;
import java.io.Serializable;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.Column;

/**
 * What one catalog aggregation means, in the two forms that must agree: Spark columns (the stream's
 * windows, the nightly recompute, reconcile's parts per window) and a plain-Java accumulator (the
 * generator's truth, computed without Spark). {@link #of} is the one place a new {@link Aggregation}
 * must be given its class; the switch is exhaustive, so it does not compile until it is.
 *
 * <p>The Spark form works in parts: {@link #partials} reduce event rows into part columns (named by
 * the class, shared by every metric of the aggregation), {@link #combine} merges parts of finer groups
 * (windows) into coarser ones (the period), and {@link #finish} gives the quantity from them. Every
 * group also carries {@link io.meterlake.schema.Columns#EVENT_COUNT}, which an aggregation may finish
 * from.
 */
public sealed interface MetricAggregation extends Serializable
        permits SumAggregation,
                MaxAggregation,
                LatestAggregation,
                CountAggregation,
                UniqueCountAggregation,
                PercentileAggregation,
                TimeWeightedAggregation {

    /** The class of {@code aggregation}. */
    static MetricAggregation of(Aggregation aggregation) {
        return switch (aggregation) {
            case SUM -> SumAggregation.INSTANCE;
            case MAX -> MaxAggregation.INSTANCE;
            case LATEST -> LatestAggregation.INSTANCE;
            case COUNT -> CountAggregation.INSTANCE;
            case UNIQUE_COUNT -> UniqueCountAggregation.INSTANCE;
            case PERCENTILE -> PercentileAggregation.INSTANCE;
            case TIME_WEIGHTED -> TimeWeightedAggregation.INSTANCE;
        };
    }

    /**
     * The aggregates over event rows into this aggregation's parts, of the rows where {@code counted}
     * holds (the others skipped); none when it finishes from the event count alone.
     */
    List<Column> partials(Column counted);

    /** The names of the part columns {@link #partials} make (dropped once the quantity is finished). */
    List<String> parts();

    /** The aggregates that merge parts (each group with events) into a coarser group's. */
    List<Column> combine();

    /** The quantity of a window (the stream's provisional grain), unrounded, from the parts and the event count. */
    Column finish();

    /** The quantity of a window of {@code metric}: {@link #finish()}, unless it depends on the metric's parameters. */
    default Column finish(io.meterlake.catalog.Metric metric) {
        return finish();
    }

    /**
     * The quantity of a line of {@code metric} in {@code period} from the combined parts (what
     * {@link #finish()} gives, unless the period's value is not its windows', as a percentile's).
     */
    default Column finish(io.meterlake.catalog.Metric metric, io.meterlake.period.Period period) {
        return finish();
    }

    /**
     * A fresh accumulator of the same meaning, for one line of {@code metric} in {@code period} of a
     * truth computed without Spark.
     */
    Accumulator accumulator(io.meterlake.catalog.Metric metric, io.meterlake.period.Period period);

    /** One line's quantity in plain Java: events in any order; {@code sequence} is the send order. */
    interface Accumulator {
        /**
         * One event: its canonical quantity, event time, send order, and for {@code UNIQUE_COUNT} the
         * value of the metric's property (null for the others).
         */
        void add(BigDecimal quantity, Instant time, long sequence, String distinctValue);

        /** The quantity so far; null before the first event. */
        BigDecimal value();

        /** Folds the quantities with {@code combine}, associative and commutative (so order-free). */
        static Accumulator folding(java.util.function.BinaryOperator<BigDecimal> combine) {
            return new Accumulator() {
                private BigDecimal value;

                @Override
                public void add(BigDecimal quantity, Instant time, long sequence, String distinctValue) {
                    value = value == null ? quantity : combine.apply(value, quantity);
                }

                @Override
                public BigDecimal value() {
                    return value;
                }
            };
        }
    }
}
