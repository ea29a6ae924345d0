package io.meterlake.pipeline.aggregation;

import io.meterlake.catalog.Aggregation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The plain-Java form of every aggregation on hand-computed examples, in every order of arrival
 * (the truth settles events in any order). The Spark forms are checked against the same meanings in
 * the recompute's tests.
 */
class MetricAggregationTest {
    private static final Instant T = Instant.parse("2026-10-10T00:00:00Z");

    /** (quantity, time offset in seconds, send order, the counted property's value) */
    private static final List<Object[]> SAMPLES = List.of(
            new Object[] {"10", 0, 0L, "u1"}, new Object[] {"2.5", 60, 1L, "u2"}, new Object[] {"7", 60, 2L, "u1"},
            new Object[] {"4", 30, 3L, "u3"});

    private static BigDecimal run(Aggregation aggregation, List<Object[]> samples) {
        MetricAggregation.Accumulator accumulator = MetricAggregation.of(aggregation).accumulator();
        for (Object[] sample : samples) {
            accumulator.add(new BigDecimal((String) sample[0]), T.plusSeconds((Integer) sample[1]), (Long) sample[2], (String) sample[3]);
        }
        return accumulator.value();
    }

    @Test
    void handComputedExamples() {
        assertThat(run(Aggregation.SUM, SAMPLES)).isEqualByComparingTo("23.5");
        assertThat(run(Aggregation.MAX, SAMPLES)).isEqualByComparingTo("10");
        // Latest time is 60 s, sent twice: the later sent (order 2) wins.
        assertThat(run(Aggregation.LATEST, SAMPLES)).isEqualByComparingTo("7");
        // The number of events, not their quantities.
        assertThat(run(Aggregation.COUNT, SAMPLES)).isEqualByComparingTo("4");
        // Distinct values: u1 twice counts once.
        assertThat(run(Aggregation.UNIQUE_COUNT, SAMPLES)).isEqualByComparingTo("3");
    }

    @ParameterizedTest
    @EnumSource(Aggregation.class)
    void theOrderOfArrivalChangesNothing(Aggregation aggregation) {
        BigDecimal expected = run(aggregation, SAMPLES);
        List<Object[]> shuffled = new ArrayList<>(SAMPLES);
        for (int seed = 0; seed < 12; seed++) {
            Collections.shuffle(shuffled, new java.util.Random(seed));
            assertThat(run(aggregation, shuffled)).as(aggregation + " seed " + seed).isEqualByComparingTo(expected);
        }
    }

    @ParameterizedTest
    @EnumSource(Aggregation.class)
    void everyAggregationHasItsClassWithNamedParts(Aggregation aggregation) {
        MetricAggregation of = MetricAggregation.of(aggregation);
        assertThat(of.accumulator().value()).as("nothing before the first event").isNull();
        assertThat(of.partials(org.apache.spark.sql.functions.lit(true))).hasSameSizeAs(of.parts());
        assertThat(of.combine()).hasSameSizeAs(of.parts());
        assertThat(of.finish()).isNotNull();
    }
}
