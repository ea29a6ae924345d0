package io.meterlake.pipeline.aggregation;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.when;

import io.meterlake.schema.Columns;
import java.math.BigDecimal;
import java.util.List;
import org.apache.spark.sql.Column;

/** {@code MAX}, for gauges: the highest canonical quantity among the events. */
final class MaxAggregation implements MetricAggregation {
    static final MaxAggregation INSTANCE = new MaxAggregation();
    private static final long serialVersionUID = 1L;

    private MaxAggregation() {}

    @Override
    public List<Column> partials(Column counted) {
        return List.of(max(when(counted, col(Columns.QUANTITY))).as(Columns.MAX_QUANTITY));
    }

    @Override
    public List<String> parts() {
        return List.of(Columns.MAX_QUANTITY);
    }

    @Override
    public List<Column> combine() {
        return List.of(max(col(Columns.MAX_QUANTITY)).as(Columns.MAX_QUANTITY));
    }

    @Override
    public Column finish() {
        return col(Columns.MAX_QUANTITY);
    }

    @Override
    public Accumulator accumulator(io.meterlake.catalog.Metric metric, io.meterlake.period.Period period) {
        return Accumulator.folding(BigDecimal::max);
    }

    private Object readResolve() {
        return INSTANCE;
    }
}
