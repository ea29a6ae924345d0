package io.meterlake.pipeline.aggregation;

import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.flatten;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;

/**
 * {@code UNIQUE_COUNT}: the number of distinct values of the metric's {@code property} attribute over
 * a group's events ({@link Columns#DISTINCT_VALUE}, which {@link io.meterlake.pipeline.UsageAggregation}
 * reads from the attributes per the catalog). The part is the set of values itself, so a period's
 * count is the size of the union of its windows' sets, never the sum of their counts: a user active in
 * two windows counts once. Ingest quarantines an event without the attribute ({@code MISSING_FIELD}),
 * so every counted event has a value.
 */
final class UniqueCountAggregation implements MetricAggregation {
    static final UniqueCountAggregation INSTANCE = new UniqueCountAggregation();
    private static final long serialVersionUID = 1L;

    private UniqueCountAggregation() {}

    @Override
    public List<Column> partials(Column counted) {
        return List.of(collect_set(when(counted, col(Columns.DISTINCT_VALUE))).as(Columns.DISTINCT_VALUES));
    }

    @Override
    public List<String> parts() {
        return List.of(Columns.DISTINCT_VALUES);
    }

    @Override
    public List<Column> combine() {
        return List.of(array_distinct(flatten(collect_list(col(Columns.DISTINCT_VALUES))))
                .as(Columns.DISTINCT_VALUES));
    }

    @Override
    public Column finish() {
        return size(col(Columns.DISTINCT_VALUES)).cast(Tables.QUANTITY_TYPE);
    }

    @Override
    public Accumulator accumulator(io.meterlake.catalog.Metric metric, io.meterlake.period.Period period) {
        return new Accumulator() {
            private final Set<String> values = new HashSet<>();
            private boolean any;

            @Override
            public void add(BigDecimal quantity, Instant time, long sequence, String distinctValue) {
                any = true;
                values.add(java.util.Objects.requireNonNull(distinctValue, "a UNIQUE_COUNT event without its value"));
            }

            @Override
            public BigDecimal value() {
                return any ? BigDecimal.valueOf(values.size()) : null;
            }
        };
    }

    private Object readResolve() {
        return INSTANCE;
    }
}
