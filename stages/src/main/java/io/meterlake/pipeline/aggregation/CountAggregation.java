package io.meterlake.pipeline.aggregation;

import static org.apache.spark.sql.functions.col;

import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.Column;

/**
 * {@code COUNT}: the number of (deduplicated, uncorrected) events; their quantities are validated as
 * every metric's are, and not summed. It finishes from the event count every group carries, so it
 * needs no part: per window it is the window's events, and windows add up to the period.
 */
final class CountAggregation implements MetricAggregation {
    static final CountAggregation INSTANCE = new CountAggregation();
    private static final long serialVersionUID = 1L;

    private CountAggregation() {}

    @Override
    public List<Column> partials(Column counted) {
        return List.of();
    }

    @Override
    public List<String> parts() {
        return List.of();
    }

    @Override
    public List<Column> combine() {
        return List.of();
    }

    @Override
    public Column finish() {
        return col(Columns.EVENT_COUNT).cast(Tables.QUANTITY_TYPE);
    }

    @Override
    public Accumulator accumulator(io.meterlake.catalog.Metric metric, io.meterlake.period.Period period) {
        return new Accumulator() {
            private long count;

            @Override
            public void add(BigDecimal quantity, Instant time, long sequence, String distinctValue) {
                count++;
            }

            @Override
            public BigDecimal value() {
                return count == 0 ? null : BigDecimal.valueOf(count);
            }
        };
    }

    private Object readResolve() {
        return INSTANCE;
    }
}
