package io.meterlake.pipeline.aggregation;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.catalog.Aggregation;
import io.meterlake.catalog.Metric;
import io.meterlake.period.Period;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The plain-Java form of every aggregation on hand-computed examples, in every order of arrival
 * (the truth settles events in any order). The Spark forms are checked against the same meanings in
 * the recompute's tests.
 */
class MetricAggregationTest {
    private static final Instant T = Instant.parse("2026-10-10T00:00:00Z");

    /** (quantity, time offset in seconds, send order, the counted property's value) */
    private static final List<Object[]> SAMPLES = List.of(
            new Object[] {"10", 0, 0L, "u1"},
            new Object[] {"2.5", 60, 1L, "u2"},
            new Object[] {"7", 60, 2L, "u1"},
            new Object[] {"4", 30, 3L, "u3"});

    private static final Period OCTOBER = Period.parse("2026-10");

    /** A metric of {@code aggregation}: UNIQUE_COUNT of user_id, PERCENTILE 95 of 5-minute buckets. */
    static Metric metric(Aggregation aggregation) {
        Metric.Parameters parameters = switch (aggregation) {
            case UNIQUE_COUNT -> Metric.Parameters.uniqueCount("user_id");
            case PERCENTILE -> Metric.Parameters.percentile(95, Duration.ofMinutes(5));
            case TIME_WEIGHTED -> Metric.Parameters.timeWeighted(Duration.ofHours(1), Duration.ofHours(2), List.of());
            case SUM, MAX, LATEST, COUNT -> Metric.Parameters.NONE;
        };
        return new Metric("m", "u", Map.of("u", BigDecimal.ONE), aggregation, Metric.DEFAULT_MAX_QUANTITY, parameters);
    }

    private static BigDecimal run(Aggregation aggregation, List<Object[]> samples) {
        MetricAggregation.Accumulator accumulator =
                MetricAggregation.of(aggregation).accumulator(metric(aggregation), OCTOBER);
        for (Object[] sample : samples) {
            accumulator.add(
                    new BigDecimal((String) sample[0]), T.plusSeconds((Integer) sample[1]), (Long) sample[2], (String)
                            sample[3]);
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
        // One busy 5-minute bucket (23.5) among 8928 in October: the 95th percentile drops it, so 0.
        assertThat(run(Aggregation.PERCENTILE, SAMPLES)).isEqualByComparingTo("0");
        // One series: 10 for 30 s, 4 for 30 s, 2.5 replaced at once by 7 (same time, sent later), 7 for max_hold
        // (2 h): (300 + 120 + 0 + 50400) level-seconds / 3600 = 14.11666..., rounded once.
        assertThat(run(Aggregation.TIME_WEIGHTED, SAMPLES)).isEqualByComparingTo("14.116666667");
    }

    /** A time-weighted series of {@code metric}: (line, ISO time, send order, level) per sample. */
    private static Map<String, TimeWeightedAggregation.Part> timeWeighted(
            Metric metric, Period period, Object[]... samples) {
        TimeWeightedAggregation.Series series = new TimeWeightedAggregation.Series(metric);
        for (Object[] sample : samples) {
            series.add(
                    "s",
                    (String) sample[0],
                    Instant.parse((String) sample[1]),
                    (Long) sample[2],
                    new BigDecimal((String) sample[3]));
        }
        return series.lines(period);
    }

    private static TimeWeightedAggregation.Part part(String quantity, long samples) {
        return new TimeWeightedAggregation.Part(new BigDecimal(quantity).setScale(9), samples);
    }

    @Test
    void timeWeightedHoldsEachLevelUntilTheNextSampleOrMaxHold() {
        Metric held = metric(Aggregation.TIME_WEIGHTED);
        // A sample 1 h before the period with max_hold 2 h: its last hour is October's, on its own line.
        assertThat(timeWeighted(held, OCTOBER, new Object[] {"a", "2026-09-30T23:00:00Z", 0L, "3"}))
                .containsExactly(Map.entry("a", part("3", 1)));
        // ... and one 2 h before holds nothing into October: no line.
        assertThat(timeWeighted(held, OCTOBER, new Object[] {"a", "2026-09-30T22:00:00Z", 0L, "3"}))
                .isEmpty();
        // A series with one sample, 30 minutes before the period's end: half an hour.
        assertThat(timeWeighted(held, OCTOBER, new Object[] {"a", "2026-10-31T23:30:00Z", 0L, "2"}))
                .containsExactly(Map.entry("a", part("1", 1)));
        // A gap longer than max_hold: a silent service stops being billed after 2 h (5 × 2 + 1 × 2).
        assertThat(timeWeighted(held, OCTOBER, new Object[] {"a", "2026-10-05T10:00:00Z", 0L, "5"}, new Object[] {
                    "a", "2026-10-05T14:00:00Z", 1L, "1"
                }))
                .containsExactly(Map.entry("a", part("12", 2)));
        // Equal event times: the later sent replaces the earlier, which holds for no time (but was read).
        assertThat(timeWeighted(held, OCTOBER, new Object[] {"a", "2026-10-05T10:00:00Z", 7L, "8"}, new Object[] {
                    "a", "2026-10-05T10:00:00Z", 3L, "100"
                }))
                .containsExactly(Map.entry("a", part("16", 2)));
        // A plan change between two samples: each sample's part on its own line; the hold ends at the next.
        assertThat(timeWeighted(
                        held, OCTOBER, new Object[] {"standard", "2026-10-16T12:00:00Z", 0L, "4"}, new Object[] {
                            "premium", "2026-10-16T13:00:00Z", 1L, "6"
                        }))
                .containsOnly(Map.entry("standard", part("4", 1)), Map.entry("premium", part("12", 1)));
        // One rounding, HALF_EVEN: 1 nano-GB held 2.5 h is 2.5 nano-GB-h, billed 2 (HALF_UP would say 3); 3.5 → 4.
        Metric longer = new Metric(
                "m",
                "GB",
                Map.of("GB", BigDecimal.ONE),
                Aggregation.TIME_WEIGHTED,
                Metric.DEFAULT_MAX_QUANTITY,
                Metric.Parameters.timeWeighted(Duration.ofHours(1), Duration.ofHours(4), List.of()));
        assertThat(timeWeighted(
                        longer, OCTOBER, new Object[] {"a", "2026-10-05T10:00:00Z", 0L, "0.000000001"}, new Object[] {
                            "a", "2026-10-05T12:30:00Z", 1L, "0"
                        }))
                .containsExactly(Map.entry("a", part("0.000000002", 2)));
        assertThat(timeWeighted(
                        longer, OCTOBER, new Object[] {"a", "2026-10-05T10:00:00Z", 0L, "0.000000001"}, new Object[] {
                            "a", "2026-10-05T13:30:00Z", 1L, "0"
                        }))
                .containsExactly(Map.entry("a", part("0.000000004", 2)));
        assertThat(held.lineUnit()).isEqualTo("u-h");
    }

    /**
     * Bucket sums 1, 2, ..., {@code busy} in the first {@code busy} 5-minute buckets of {@code period}
     * (bucket 7's as 3 + 4, two events, the second at the bucket's last microsecond), the others empty.
     */
    private static BigDecimal percentile(Period period, int busy) {
        MetricAggregation.Accumulator accumulator =
                MetricAggregation.of(Aggregation.PERCENTILE).accumulator(metric(Aggregation.PERCENTILE), period);
        for (int value = 1; value <= busy; value++) {
            Instant bucket = period.start().plus(Duration.ofMinutes(5L * (value - 1)));
            if (value == 7) {
                accumulator.add(new BigDecimal("3"), bucket, value, null);
                accumulator.add(
                        new BigDecimal("4"), bucket.plus(Duration.ofMinutes(5)).minusNanos(1000), value, null);
            } else {
                accumulator.add(BigDecimal.valueOf(value), bucket, value, null);
            }
        }
        return accumulator.value();
    }

    @Test
    void percentileBillsTheBucketAfterTheDroppedHighestOnes() {
        // February 2026, 28 days: N = 8064 buckets, k = floor(8064 × 5 / 100) = 403 dropped: the 404th highest.
        assertThat(percentile(Period.parse("2026-02"), 410)).isEqualByComparingTo("7");
        // January 2027, 31 days: N = 8928, k = floor(446.4) = 446: the 447th highest of 1..450 is 4.
        assertThat(percentile(Period.parse("2027-01"), 450)).isEqualByComparingTo("4");
        // February 2028, 29 days: N = 8352, k = floor(417.6) = 417: the 418th highest of 1..450 is 33.
        assertThat(percentile(Period.parse("2028-02"), 450)).isEqualByComparingTo("33");
        // No more busy buckets than are dropped: an empty bucket is billed, 0.
        assertThat(percentile(Period.parse("2026-02"), 403)).isEqualByComparingTo("0");
        assertThat(percentile(Period.parse("2026-02"), 404)).isEqualByComparingTo("1");
    }

    @ParameterizedTest
    @EnumSource(Aggregation.class)
    void theOrderOfArrivalChangesNothing(Aggregation aggregation) {
        BigDecimal expected = run(aggregation, SAMPLES);
        List<Object[]> shuffled = new ArrayList<>(SAMPLES);
        for (int seed = 0; seed < 12; seed++) {
            Collections.shuffle(shuffled, new java.util.Random(seed));
            assertThat(run(aggregation, shuffled))
                    .as(aggregation + " seed " + seed)
                    .isEqualByComparingTo(expected);
        }
    }

    @ParameterizedTest
    @EnumSource(Aggregation.class)
    void everyAggregationHasItsClassWithNamedParts(Aggregation aggregation) {
        MetricAggregation of = MetricAggregation.of(aggregation);
        assertThat(of.accumulator(metric(aggregation), OCTOBER).value())
                .as("nothing before the first event")
                .isNull();
        assertThat(of.partials(org.apache.spark.sql.functions.lit(true))).hasSameSizeAs(of.parts());
        assertThat(of.combine()).hasSameSizeAs(of.parts());
        assertThat(of.finish()).isNotNull();
    }
}
