package io.meterlake.pipeline.aggregation;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import io.meterlake.schema.Columns;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.Column;

/**
 * {@code LATEST}, for running totals reported by the producer: the quantity of the latest event by
 * event time, of the last received among equal event times ({@link io.meterlake.pipeline.IngestOrder}).
 * The part is the maximum of (event time, ingest order, quantity): (event time, ingest order) is
 * unique per record, so its quantity is the latest event's.
 */
final class LatestAggregation implements MetricAggregation {
    static final LatestAggregation INSTANCE = new LatestAggregation();
    private static final long serialVersionUID = 1L;

    private LatestAggregation() {}

    @Override
    public List<Column> partials(Column counted) {
        return List.of(
                max(when(counted, struct(col(Columns.EVENT_TIME), col(Columns.INGEST_ORDER), col(Columns.QUANTITY))))
                        .as(Columns.LATEST_QUANTITY));
    }

    @Override
    public List<String> parts() {
        return List.of(Columns.LATEST_QUANTITY);
    }

    @Override
    public List<Column> combine() {
        return List.of(max(col(Columns.LATEST_QUANTITY)).as(Columns.LATEST_QUANTITY));
    }

    @Override
    public Column finish() {
        return col(Columns.LATEST_QUANTITY + "." + Columns.QUANTITY);
    }

    @Override
    public Accumulator accumulator(io.meterlake.catalog.Metric metric, io.meterlake.period.Period period) {
        return new Accumulator() {
            private BigDecimal value;
            private Instant latest;
            private long latestSequence;

            @Override
            public void add(BigDecimal quantity, Instant time, long sequence, String distinctValue) {
                if (value == null || time.isAfter(latest) || (time.equals(latest) && sequence > latestSequence)) {
                    value = quantity;
                    latest = time;
                    latestSequence = sequence;
                }
            }

            @Override
            public BigDecimal value() {
                return value;
            }
        };
    }

    private Object readResolve() {
        return INSTANCE;
    }
}
