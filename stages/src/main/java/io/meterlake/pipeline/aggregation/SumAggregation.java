package io.meterlake.pipeline.aggregation;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import java.math.BigDecimal;
import java.util.List;
import org.apache.spark.sql.Column;

/** {@code SUM}, for counters: the sum of the events' canonical quantities. */
final class SumAggregation implements MetricAggregation {
    static final SumAggregation INSTANCE = new SumAggregation();
    private static final long serialVersionUID = 1L;

    private SumAggregation() {}

    @Override
    public List<Column> partials(Column counted) {
        return List.of(sum(when(counted, col(Columns.QUANTITY))).as(Columns.SUM_QUANTITY));
    }

    /**
     * A sum that overflowed {@code decimal(38,9)} is null in its part and stays null here (Spark's
     * {@code sum} would skip it), so that the quantity is null: the overflow signal.
     */
    @Override
    public List<String> parts() {
        return List.of(Columns.SUM_QUANTITY);
    }

    @Override
    public List<Column> combine() {
        return List.of(when(max(col(Columns.SUM_QUANTITY).isNull()), lit(null))
                .otherwise(sum(col(Columns.SUM_QUANTITY)))
                .cast(Tables.QUANTITY_TYPE)
                .as(Columns.SUM_QUANTITY));
    }

    @Override
    public Column finish() {
        return col(Columns.SUM_QUANTITY);
    }

    @Override
    public Accumulator accumulator(io.meterlake.catalog.Metric metric, io.meterlake.period.Period period) {
        return Accumulator.folding(BigDecimal::add);
    }

    private Object readResolve() {
        return INSTANCE;
    }
}
