package io.meterlake.pipeline.aggregation;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.flatten;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import io.meterlake.catalog.Metric;
import io.meterlake.period.Period;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.validation.Quantities;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;

/**
 * {@code TIME_WEIGHTED} (GB-hours): events are absolute levels of a series (tenant, app, metric, the
 * {@code series_by} attribute values), ordered by event time, then ingest order (of equal times the
 * later replaces the earlier: the earlier holds for no time). A sample's level holds from its event
 * time until the series' next sample or {@code max_hold}, whichever is first, so a silent service
 * stops being billed. A line's quantity is Σ level × (seconds of the hold inside the period) ÷ seconds
 * of {@code time_unit}, summed exactly (level × microseconds, scale 9) and rounded once, HALF_EVEN to 9
 * digits. A sample before the period whose hold reaches into it counts for its part inside, on its
 * own attribution: the recompute reads {@code max_hold} before the period. The line's unit is the
 * canonical unit per time unit ({@link Metric#lineUnit()}, {@code GB-h}).
 *
 * <p>The period's value is not a function of its windows (a hold crosses windows, and lines, at a
 * plan change), so its parts are the samples themselves ({@link Columns#SAMPLES}), which the period's
 * lines order per series ({@link io.meterlake.pipeline.UsageAggregation#timeWeightedLines}). The
 * provisional form per stream window, which the batch's windows share so that reconcile compares like
 * with like, is each sample of the window held until {@code max_hold} or the window's end, whichever
 * is first ({@link Columns#WINDOW_SHARE}): the stream sees one window's events at a time, so it neither
 * cuts a hold at the series' next sample nor carries one in from the window before.
 */
public final class TimeWeightedAggregation implements MetricAggregation {
    static final TimeWeightedAggregation INSTANCE = new TimeWeightedAggregation();
    private static final long serialVersionUID = 1L;
    private static final BigDecimal MICROS_PER_SECOND = BigDecimal.valueOf(1_000_000);

    /** level × microseconds, exact (scale 9); null past decimal(38,9), the overflow signal. */
    private static final UserDefinedFunction LEVEL_TIMES_MICROS = udf(
            (UDF2<BigDecimal, Long, BigDecimal>) (level, micros) ->
                    level == null || micros == null ? null : fit(level.multiply(BigDecimal.valueOf(micros))),
            Tables.QUANTITY_TYPE);

    /** An integral in level × microseconds per unit of {@code unitMicros}, rounded once: HALF_EVEN, 9 digits. */
    private static final UserDefinedFunction PER_UNIT = udf(
            (UDF2<BigDecimal, Long, BigDecimal>) (integral, unitMicros) ->
                    integral == null || unitMicros == null ? null : perUnit(integral, unitMicros),
            Tables.QUANTITY_TYPE);

    private TimeWeightedAggregation() {}

    /**
     * The window shares' sum of rows where {@code counted} holds, and the samples of rows where it holds
     * or that are {@link Columns#CARRIED} (before the period, read for the lines' integral only).
     */
    @Override
    public List<Column> partials(Column counted) {
        return List.of(
                sum(when(counted, col(Columns.WINDOW_SHARE))).as(Columns.SHARE_SUM),
                collect_list(when(
                                counted.or(col(Columns.CARRIED)),
                                struct(
                                        col(Columns.EVENT_TIME),
                                        col(Columns.INGEST_ORDER),
                                        col(Columns.QUANTITY),
                                        col(Columns.CARRIED))))
                        .as(Columns.SAMPLES));
    }

    @Override
    public List<String> parts() {
        return List.of(Columns.SHARE_SUM, Columns.SAMPLES);
    }

    @Override
    public List<Column> combine() {
        return List.of(
                sum(col(Columns.SHARE_SUM)).as(Columns.SHARE_SUM),
                flatten(collect_list(col(Columns.SAMPLES))).as(Columns.SAMPLES));
    }

    /** The shares' sum in level × microseconds: {@link #finish(Metric)} makes it a quantity per time unit. */
    @Override
    public Column finish() {
        return col(Columns.SHARE_SUM);
    }

    /** A window's provisional quantity: its shares per the metric's time unit. */
    @Override
    public Column finish(Metric metric) {
        return perTimeUnit(col(Columns.SHARE_SUM), metric);
    }

    /**
     * Never asked: a line's quantity is not a function of its combined parts (a hold crosses lines at a
     * plan change); {@link io.meterlake.pipeline.UsageAggregation#timeWeightedLines} orders its samples.
     */
    @Override
    public Column finish(Metric metric, Period period) {
        throw new IllegalStateException(
                "the lines of " + metric.name() + " come from their samples (timeWeightedLines)");
    }

    /** {@code level} × {@code micros} (a long column), exact: what a sample's hold is worth before the time unit. */
    public static Column levelTimesMicros(Column level, Column micros) {
        return LEVEL_TIMES_MICROS.apply(level, micros);
    }

    /** An integral of level × microseconds as a quantity per {@code metric}'s time unit, rounded once. */
    public static Column perTimeUnit(Column integral, Metric metric) {
        return PER_UNIT.apply(
                integral,
                org.apache.spark.sql.functions.lit(micros(metric.parameters().timeUnit())));
    }

    /** Microseconds of {@code duration}. */
    public static long micros(Duration duration) {
        return Math.multiplyExact(duration.getSeconds(), 1_000_000L) + duration.getNano() / 1_000;
    }

    /** Microseconds since the epoch of {@code instant}. */
    public static long micros(Instant instant) {
        return Math.multiplyExact(instant.getEpochSecond(), 1_000_000L) + instant.getNano() / 1_000;
    }

    static BigDecimal perUnit(BigDecimal integral, long unitMicros) {
        return fit(integral.divide(BigDecimal.valueOf(unitMicros), Quantities.SCALE, RoundingMode.HALF_EVEN));
    }

    private static BigDecimal fit(BigDecimal value) {
        BigDecimal scaled = value.setScale(Quantities.SCALE, RoundingMode.UNNECESSARY);
        return scaled.precision() - scaled.scale() > 38 - Quantities.SCALE ? null : scaled;
    }

    /**
     * The truth's form of one line whose events are one series: see {@link Series} for several series
     * and lines (a plan change cuts a series into two lines).
     */
    @Override
    public Accumulator accumulator(Metric metric, Period period) {
        return new Accumulator() {
            private final Series series = new Series(metric);

            @Override
            public void add(BigDecimal quantity, Instant time, long sequence, String distinctValue) {
                series.add("", "", time, sequence, quantity);
            }

            @Override
            public BigDecimal value() {
                Map<String, Part> lines = series.lines(period);
                return lines.isEmpty() ? null : lines.get("").quantity();
            }
        };
    }

    /** A line's quantity and the number of samples it was computed from. */
    public record Part(BigDecimal quantity, long samples) {}

    /**
     * The plain-Java time-weighted integral (the generator's truth, computed without Spark): samples of
     * any number of series in any order of arrival, each with the line it is billed to, and a period's
     * quantity per line. A line counts the samples in the period and those before it whose hold reaches
     * into it.
     */
    public static final class Series {
        private final Metric metric;
        private final Map<String, List<Sample>> samples = new HashMap<>();

        public Series(Metric metric) {
            this.metric = metric;
        }

        private record Sample(String line, long micros, long sequence, BigDecimal level) {}

        /** A sample of {@code series} billed to {@code line}: its time, its send order, its level (canonical). */
        public void add(String series, String line, Instant time, long sequence, BigDecimal level) {
            samples.computeIfAbsent(series, key -> new ArrayList<>())
                    .add(new Sample(line, micros(time), sequence, level));
        }

        /** The lines of {@code period} with a sample counted, by line. */
        public Map<String, Part> lines(Period period) {
            long start = micros(period.start());
            long end = micros(period.end());
            long hold = micros(metric.parameters().maxHold());
            Map<String, BigDecimal> integrals = new HashMap<>();
            Map<String, Long> counts = new HashMap<>();
            for (List<Sample> series : samples.values()) {
                List<Sample> ordered = new ArrayList<>(series);
                ordered.sort(Comparator.comparingLong(Sample::micros).thenComparingLong(Sample::sequence));
                for (int i = 0; i < ordered.size(); i++) {
                    Sample sample = ordered.get(i);
                    long until = sample.micros() + hold;
                    if (i + 1 < ordered.size()) {
                        until = Math.min(until, ordered.get(i + 1).micros());
                    }
                    long held = Math.max(0, Math.min(until, end) - Math.max(sample.micros(), start));
                    boolean inPeriod = sample.micros() >= start && sample.micros() < end;
                    if (inPeriod || held > 0) {
                        integrals.merge(
                                sample.line(), sample.level().multiply(BigDecimal.valueOf(held)), BigDecimal::add);
                        counts.merge(sample.line(), 1L, Long::sum);
                    }
                }
            }
            Map<String, Part> lines = new HashMap<>();
            long unit = micros(metric.parameters().timeUnit());
            integrals.forEach((line, integral) -> lines.put(line, new Part(perUnit(integral, unit), counts.get(line))));
            return lines;
        }
    }

    private Object readResolve() {
        return INSTANCE;
    }
}
